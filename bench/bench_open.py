"""What one store open costs: the store's attach-per-burst against a DuckDB instance per open.

    python bench/bench_open.py [--runs 200]

On a migrated empty store and on the demo workspace, in interleaved rounds: `Store.read()`
(attach the file to the process's read instance, check it, detach), `Store.query("instances")`
(the same plus one small query) and a bare `duckdb.connect(path, read_only=True)` plus close
(what every open cost before: a new instance each time). Medians in milliseconds and their
ratio; no timing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.actions import build_demo  # noqa: E402
from monitor.store import Store  # noqa: E402


def _read(store: Store) -> None:
    with store.read():
        pass


def _instance_per_open(store: Store) -> None:
    duckdb.connect(str(store.path), read_only=True).close()


CASES = {
    "Store.read() (attach, check, detach)": _read,
    "Store.query('instances')": lambda store: store.query("instances"),
    "duckdb.connect(read_only) + close (an instance per open)": _instance_per_open,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="bench-open-"))
    empty = Store(folder / "empty.duckdb")
    empty.init()
    demo = Store(folder / "demo.duckdb")
    build_demo(demo, now=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    for label, store in (("empty store", empty), ("demo workspace", demo)):
        size = store.path.stat().st_size / 1024 / 1024
        times: dict[str, list[float]] = {name: [] for name in CASES}
        for _ in range(runs):  # interleaved: a slower moment of the machine hits every case
            for name, case in CASES.items():
                started = time.perf_counter()
                case(store)
                times[name].append((time.perf_counter() - started) * 1000)
        print(f"{label} ({size:.1f} MiB), median of {runs}:")
        medians = {name: statistics.median(values) for name, values in times.items()}
        baseline = "duckdb.connect(read_only) + close (an instance per open)"
        for name, median in medians.items():
            ratio = "baseline" if name == baseline else f"{medians[baseline] / median:.1f}x faster"
            print(f"  {name:58} {median:6.2f} ms  ({ratio})")


if __name__ == "__main__":
    main()
