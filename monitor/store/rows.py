"""Answers a write or a look-up gives by whether it returned a row."""

from __future__ import annotations

from typing import Any

import duckdb


def any_row(con: duckdb.DuckDBPyConnection, statement: str, params: dict[str, Any]) -> bool:
    """Whether `statement` returned a row: a guarded UPDATE … RETURNING answers False when
    nothing matched (already done, or another writer got there first); a SELECT, when nothing
    was found."""
    return con.execute(statement, params).fetchone() is not None
