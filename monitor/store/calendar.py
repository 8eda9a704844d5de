"""Writes of the business calendar entries added on the dashboard (monitor/calendar.py decides)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from monitor.store.rows import insert_row, update_once


def add_entry(
    con: duckdb.DuckDBPyConnection,
    entry_id: str,
    *,
    instance: str,
    name: str,
    object_name: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    every: str,
    days: int,
    hours: int,
    now: datetime,
) -> None:
    insert_row(
        con,
        "calendar_entries",
        entry_id=entry_id,
        instance=instance,
        name=name,
        object=object_name,
        starts_at=starts_at,
        ends_at=ends_at,
        every=every,
        days=days,
        hours=hours,
        created_at=now,
    )


def remove_entry(con: duckdb.DuckDBPyConnection, entry_id: str, now: datetime) -> bool:
    """Remove an entry (kept as history); False when there was none to remove."""
    return update_once(
        con, "calendar_entries", now, "removed_at = $now", "removed_at IS NULL", entry_id=entry_id
    )
