"""Hypothesis against the importers: every generated file either imports cleanly, storing
exactly what a simple reference parser written here reads, or is refused with exactly one line
`FILE:LINE: column: reason` naming the first bad line, and the store is unchanged.

IMPORTS_FUZZ_EXAMPLES=1000 runs a deeper pass (default: a few dozen per kind, for CI).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.collectors.exports import import_file
from monitor.errors import InputError
from monitor.store import Store

FUZZ = settings(
    max_examples=int(os.environ.get("IMPORTS_FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,  # leave no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
NAME = r"^[A-Za-z][A-Za-z0-9_]*$"
DIRECTIONS = ("sfdc_to_marketo", "marketo_to_sfdc")
OBJECTS = ["Lead", "My_Object__c", "1Lead", "", "Le-ad"]
METRICS = ["backlog", "Throughput", "in flow", ""]
TIMES_BAD = ["now", "today", "9999-01-01 00:00", "1999-12-31 23:59", "2026-13-01 00:00", ""]
VALUE_TEXT = ["inf", "-inf", "nan", "1e400", "-1", "1,234", "12.5", "lots", "", "0"]
_instances = itertools.count()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(tmp_path_factory.mktemp("fuzz") / "monitor.duckdb")


def reference_value(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def cell_problem(row: list[str], minute: int) -> str | None:
    """The column the reference reader refuses first in a sync-stats row, None if valid."""
    ts, obj, direction, metric, value = (cell.strip() for cell in row)
    if ts != f"2026-11-20 10:{minute:02d}":
        return "ts"
    if not re.match(NAME, obj):
        return "object"
    if direction not in DIRECTIONS:
        return "direction"
    if not re.match(r"^[a-z][a-z0-9_]*$", metric.lower()):
        return "metric"
    if reference_value(value) is None:
        return "value"
    return None


sync_stats_row = st.tuples(
    st.one_of(st.just(None), st.sampled_from(TIMES_BAD)),
    st.sampled_from(OBJECTS),
    st.sampled_from([*DIRECTIONS, "sideways"]),
    st.sampled_from(METRICS),
    st.one_of(
        st.sampled_from(VALUE_TEXT),
        st.integers(min_value=0, max_value=10**12).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    ),
    st.sampled_from(["ok", "ok", "ok", "extra cell", "missing cell"]),
)


@FUZZ
@given(rows=st.lists(sync_stats_row, min_size=1, max_size=8))
def test_sync_stats_imports_what_the_reference_reads_or_refuses_the_first_bad_line(
    store, tmp_path_factory, rows
):
    instance = f"fuzz{next(_instances)}"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ts", "object", "direction", "metric", "value"])
    expected: list[tuple] = []
    first_bad: tuple[int, str] | None = None
    for index, (bad_time, obj, direction, metric, value, shape) in enumerate(rows):
        cells = [bad_time or f"2026-11-20 10:{index:02d}", obj, direction, metric, value]
        problem = cell_problem(cells, index)
        if shape == "extra cell":
            cells.append("x")
        elif shape == "missing cell":
            cells.pop()
        line = index + 2
        if all(cell == "" for cell in cells):
            continue  # a blank record is no row (for the reader and the reference alike)
        if shape != "ok":
            problem = "row"
        if problem and first_bad is None:
            first_bad = (line, problem)
        if not problem:
            when = datetime(2026, 11, 20, 10, index, tzinfo=UTC)
            number = reference_value(value)
            expected.append((when, obj, direction, metric.lower(), number))
        writer.writerow(cells)
    path = tmp_path_factory.mktemp("f") / "stats.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    before = _rows(store, instance)
    if first_bad is None:
        import_file(store, "sync-stats", path, instance=instance, zone=ZoneInfo("UTC"), now=NOW)
        assert sorted(_rows(store, instance)) == sorted(expected)
        return
    with pytest.raises(InputError) as caught:
        import_file(store, "sync-stats", path, instance=instance, zone=ZoneInfo("UTC"), now=NOW)
    message = str(caught.value)
    line, column = first_bad
    assert message.startswith(f"{path}:{line}: {column}: "), message
    assert "\n" not in message
    assert _rows(store, instance) == before


def _rows(store: Store, instance: str) -> list[tuple]:
    with store.read() as con:
        found = con.execute(
            "SELECT strftime(ts, '%Y-%m-%d %H:%M'), object, direction, metric, value "
            "FROM sync_stats WHERE instance = $i",
            {"i": instance},
        ).fetchall()
    return [
        (datetime.strptime(ts, "%Y-%m-%d %H:%M").replace(tzinfo=UTC), *rest) for ts, *rest in found
    ]


def test_the_cli_refuses_a_fuzzed_file_in_one_line(tmp_path):
    from tests.test_cli import monitor

    path = Path(tmp_path / "stats.csv")
    path.write_text(
        "ts,object,direction,metric,value\n2026-11-20 10:00,Lead,sfdc_to_marketo,x,inf\n"
    )
    result = monitor("import", "sync-stats", str(path), db=tmp_path / "m.duckdb")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: {path}:2: value: expected a finite number >= 0"]
