"""Watermarks: where each collector stands, moved in the same transaction as the data they
cover (exactly once: a crash loses nothing and counts nothing twice). A value is text: a time
(ISO 8601), or a small JSON object (a stream's paging token and where it began)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from queries import run_query

if TYPE_CHECKING:
    from monitor.store import Store


def read_watermarks(store: Store, instance: str, prefix: str) -> dict[str, str]:
    """Every watermark of the instance named `prefix...`, name -> value (one short read)."""
    with store.read() as con:
        return watermarks_in(con, instance, prefix)


def watermarks_in(con: duckdb.DuckDBPyConnection, instance: str, prefix: str) -> dict[str, str]:
    """The same inside the caller's transaction."""
    frame = run_query(con, "watermarks_of", instance=instance, prefix=prefix)
    return dict(zip(frame["name"], frame["value"], strict=True))


def set_watermark(
    con: duckdb.DuckDBPyConnection, instance: str, name: str, value: Any, now: datetime
) -> None:
    """Move one watermark inside the caller's transaction, so that it commits with the data
    it covers; a value that is not text (a dict) is stored as JSON."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    con.execute(
        "INSERT OR REPLACE INTO watermarks VALUES ($i, $n, $v, $at)",
        {"i": instance, "n": name, "v": text, "at": now},
    )


def drop_watermark(con: duckdb.DuckDBPyConnection, instance: str, name: str) -> None:
    """Delete one watermark inside the caller's transaction."""
    con.execute(
        "DELETE FROM watermarks WHERE instance = $i AND name = $n", {"i": instance, "n": name}
    )


def json_watermark(marks: dict[str, str], name: str) -> dict[str, Any] | None:
    """One JSON watermark out of a read (None when absent)."""
    value = marks.get(name)
    return json.loads(value) if value else None


def parse_time(text: str) -> datetime:
    """A watermark's ISO 8601 time, in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


def iso(moment: datetime) -> str:
    """A time as watermarks keep it (ISO 8601 with its UTC offset)."""
    return moment.astimezone(UTC).isoformat()
