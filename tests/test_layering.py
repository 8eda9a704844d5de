"""The layering of the code, read from its imports (every import, also those inside functions):
no import cycle, and no arrow the design forbids (docs/DESIGN.md, "Layout and who may import
whom"). Reads source text only, so it runs in a fraction of a second."""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OURS = ("monitor", "checks", "queries", "dashboard", "app")
LEAVES = ("monitor.vocabulary", "monitor.errors")
# SQL that writes, where it may live: the store (and an importer's temporary staging tables).
WRITE_SQL = re.compile(r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I)
SQL = re.compile(r"\bSELECT\b[\s\S]+\bFROM\b", re.I)
# DuckDB's own clock: the monitor judges by the data's time and an injected `now`, and
# .ci/clock-ahead moves only Python's clock, so SQL must never read the database's clock.
DATABASE_CLOCK = re.compile(
    r"\b(now|today|get_current_time|get_current_timestamp|transaction_timestamp)\s*\(\s*\)"
    r"|\bcurrent_(date|time|timestamp|localtime|localtimestamp)\b",
    re.I,
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _sources() -> dict[str, Path]:
    files = [REPO / "app.py"]
    for top in ("monitor", "checks", "queries", "dashboard"):
        files += sorted((REPO / top).rglob("*.py"))
    return {_module_name(path): path for path in files}


@cache
def _tree(module: str) -> ast.Module:
    return ast.parse(_sources()[module].read_text(encoding="utf-8"))


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    is_package = _sources()[module].name == "__init__.py"
    base = package if is_package else package[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _statements(body: list[ast.stmt]):
    """Every statement, nested ones too (imports are statements: expressions need no visit)."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(node, field, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            yield from _statements(handler.body)


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module `module` imports, ours resolved to the deepest module that exists."""
    found: set[str] = set()
    for node in _statements(_tree(module).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in _sources() else base)
    return frozenset(found)


def _ours(name: str) -> bool:
    return name.split(".")[0] in OURS


def _is(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _third_party(name: str) -> bool:
    return not _ours(name) and name.split(".")[0] not in sys.stdlib_module_names


def _cycles() -> list[list[str]]:
    """Strongly connected groups of more than one of our modules (Tarjan)."""
    graph = {m: [d for d in imports_of(m) if d in _sources() and d != m] for m in _sources()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_there_is_no_import_cycle():
    assert _cycles() == []


def _arrows(source: str) -> list[tuple[str, str]]:
    return [(m, d) for m in _sources() if _is(m, source) for d in imports_of(m)]


def test_leaves_import_only_the_standard_library_and_other_leaves():
    bad = [
        (m, d)
        for m in _sources()
        if _is(m, *LEAVES)
        for d in imports_of(m)
        if not _is(d, *LEAVES) and (d.split(".")[0] not in sys.stdlib_module_names)
    ]
    assert bad == []


def test_checks_import_only_leaves_pandas_and_numpy():
    allowed = ("pandas", "numpy")
    bad = [
        (m, d)
        for m, d in _arrows("checks")
        if (_ours(d) and not _is(d, "checks", *LEAVES))
        or (_third_party(d) and not _is(d, *allowed))
    ]
    assert bad == []


def test_queries_import_only_the_database():
    bad = [
        (m, d)
        for m, d in _arrows("queries")
        if _ours(d)
        and not _is(d, "queries")
        or (_third_party(d) and not _is(d, "duckdb", "pandas"))
    ]
    assert bad == []


def test_collectors_never_import_checks_runner_alerts_report_or_pages():
    forbidden = (
        "checks",
        "monitor.runner",
        "monitor.actions",
        "monitor.alerts",
        "monitor.report",
        "monitor.schedule",
        "dashboard",
    )
    assert [(m, d) for m, d in _arrows("monitor.collectors") if _is(d, *forbidden)] == []


def test_the_store_imports_no_source_and_no_reader():
    forbidden = ("checks", "monitor.collectors", "monitor.alerts", "monitor.report", "dashboard")
    assert [(m, d) for m, d in _arrows("monitor.store") if _is(d, *forbidden)] == []


def test_pages_use_no_source_client_and_hold_no_sql():
    clients = ("simple_salesforce", "requests", "monitor.collectors")
    pages = [m for m in _sources() if _is(m, "dashboard", "app")]
    assert [(m, d) for m in pages for d in imports_of(m) if _is(d, *clients)] == []
    with_sql = [
        m
        for m in pages
        for node in ast.walk(_tree(m))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
    ]
    assert with_sql == []


def test_sql_that_writes_lives_in_the_store():
    writers = [
        m
        for m in _sources()
        if not _is(m, "monitor.store")
        for node in ast.walk(_tree(m))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and WRITE_SQL.search(node.value)
    ]
    assert writers == []


def _sql_texts() -> dict[str, str]:
    texts = {str(p.relative_to(REPO)): p.read_text() for p in (REPO / "queries").rglob("*.sql")}
    for module in _sources():
        for node in ast.walk(_tree(module)):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and (SQL.search(node.value) or WRITE_SQL.search(node.value)):
                texts[f"{module}:{node.lineno}"] = node.value
    return texts


def test_no_sql_reads_the_database_clock():
    readers = [where for where, text in _sql_texts().items() if DATABASE_CLOCK.search(text)]
    assert readers == []


@pytest.mark.parametrize(
    "sql", ["SELECT now() FROM t", "SELECT 1 FROM t WHERE at > current_timestamp - 1"]
)
def test_the_database_clock_pattern_finds_a_reader(sql):
    """Guards the guard: the pattern sees the clock functions DuckDB offers."""
    assert DATABASE_CLOCK.search(sql)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("monitor.collectors.salesforce.cycle", "monitor.store.facts"),
        ("checks.base", "monitor.vocabulary"),
    ],
)
def test_the_import_reader_sees_real_arrows(source, target):
    """Guards the guard: known imports are found, so the rules above check something."""
    assert target in imports_of(source)
