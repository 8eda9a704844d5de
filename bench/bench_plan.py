"""The backlog planner (`python -m monitor plan`) on one year of 5-minute sync stats.

    python bench/bench_plan.py [--full]

By default it builds (once, cached in bench/out/plan-year.duckdb) a store holding only the
scale store's sync_stats: 1 year x 10 objects x 2 directions x 5-minute samples, written by the
same builder as bench/scale_store.py; --full uses the whole scale store (minutes to build).
Prints, side by side, the planner's median time in-process reading the drain rates from the
raw 5-minute samples (before: how plan_drain_rates read them until the hourly roll-up existed)
and from the hourly roll-up (after, sync_drain_hourly), then the `plan` verb's wall time end to
end, against the goal (1 s). No timing is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from bench import synthetic
from bench.measure import ROOT, median_ms
from bench.scale_store import DAYS, END, INSTANCE, scale_store
from monitor.config import DEFAULTS
from monitor.planner import HISTORY_DAYS, plan_from_frames, plan_mass_update
from monitor.store import Store
from monitor.store.facts import ensure_instance, insert_frame

GOAL_SECONDS = 1.0
RUNS = 5
YEAR = ROOT / "bench" / "out" / "plan-year.duckdb"
# The drain rates as plan_drain_rates.sql read them before the roll-up: grouping every sample
# of the 28 days per sample, then per hour, on every plan (kept here only to compare).
RAW_SAMPLE_RATES = """
WITH paired AS (
    SELECT ts, object, direction,
           max(value) FILTER (WHERE metric = 'throughput') AS throughput,
           max(value) FILTER (WHERE metric = 'backlog') AS backlog
    FROM sync_stats
    WHERE instance = $instance AND metric IN ('backlog', 'throughput')
      AND ts > $until - to_days(CAST($history_days AS INTEGER)) AND ts <= $until
    GROUP BY ALL
    HAVING max(value) FILTER (WHERE metric = 'throughput') IS NOT NULL
), hourly AS (
    SELECT time_bucket(INTERVAL 1 HOUR, ts) AS hour, object, direction,
           count(*) AS samples,
           count(*) FILTER (WHERE backlog > 0) AS busy_samples,
           sum(throughput) FILTER (WHERE backlog > 0) AS busy_throughput
    FROM paired
    GROUP BY ALL
)
SELECT hour, object, direction, samples, busy_samples,
       busy_throughput / busy_samples
           * max(samples) OVER (PARTITION BY object, direction) AS rate_per_hour
FROM hourly
WHERE busy_samples > 0
ORDER BY object, direction, hour
"""


def year_of_stats(path: Path = YEAR) -> Store:
    """A store with the scale store's sync_stats only, built once."""
    store = Store(path)
    if path.exists():
        store.init()
        return store
    path.parent.mkdir(parents=True, exist_ok=True)
    store.init()
    with store.write() as con:
        ensure_instance(con, INSTANCE, label="benchmark scale data")
    months = pd.date_range(END - timedelta(days=DAYS), END, freq="30D").to_pydatetime().tolist()
    for first, last in zip(months, [*months[1:], END], strict=True):
        with store.write() as con:
            insert_frame(con, "sync_stats", synthetic.sync_stats_month(first, last, INSTANCE))
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="use the whole scale store")
    args = parser.parse_args()
    store = scale_store() if args.full else year_of_stats()
    with store.read() as con:
        rows = con.execute("SELECT count(*) FROM sync_stats").fetchone()[0]
    order = DEFAULTS["sync_object_order"]
    objects = synthetic.STATS_OBJECTS

    def plan() -> None:
        plan_mass_update(store, INSTANCE, objects[1], 200_000, END, order=order)

    def plan_from_raw_samples() -> None:
        from queries import run_query_arrays

        with store.read() as con:
            latest = run_query_arrays(con, "backlog_latest", instance=INSTANCE, until=END)
            params = {"instance": INSTANCE, "until": END, "history_days": HISTORY_DAYS}
            measured = con.execute(RAW_SAMPLE_RATES, params).fetchnumpy()
        plan_from_frames(
            latest,
            measured,
            instance=INSTANCE,
            object_name=objects[1],
            records=200_000,
            now=END,
            order=order,
        )

    answer = plan_mass_update(store, INSTANCE, objects[1], 200_000, END, order=order)
    before = median_ms(plan_from_raw_samples, RUNS) / 1000
    median = median_ms(plan, RUNS) / 1000
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    environment["MONITOR_DB"] = str(store.path)
    started = time.perf_counter()
    # The verb plans from the wall clock; the store ends at END, so it reads a quiet window:
    # the end-to-end time is what a user waits for, the in-process time the planner's work.
    subprocess.run(
        [sys.executable, "-m", "monitor", "plan", "--object", objects[1], "--records", "200000"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        check=True,
    )
    wall = time.perf_counter() - started
    flag = lambda s: "ok" if s < GOAL_SECONDS else "ABOVE GOAL"  # noqa: E731
    print(f"store: {store.path} ({rows:,} sync_stats rows)")
    print(f"plan answer: {answer.status}, {answer.hours}")
    print(
        f"before, rates from the raw samples, median of {RUNS}: {before:.3f} s "
        f"(goal < {GOAL_SECONDS} s) {flag(before)}"
    )
    print(
        f"after, plan_mass_update (hourly roll-up), median of {RUNS}: {median:.3f} s "
        f"(goal < {GOAL_SECONDS} s) {flag(median)}"
    )
    print(
        f"python -m monitor plan, end to end: {wall:.3f} s (goal < {GOAL_SECONDS} s) {flag(wall)}"
    )


if __name__ == "__main__":
    main()
