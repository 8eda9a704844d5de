"""Row writes shared by the store modules: one row inserted by column name, and the answers a
write or a look-up gives by whether it returned a row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb


def any_row(con: duckdb.DuckDBPyConnection, statement: str, params: dict[str, Any]) -> bool:
    """Whether `statement` returned a row: a guarded UPDATE … RETURNING answers False when
    nothing matched (already done, or another writer got there first); a SELECT, when nothing
    was found."""
    return con.execute(statement, params).fetchone() is not None


def update_once(
    con: duckdb.DuckDBPyConnection,
    table: str,
    now: datetime,
    assignments: str,
    still: str,
    **key: str,
) -> bool:
    """The dashboard's one-click changes (end a silence, remove a calendar entry, acknowledge
    a finding): apply `assignments` (SQL that may use $now) to the row named by `key` (one
    keyword: its key column and value) while `still` holds. False when it no longer does, so
    a second click, or another writer's, changes nothing."""
    ((column, value),) = key.items()
    return any_row(
        con,
        f"UPDATE {table} SET {assignments} WHERE {column} = $key AND {still} RETURNING {column}",
        {"key": value, "now": now},
    )


def insert_row(con: duckdb.DuckDBPyConnection, table: str, **columns: Any) -> None:
    """Insert one row into `table`, each keyword a column and its value; the columns left out
    take their default (NULL for the end-of-life columns the dashboard sets later)."""
    names = ", ".join(columns)
    values = ", ".join(f"${name}" for name in columns)
    con.execute(f"INSERT INTO {table} ({names}) VALUES ({values})", columns)
