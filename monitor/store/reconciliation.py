"""The reconciliation sample's results: per object what was drawn and found, per field how many
records were compared and differed, per differing record the masked values. One transaction
per sample, so a sample is stored whole or not at all."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from monitor.store.facts import insert_frame


def write_reconciliation(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    sampled_at: datetime,
    frames: dict[str, pd.DataFrame],
    source: str,
) -> int:
    """Store one sample: `frames` holds `runs`, `fields` and `mismatches` (the columns of
    migration 010 without instance, sampled_at and source). Values must already be masked.
    Returns the rows added (0 when this sample was stored before)."""
    added = 0
    for name in ("runs", "fields", "mismatches"):
        frame = frames.get(name)
        if frame is None or not len(frame):
            continue
        rows = frame.assign(instance=instance, sampled_at=sampled_at, source=source)
        added += insert_frame(con, f"reconciliation_{name}", rows)
    return added
