"""A store at production scale, built through the project's own write paths and cached in
bench/out/ (building it takes minutes; the queries and checks benches share it).

Contents, all for instance 'bench', ending at END:
- sync_stats: 1 year x 10 objects x 2 directions x 5-minute samples of backlog, throughput
  and inflow (provenance 'reported'), inserted in time order, one write per month;
- sync_errors: 1,000,000 rows over the same year via monitor.store.sync_errors.write_sync_errors;
- change_counts: hourly changes per object by 4 modifiers (feeds backlog_spike's cause);
- describe and permission snapshots of every object, 3 versions each;
- findings: one run of every registered check at END.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from bench import synthetic
from bench.measure import ROOT
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import ensure_instance, insert_frame
from monitor.store.snapshots import write_describe_snapshot, write_permission_snapshot
from monitor.store.sync_errors import write_sync_errors

INSTANCE = "bench"
END = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
DAYS = 365
ERROR_ROWS = 1_000_000
ERROR_BATCHES = 10
DESCRIBE_FIELDS = 80
SNAPSHOT_AGES = (timedelta(days=300), timedelta(days=120), timedelta(days=10))
# Bump when the contents change, so a cached file from an older builder is rebuilt.
BUILD = f"v1 days={DAYS} errors={ERROR_ROWS} end={END.isoformat()}"
CACHE = ROOT / "bench" / "out" / "scale.duckdb"
CONTENTS = (
    "sync_stats via monitor.store.insert_frame (time order, 1 write per 30 days); "
    f"sync_errors via monitor.store.sync_errors.write_sync_errors ({ERROR_BATCHES} writes); "
    "snapshots via monitor.store.snapshots; findings via monitor.runner.run_checks"
)


def print_setting(store: Store, tables: tuple[str, ...] = ()) -> None:
    """Print what a bench runs on: DuckDB's version, the load average, the store and what wrote
    it, and the row counts of `tables`."""
    print(f"duckdb {duckdb.__version__}, load average {os.getloadavg()[0]:.1f}, store {store.path}")
    print(f"written by bench/scale_store.py: {CONTENTS}")
    if tables:
        with store.read() as con:
            rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        print("rows: " + ", ".join(f"{table} {count:,}" for table, count in rows.items()))


def is_current(path: Path) -> bool:
    """True when `path` holds a store this version of the builder made."""
    if not path.exists():
        return False
    with Store(path).read() as con:
        found = con.execute(
            "SELECT value FROM watermarks WHERE instance = $i AND name = 'bench_build'",
            {"i": INSTANCE},
        ).fetchone()
    return found is not None and found[0] == BUILD


def scale_store(path: Path = CACHE, *, rebuild: bool = False) -> Store:
    """The cached scale store, built first when missing, stale or `rebuild`."""
    if rebuild or not is_current(path):
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        build(path)
    store = Store(path)
    store.init()  # applies migrations added since the file was built
    return store


def _timed(label: str, rows: int, started: float) -> None:
    seconds = time.perf_counter() - started
    print(f"  {label:<44}{rows:>12,} rows {seconds:>7.1f} s {rows / seconds:>11,.0f} rows/s")


def build(path: Path) -> None:
    """Write the whole scale data set into a new store at `path`."""
    print(f"building the scale store {path} ({BUILD})", flush=True)
    store = Store(path)
    store.init()
    start = END - timedelta(days=DAYS)
    with store.write() as con:
        ensure_instance(con, INSTANCE, label="benchmark scale data")

    started, total = time.perf_counter(), 0
    month_starts = pd.date_range(start, END, freq="30D").to_pydatetime().tolist()
    for first, last in zip(month_starts, [*month_starts[1:], END], strict=True):
        frame = synthetic.sync_stats_month(first, last, INSTANCE)
        with store.write() as con:
            total += insert_frame(con, "sync_stats", frame)
    _timed("sync_stats via insert_frame, 1 write/30 days", total, started)

    errors = synthetic.sync_error_frame(ERROR_ROWS, END, days=DAYS, with_raw=True)
    started, total = time.perf_counter(), 0
    size = -(-len(errors) // ERROR_BATCHES)
    for batch in range(ERROR_BATCHES):
        rows = errors.iloc[batch * size : (batch + 1) * size]
        with store.write() as con:
            total += write_sync_errors(con, INSTANCE, rows, source="bench", raw_sql="raw")
    _timed(f"sync_errors via write_sync_errors, {ERROR_BATCHES} writes", total, started)
    del errors

    started = time.perf_counter()
    changes = synthetic.change_count_frame(start, END, INSTANCE)
    with store.write() as con:
        total = insert_frame(con, "change_counts", changes)
    _timed("change_counts via insert_frame", total, started)

    started, total = time.perf_counter(), 0
    with store.write() as con:
        for version, age in enumerate(SNAPSHOT_AGES, start=1):
            for object_name in synthetic.STATS_OBJECTS:
                describe = synthetic.describe(object_name, version, DESCRIBE_FIELDS)
                total += write_describe_snapshot(con, INSTANCE, describe, END - age, "bench")
                access = synthetic.permissions(DESCRIBE_FIELDS, version)
                total += write_permission_snapshot(
                    con, INSTANCE, object_name, access, END - age, "bench"
                )
    _timed("describe + permission snapshots", total, started)

    started = time.perf_counter()
    summary = run_checks(store, INSTANCE, END)
    _timed("run_checks once (findings)", summary.findings, started)
    with store.write() as con:
        con.execute(
            "INSERT OR REPLACE INTO watermarks VALUES ($i, 'bench_build', $v, $at)",
            {"i": INSTANCE, "v": BUILD, "at": datetime.now(UTC)},
        )
    print(f"  file size {path.stat().st_size / 1024**2:,.0f} MiB", flush=True)
