"""Every named query in queries/*.sql, read-only, on the scale store (see bench/scale_store.py).

    python bench/bench_queries.py

New queries are picked up by name; one that fails with the standard parameters is reported and
the others still run. No timing is asserted; queries above the goal are flagged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from bench.measure import median_ms
from bench.scale_store import CACHE, END, INSTANCE, print_setting, scale_store
from monitor.store import Store
from queries import query_names, run_query
from tests.query_params import query_params

GOAL_MS = 150.0
WARM_RUNS = 5
WINDOWS_DAYS = (7, 90)
# A busier workload than the tests' defaults: more rows per page, every sync activity type.
WORKLOAD = {
    "limit": 500,
    "activity_types": ["Sync Lead to SFDC", "Sync Lead Updates to SFDC", "SFDC Activity"],
}


def params_for(window_days: int) -> dict:
    """The standard parameters with `since` that many days before the end of the data."""
    return query_params(END, window_days=window_days, instance=INSTANCE, **WORKLOAD)


def time_query(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> tuple[int, float]:
    """(rows returned, median ms of WARM_RUNS runs after one warm-up run)."""
    rows = len(run_query(con, name, **params))
    return rows, median_ms(lambda: run_query(con, name, **params), WARM_RUNS)


def open_and_close(store: Store) -> None:
    with store.read():
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached scale store")
    args = parser.parse_args()

    store = scale_store(CACHE, rebuild=args.rebuild)
    print_setting(store, ("sync_stats", "sync_errors", "change_counts", "field_inventory"))
    with store.read() as con:
        run_query(con, "instances")  # pandas' first-use cost (~0.3 s) is not a query's
    print(f"now={END.isoformat()}, median of {WARM_RUNS} warm runs, goal <= {GOAL_MS:.0f} ms")
    print(f"opening a read-only connection: {median_ms(lambda: open_and_close(store), 5):.1f} ms")

    header = "".join(f"{f'since -{days} d':>14}{'rows':>10}" for days in WINDOWS_DAYS)
    print(f"{'query':<32}{header}")
    names = query_names()
    slow, failed = [], []
    for name in names:
        cells, is_slow = [], False
        try:
            with store.read() as con:
                for days in WINDOWS_DAYS:
                    rows, ms = time_query(con, name, params_for(days))
                    cells.append(f"{ms:>11.1f} ms{rows:>10,}")
                    if ms > GOAL_MS:
                        is_slow = True
                        slow.append(f"{name} (since -{days} d): {ms:.0f} ms")
        except Exception as exc:  # report and go on: new queries keep arriving
            failed.append(name)
            message = " ".join(str(exc).split())
            print(f"{name:<32}  FAILED {type(exc).__name__}: {message}")
            continue
        print(f"{name:<32}{''.join(cells)}{'  ABOVE GOAL' if is_slow else ''}")
    print(f"{len(names)} queries, {len(slow)} timings above {GOAL_MS:.0f} ms, {len(failed)} failed")
    for line in slow:
        print(f"  above goal: {line}")
    for name in failed:
        print(f"  failed: {name}")


if __name__ == "__main__":
    main()
