"""Does retention keep the DuckDB file from growing? Two stores get the same daily sync_stats
batches through the project's write path (insert_frame); one runs monitor.store.retention's
apply_retention after every day (delete + CHECKPOINT), the other keeps everything. Prints the
file size of both as the days go by, and their ratio.

    python bench/bench_retention.py [--days 60] [--keep-days 14] [--rows-per-day 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.store import Store  # noqa: E402
from monitor.store.facts import insert_frame
from monitor.store.retention import apply_retention  # noqa: E402

OBJECTS = ["Lead", "Contact", "Account", "Opportunity", "Campaign", "CampaignMember", "Task"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def day_frame(day: int, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """One day of sync_stats rows, spread over the day's seconds."""
    seconds = np.sort(rng.choice(86400, size=rows, replace=rows > 86400))
    return pd.DataFrame(
        {
            "instance": "bench",
            "ts": [START + timedelta(days=day, seconds=int(s)) for s in seconds],
            "object": rng.choice(OBJECTS, size=rows),
            "direction": "sfdc_to_marketo",
            "metric": [f"m{i}" for i in range(rows)],  # unique keys within the day
            "value": rng.random(rows),
            "provenance": "reported",
        }
    )


def size_mib(path: Path) -> float:
    wal = path.with_name(path.name + ".wal")
    total = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--keep-days", type=int, default=14)
    parser.add_argument("--rows-per-day", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as folder:
        kept = Store(Path(folder) / "kept.duckdb")
        pruned = Store(Path(folder) / "pruned.duckdb")
        retention_seconds = []
        print(f"{'day':>4} {'kept MiB':>9} {'retention MiB':>14} {'ratio':>6}")
        for day in range(args.days):
            frame = day_frame(day, args.rows_per_day, rng)
            for store in (kept, pruned):
                with store.write() as con:
                    insert_frame(con, "sync_stats", frame)
            now = START + timedelta(days=day + 1)
            started = time.perf_counter()
            apply_retention(pruned, now, args.keep_days)
            retention_seconds.append(time.perf_counter() - started)
            if (day + 1) % 5 == 0 or day + 1 == args.days:
                a, b = size_mib(kept.path), size_mib(pruned.path)
                print(f"{day + 1:>4} {a:>9.1f} {b:>14.1f} {b / a:>6.2f}")
        with pruned.read() as con:
            rows = con.execute("SELECT count(*) FROM sync_stats").fetchone()[0]
        print(f"rows kept under retention: {rows:,} ({args.keep_days} days)")
        print(f"apply_retention median {np.median(retention_seconds) * 1000:.0f} ms per day")


if __name__ == "__main__":
    main()
