"""Named SQL: one `.sql` file per query, DuckDB `$name` parameters, values never formatted in."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # pandas comes with the first query, not with the store
    import pandas as pd

QUERY_DIR = Path(__file__).parent
MIGRATION_DIR = QUERY_DIR / "migrations"


@cache
def load_query(name: str) -> str:
    """Return the text of queries/<name>.sql."""
    path = QUERY_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {QUERY_DIR}")
    return path.read_text(encoding="utf-8")


def query_names() -> list[str]:
    """Every named query, sorted."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql"))


def run_query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run a named query with its `$name` parameters and return a DataFrame."""
    sql = load_query(name)
    named = set(re.findall(r"\$(\w+)", sql))
    used = {key: value for key, value in params.items() if key in named}
    return con.execute(sql, used).df()


def migrations() -> list[tuple[int, str]]:
    """(version, sql) of every numbered migration, in order."""
    found = []
    for path in sorted(MIGRATION_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:3]), path.read_text(encoding="utf-8")))
    return found
