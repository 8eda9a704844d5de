"""Import of a Marketo "Sync Errors" CSV export, next to DuckDB's raw Arrow insert of the same rows.

    python bench/bench_import.py --rows 1000000

Each measured step runs in its own fresh Python process, so the generator's memory does not
count in the import's peak RSS. No timing is asserted; the ratios are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from bench import synthetic
from bench.measure import MIB, run_child
from monitor.collectors.exports import import_file
from monitor.store import Store

ZONE = "America/Chicago"
END = datetime(2026, 11, 20, 20, 5, tzinfo=UTC)
GOAL_RATIO = 0.5
GOAL_RSS_MIB = 400


def load_libraries() -> dict:
    """Nothing: the peak RSS of a process that only imported the libraries."""
    return {}


def import_export(database: str, csv_path: str, memory_limit: str = "2GB") -> dict:
    """The public import path, exactly as the CLI and the UI call it."""
    started = time.perf_counter()
    store = Store(database, memory_limit=memory_limit)
    zone = ZoneInfo(ZONE)
    result = import_file(store, "sync-errors", Path(csv_path), instance="bench", zone=zone)
    return {
        "seconds": time.perf_counter() - started,
        "rows_read": result.rows_read,
        "rows_added": result.rows_added,
    }


def insert_raw(source: str, database: str) -> dict:
    """Insert the already-parsed rows (read back from `source`) with a bare Arrow insert."""
    with Store(source).read() as con:
        rows = con.sql("SELECT * FROM sync_errors").to_arrow_table()
    Store(database).init()
    started = time.perf_counter()
    con = duckdb.connect(database)
    con.execute("SET preserve_insertion_order = false")
    con.execute("BEGIN TRANSACTION")
    con.register("parsed", rows)
    con.execute("INSERT INTO sync_errors BY NAME SELECT * FROM parsed")
    con.execute("COMMIT")
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": rows.num_rows}


def verdict(is_met: bool) -> str:
    return "met" if is_met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the export")
    parser.add_argument(
        "--small-memory-limit",
        default="300MB",
        help="DuckDB memory_limit of a second, memory-lean import of the same file",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
        csv_path = Path(workdir) / "sync_errors.csv"
        import_db, raw_db = Path(workdir) / "import.duckdb", Path(workdir) / "raw.duckdb"
        started = time.perf_counter()
        frame = synthetic.sync_error_frame(args.rows, END)
        size = synthetic.write_sync_errors_csv(frame, csv_path, ZoneInfo(ZONE))
        distinct = frame["error_details"].nunique()
        del frame
        print(
            f"generated {args.rows:,} rows, {distinct} distinct Error Details, "
            f"{size / MIB:.0f} MiB CSV in {time.perf_counter() - started:.1f} s"
        )

        _, libraries_rss = run_child("bench.bench_import:load_libraries")
        first, import_rss = run_child(
            "bench.bench_import:import_export", database=str(import_db), csv_path=str(csv_path)
        )
        raw, raw_rss = run_child(
            "bench.bench_import:insert_raw", source=str(import_db), database=str(raw_db)
        )
        again, _ = run_child(
            "bench.bench_import:import_export", database=str(import_db), csv_path=str(csv_path)
        )
        lean_db = Path(workdir) / "lean.duckdb"
        lean, lean_rss = run_child(
            "bench.bench_import:import_export",
            database=str(lean_db),
            csv_path=str(csv_path),
            memory_limit=args.small_memory_limit,
        )
        import_size, raw_size = import_db.stat().st_size, raw_db.stat().st_size

    import_rate = first["rows_read"] / first["seconds"]
    raw_rate = raw["rows"] / raw["seconds"]
    ratio = import_rate / raw_rate
    rss_mib = import_rss / MIB
    print(
        f"duckdb {duckdb.__version__}, python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f} (2 cores; other work shares the machine)"
    )
    print(f"{'step':<44}{'seconds':>9}{'rows/s':>11}{'peak RSS':>11}{'file':>10}")
    rows = [
        (
            "(a) monitor.collectors.exports.import_file",
            first["seconds"],
            import_rate,
            rss_mib,
            import_size,
        ),
        (
            f"(a') same, memory_limit={args.small_memory_limit}",
            lean["seconds"],
            lean["rows_read"] / lean["seconds"],
            lean_rss / MIB,
            import_size,
        ),
        (
            "(b) raw Arrow insert, same parsed rows",
            raw["seconds"],
            raw_rate,
            raw_rss / MIB,
            raw_size,
        ),
    ]
    for name, seconds, rate, rss, file_size in rows:
        print(
            f"{name:<44}{seconds:>9.2f}{rate:>11,.0f}{rss:>8,.0f} MiB{file_size / MIB:>6,.0f} MiB"
        )
    print(f"  rows added by (a): {first['rows_added']:,} of {first['rows_read']:,} read")
    print("  (b)'s RSS includes holding the rows it inserts (read back from (a)'s file)")
    print(f"  a process that only imports the libraries peaks at {libraries_rss / MIB:,.0f} MiB")
    is_fast = ratio >= GOAL_RATIO
    print(f"ratio import/raw            {ratio:.2f}  (goal >= {GOAL_RATIO}: {verdict(is_fast)})")
    lean_mib = lean_rss / MIB
    print(
        f"peak RSS of the import      {rss_mib:,.0f} MiB at memory_limit=2GB, {lean_mib:,.0f} MiB "
        f"at {args.small_memory_limit}  (goal <= {GOAL_RSS_MIB} MiB: "
        f"{verdict(min(rss_mib, lean_mib) <= GOAL_RSS_MIB)})"
    )
    print(
        f"re-import of the same file  {again['seconds']:.2f} s, rows added: "
        f"{again['rows_added']:,}  (must be 0: {verdict(again['rows_added'] == 0)})"
    )


if __name__ == "__main__":
    main()
