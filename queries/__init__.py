"""Named SQL: one `.sql` file per query, DuckDB `$name` parameters, values never formatted in.

A query may build on another: `{{ other }}` stands for the text of queries/other.sql as a
subquery (its `$name` parameters become the including query's), so a shared definition (the
fields of the latest describe with their fill and last change) is written once."""

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


INCLUDE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@cache
def load_query(name: str, including: tuple[str, ...] = ()) -> str:
    """Return the text of queries/<name>.sql, each `{{ other }}` replaced by `(other's text)`."""
    if name in including:
        raise ValueError(f"query {name!r} includes itself: {' -> '.join((*including, name))}")
    path = QUERY_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {QUERY_DIR}")
    text = path.read_text(encoding="utf-8")
    return INCLUDE.sub(lambda m: f"({load_query(m[1], (*including, name))}\n)", text)


def query_names() -> list[str]:
    """Every named query, sorted."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql"))


def query_parameters(name: str) -> set[str]:
    """The `$name` parameters the query's SQL uses (a name in a `--` comment is not one)."""
    return set(re.findall(r"\$(\w+)", re.sub(r"--[^\n]*", "", load_query(name))))


def run_query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run a named query with its `$name` parameters and return a DataFrame."""
    sql = load_query(name)
    used = {key: value for key, value in params.items() if key in query_parameters(name)}
    return con.execute(sql, used).df()


def run_query_arrays(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> dict[str, Any]:
    """Run a named query and return its columns as numpy arrays (masked where NULL), without
    pandas: for the verbs that must start fast (the backlog planner)."""
    sql = load_query(name)
    used = {key: value for key, value in params.items() if key in query_parameters(name)}
    return con.execute(sql, used).fetchnumpy()


def migrations() -> list[tuple[int, str]]:
    """(version, sql) of every numbered migration, in order."""
    found = []
    for path in sorted(MIGRATION_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:3]), path.read_text(encoding="utf-8")))
    return found
