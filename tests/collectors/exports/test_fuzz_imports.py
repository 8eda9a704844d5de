"""Hypothesis against the importers: every generated file either imports cleanly, storing
exactly what a simple reference parser written here reads, or is refused with exactly one line
`FILE:LINE: column: reason` naming the first bad line, and the store is unchanged.

Kinds in the order of issue 18: sync-stats, sync-status, sync-errors, permissions, describe.
The generators know what each good cell means (a time rendered in one of the accepted forms,
a count with or without thousands separators, a label and the API name it maps to), so the
reference readers here are tables, not a second copy of the importers.

The default run draws 20 to 30 examples per kind, the same ones every time: a quick pass of every
property on each run of the README's command. With
IMPORTS_FUZZ_EXAMPLES=N each kind draws N examples, new ones on every run; pytest's
`--hypothesis-seed=S` makes such a deep run repeatable (CI's deep step: 200 examples, seed 18).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.collectors.exports import import_file
from monitor.errors import InputError
from monitor.store import Store


def fuzz(default_examples: int) -> settings:
    """Hypothesis settings of one import kind: IMPORTS_FUZZ_EXAMPLES overrides the default.
    The default run draws the same examples every time (derandomized: the seed comes from the
    test's own code), so a red build names a change, not a lucky draw; a deeper run
    (IMPORTS_FUZZ_EXAMPLES set) explores new ones each time, unless `--hypothesis-seed` fixes
    the seed (hypothesis applies it only to tests that are not derandomized)."""
    deeper = "IMPORTS_FUZZ_EXAMPLES" in os.environ
    return settings(
        derandomize=not deeper,
        max_examples=int(os.environ.get("IMPORTS_FUZZ_EXAMPLES", str(default_examples))),
        deadline=None,
        database=None,  # leave no .hypothesis folder in the checkout
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


FUZZ = fuzz(30)
FUZZ_STATUS = fuzz(20)
FUZZ_ERRORS = fuzz(20)
FUZZ_PERMISSIONS = fuzz(20)
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


def instance_rows(sql: str) -> Callable[[Store, str], list[tuple]]:
    """A reader of what `sql` selects for one instance (its `$i`): what a kind stored."""

    def read(store: Store, instance: str) -> list[tuple]:
        with store.read() as con:
            return con.execute(sql, {"i": instance}).fetchall()

    return read


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


_stats_rows = instance_rows(
    "SELECT strftime(ts, '%Y-%m-%d %H:%M'), object, direction, metric, value "
    "FROM sync_stats WHERE instance = $i"
)


def _rows(store: Store, instance: str) -> list[tuple]:
    """The instance's sync_stats rows, their minute as a UTC datetime."""
    found = _stats_rows(store, instance)
    return [
        (datetime.strptime(ts, "%Y-%m-%d %H:%M").replace(tzinfo=UTC), *rest) for ts, *rest in found
    ]


# -- shared by the Marketo exports ----------------------------------------------------------
ZONE = ZoneInfo("Europe/Berlin")  # naive times are local: a zone with DST exercises the reading
SENTINEL = "zq7"  # in generated text cells: a refusal must never repeat the file's contents
BAD = "bad"  # a generated cell the importer must refuse
EARLIEST_LOCAL = datetime(2000, 1, 2)
LATEST_LOCAL = datetime(2026, 12, 6, 23, 59)
# Unreadable whatever the date order (11/31 and 31/11 are no dates), or relative words.
TIMES_UNREADABLE = ["now", "today", "yesterday 10:00", "2026-13-01 00:00", "11/31/2026 10:00"]
TIMES_IMPLAUSIBLE = ["1999-12-31 23:59", "2026-12-09 00:00", "9999-01-01 00:00"]


def utc_of_local(naive: datetime, zone: ZoneInfo) -> datetime:
    """Reference reading of a local time: the first (summer) reading in the autumn overlap
    (fold=0), a time inside the spring gap moved forward to the hour the clock jumped to."""
    while naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        naive = naive.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def local_forms(date_order: str) -> list[str]:
    day_month = "%m/%d" if date_order == "mdy" else "%d/%m"
    forms = [
        f"{day_month}/%Y %I:%M %p",
        f"{day_month}/%Y %H:%M:%S",
        f"{day_month}/%y %H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S.%f",
    ]
    if date_order == "mdy":
        forms.append("%-m/%-d/%Y %-I:%M:%S %p")  # no leading zeros, as Marketo's UI writes
    else:
        forms.append("%d.%m.%Y %H:%M")
    return forms


@st.composite
def good_time(draw, date_order: str) -> tuple[str, datetime]:
    """(text, the UTC time it means) in one of the accepted forms."""
    naive = draw(st.datetimes(min_value=EARLIEST_LOCAL, max_value=LATEST_LOCAL))
    form = draw(st.sampled_from([*local_forms(date_order), "offset"]))
    if form == "offset":
        offset = draw(st.sampled_from(["Z", "+05:30", "-0800"]))
        naive = naive.replace(microsecond=0)
        text = f"{naive:%Y-%m-%dT%H:%M:%S}{offset}"
        return text, datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    if "%S" not in form:
        naive = naive.replace(second=0)
    if "%f" not in form:
        naive = naive.replace(microsecond=0)
    text = naive.strftime(form)
    if "%p" in form and draw(st.booleans()):
        text = text.lower()  # AM/PM in any case
    return text, utc_of_local(naive, ZONE)


def time_cell(date_order: str, *, empty_ok: bool = False) -> st.SearchStrategy:
    """(text, UTC time | None for an empty cell) or (text, 'parse' | 'range')."""
    options = [
        good_time(date_order),
        st.sampled_from(TIMES_UNREADABLE).map(lambda t: (t, "parse")),
        st.sampled_from(TIMES_IMPLAUSIBLE).map(lambda t: (t, "range")),
    ]
    if empty_ok:
        options.append(st.sampled_from([("", None), ("  ", None)]))
    else:
        options.append(st.just(("", "parse")))
    return st.one_of(*options)


def micros(when: datetime | None) -> int | None:
    return (
        None
        if when is None
        else (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    )


class CsvText:
    """A CSV file written record by record, knowing the line each record starts on."""

    def __init__(self, header: list[str]):
        self.out = io.StringIO()
        self.writer = csv.writer(self.out, lineterminator="\n")
        self.writer.writerow(header)

    def add(self, cells: list[str]) -> int:
        line = self.out.getvalue().count("\n") + 1
        self.writer.writerow(cells)
        return line

    def save(self, path: Path) -> Path:
        path.write_text(self.out.getvalue(), encoding="utf-8")
        return path


def with_shape(cells: list[str], shape: str) -> list[str]:
    if shape == "extra cell":
        return [*cells, "x"]
    if shape == "missing cell":
        return cells[:-1]
    return cells


SHAPES = st.sampled_from(["ok", "ok", "ok", "ok", "extra cell", "missing cell"])


def draw_export(data: st.DataObject, export: st.SearchStrategy) -> tuple[list, list, CsvText, str]:
    """Draw an export of `export` (column order, header, rows): its column order, its rows, an
    empty CsvText under the drawn header to write them into, and a fresh instance for it."""
    order, header, rows = data.draw(export)
    return order, rows, CsvText([header[c] for c in order]), f"fuzz{next(_instances)}"


def write_rows(
    text: CsvText,
    rows: list[tuple[Any, str]],
    cells_of: Callable[[Any], list[str]],
    problems_of: Callable[[Any], list[str]],
) -> tuple[list[Any], tuple[int, list[str]] | None]:
    """Write each (row, shape) into `text` (a blank record is no row) and read it as the
    reference does: returns the rows without a problem, in order, and (line, columns at fault)
    of the first one with a problem (`problems_of` is asked only of a well-shaped row)."""
    good, first_bad = [], None
    for row, shape in rows:
        cells = with_shape(cells_of(row), shape)
        if all(cell == "" for cell in cells):
            continue
        line = text.add(cells)
        problems = ["row"] if shape != "ok" else problems_of(row)
        if problems and first_bad is None:
            first_bad = (line, problems[:1])
        if not problems:
            good.append(row)
    return good, first_bad


def import_or_refusal(store, kind, path, instance, rows_of, expected, first_bad, **options):
    """The contract of every kind: a clean import storing `expected`, or, when `first_bad`
    is (line, columns at fault), one line naming the file, the line and a column at fault,
    with nothing stored."""
    before = rows_of(store, instance)
    if first_bad is None:
        import_file(store, kind, path, instance=instance, zone=ZONE, now=NOW, **options)
        assert sorted(rows_of(store, instance), key=repr) == sorted(expected, key=repr)
        return
    with pytest.raises(InputError) as caught:
        import_file(store, kind, path, instance=instance, zone=ZONE, now=NOW, **options)
    message = str(caught.value)
    line, columns = first_bad
    prefix = f"{path}:{line}: " if line else f"{path}: "
    assert message.startswith(prefix), (message, first_bad)
    column = message[len(prefix) :].split(":")[0]
    assert column in columns, (message, first_bad)
    assert "\n" not in message and SENTINEL not in message, message
    assert rows_of(store, instance) == before


# -- sync-status ---------------------------------------------------------------------------
STATUS_COLUMNS = {  # canonical -> header spellings Marketo and spreadsheets write
    "Started At": ["Started At", "Started", "Start Time", "STARTED_AT"],
    "Ended At": ["Ended At", "Ended", "End Time"],
    "Object": ["Object", " object "],
    "Operation": ["Operation"],
    "Status": ["Status"],
    "New": ["New"],
    "Updated": ["Updated"],
    "Deleted": ["Deleted"],
    "Failed Item": ["Failed Item", "Failed Items", "Failed"],
    "Skipped": ["Skipped"],
}
STATUS_OBJECTS = [
    ("Person (Lead)", "Lead"),
    (" Contacts ", "Contact"),
    ("Campaign Members", "CampaignMember"),
    ("Opportunity Contact Role", "OpportunityContactRole"),
    ("My_Object__c", "My_Object__c"),
    (f'Custom, "quoted" {SENTINEL}', f'Custom, "quoted" {SENTINEL}'),
    ("", BAD),
]
OPERATIONS = [
    ("Pull updates", "sfdc_to_marketo"),
    ("Push updates", "marketo_to_sfdc"),
    ("Update FKS", None),
    ("", BAD),
]
STATUSES = [("Success", "Success"), (f"Failed {SENTINEL}", f"Failed {SENTINEL}"), ("", BAD)]
MAX_COUNT = 2**63 - 1
count_cell = st.one_of(
    st.integers(0, MAX_COUNT).map(lambda n: (str(n), n)),
    st.integers(0, 10**9).map(lambda n: (f"{n:,}", n)),
    st.integers(0, 10**6).map(lambda n: (f"{n}.0", n)),
    st.sampled_from(["", "N/A", "n/a", "-", "\u2014", " NA "]).map(lambda t: (t, None)),
    st.sampled_from(["12.5", "-1", "lots", "1e3", str(MAX_COUNT + 1), f"x{SENTINEL}"]).map(
        lambda t: (t, BAD)
    ),
)


@st.composite
def sync_status_file(draw, date_order: str):
    """(header, rows): each row a dict canonical -> (text, meaning), plus its shape."""
    order = draw(st.permutations(list(STATUS_COLUMNS)))
    header = {c: draw(st.sampled_from(STATUS_COLUMNS[c])) for c in order}
    rows = draw(
        st.lists(
            st.tuples(
                st.fixed_dictionaries(
                    {
                        "Started At": time_cell(date_order),
                        "Ended At": time_cell(date_order, empty_ok=True),
                        "Object": st.sampled_from(STATUS_OBJECTS),
                        "Operation": st.sampled_from(OPERATIONS),
                        "Status": st.sampled_from(STATUSES),
                        **{c: count_cell for c in ("New", "Updated", "Deleted")},
                        **{c: count_cell for c in ("Failed Item", "Skipped")},
                    }
                ),
                SHAPES,
            ),
            min_size=1,
            max_size=6,
        )
    )
    return order, header, rows


def status_problems(row: dict) -> list[str]:
    """The columns at fault in a row, in the order the importer checks them: unreadable
    times, implausible times, the texts, the counts."""
    found = [c for c in ("Started At", "Ended At") if row[c][1] == "parse"]
    found += [c for c in ("Started At", "Ended At") if row[c][1] == "range"]
    found += [c for c in STATUS_COLUMNS if c not in ("Started At", "Ended At") and row[c][1] == BAD]
    return found


@FUZZ_STATUS
@given(date_order=st.sampled_from(["mdy", "dmy"]), data=st.data())
def test_sync_status_imports_what_the_reference_reads_or_refuses_the_first_bad_line(
    store, tmp_path_factory, date_order, data
):
    order, rows, text, instance = draw_export(data, sync_status_file(date_order))
    expected: dict[tuple, tuple] = {}
    good, first_bad = write_rows(
        text, rows, lambda row: [row[c][0] for c in order], status_problems
    )
    for row in good:
        started, ended = row["Started At"][1], row["Ended At"][1]
        obj, operation = row["Object"][1], row["Operation"][0].strip()
        stored = (
            micros(started),
            micros(ended),
            obj,
            operation,
            row["Operation"][1],
            row["Status"][1],
            *(row[c][1] for c in ("New", "Updated", "Deleted", "Failed Item", "Skipped")),
        )
        expected.setdefault((stored[0], obj, operation), stored)  # the key's first row
    path = text.save(tmp_path_factory.mktemp("f") / "status.csv")
    import_or_refusal(
        store,
        "sync-status",
        path,
        instance,
        _status_rows,
        list(expected.values()),
        first_bad,
        date_order=date_order,
    )


_status_rows = instance_rows(
    "SELECT epoch_us(started_at), epoch_us(ended_at), object, operation, direction, "
    "status, new_count, updated_count, deleted_count, failed_count, skipped_count "
    "FROM sync_cycles WHERE instance = $i"
)


# -- sync-errors ---------------------------------------------------------------------------
ERRORS_COLUMNS = {
    "Failed On": ["Failed On", "failed_on"],
    "Date/Time": ["Date/Time", "Time", "Failed At", "Date", "Timestamp"],
    "Error Type": ["Error Type", "Type"],
    "Error Details": ["Error Details", "Details", "SFDC Return Message", "Error Message"],
    "Object": ["Object", "Object Type"],
    "Marketo ID": ["Marketo ID", "Lead ID"],
    "Salesforce ID": ["Salesforce ID", "SFDC ID", "CRM ID"],
}
OPTIONAL_ERRORS_COLUMNS = ("Object", "Marketo ID", "Salesforce ID")
FAILED_ON = [
    ("Record Level", "record"),
    ("record-level", "record"),
    ("JOB LEVEL", "job"),
    ("Job", "job"),
    ("", None),
    ("Field Level", BAD),
    (f"x{SENTINEL}", BAD),
]
ERROR_TYPES = ["Failed", "UNABLE_TO_LOCK_ROW", "", f"Type {SENTINEL}"]
ERROR_DETAILS = [
    "",
    "Failed to update SFDC lead: busy",
    f'two\nlines, "quoted" {SENTINEL}',
    "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record",
]
ERROR_OBJECTS = [
    ("Person (Lead)", "Lead"),
    ("Contacts", "Contact"),
    ("Lead", "Lead"),
    ("My_Object__c", "My_Object__c"),
    ("", None),
]
# An id's key prefix names the object when the Object cell is empty (Salesforce's documented
# prefixes: 00Q Lead, 003 Contact); a custom object's prefix names nothing.
SFDC_IDS = [
    ("", None),
    ("00Q5e00000AbCdE", "Lead"),
    ("0035e00000AbCdE", "Contact"),
    ("a0B5e00000AbCdE", None),
]


@st.composite
def sync_errors_file(draw, date_order: str):
    order = [
        c
        for c in draw(st.permutations(list(ERRORS_COLUMNS)))
        if c not in OPTIONAL_ERRORS_COLUMNS or draw(st.booleans())
    ]
    header = {c: draw(st.sampled_from(ERRORS_COLUMNS[c])) for c in order}
    row = st.fixed_dictionaries(
        {
            "Failed On": st.sampled_from(FAILED_ON),
            "Date/Time": time_cell(date_order),
            "Error Type": st.sampled_from(ERROR_TYPES),
            "Error Details": st.sampled_from(ERROR_DETAILS),
            "Object": st.sampled_from(ERROR_OBJECTS),
            "Marketo ID": st.sampled_from(["", "12345"]),
            "Salesforce ID": st.sampled_from(SFDC_IDS),
        }
    )
    return order, header, draw(st.lists(st.tuples(row, SHAPES), min_size=1, max_size=6))


def cell_text(value) -> str:
    return value[0] if isinstance(value, tuple) else value


@FUZZ_ERRORS
@given(date_order=st.sampled_from(["mdy", "dmy"]), data=st.data())
def test_sync_errors_imports_what_the_reference_reads_or_refuses_the_first_bad_line(
    store, tmp_path_factory, date_order, data
):
    order, rows, text, instance = draw_export(data, sync_errors_file(date_order))
    expected: list[tuple] = []

    def problems_of(row: dict) -> list[str]:
        problems = [c for c in ("Date/Time", "Failed On") if row[c][1] in ("parse", "range", BAD)]
        if row["Error Type"] == "" and row["Error Details"] == "":
            problems.append("Error Details")
        # Several faults of one row: the one further left in the file's header is named.
        return sorted(problems, key=order.index)

    good, first_bad = write_rows(
        text, rows, lambda row: [cell_text(row[c]) for c in order], problems_of
    )
    for row in good:
        obj = row["Object"][1] if "Object" in order else None
        sfdc_id = row["Salesforce ID"] if "Salesforce ID" in order else ("", None)
        expected.append(
            (
                micros(row["Date/Time"][1]),
                obj or sfdc_id[1],
                row["Failed On"][1],
                (row["Marketo ID"] if "Marketo ID" in order else "") or None,
                sfdc_id[0] or None,
                row["Error Type"] or None,
                row["Error Details"] or row["Error Type"],
            )
        )
    path = text.save(tmp_path_factory.mktemp("f") / "errors.csv")
    import_or_refusal(
        store,
        "sync-errors",
        path,
        instance,
        _errors_rows,
        expected,
        first_bad,
        date_order=date_order,
    )


_errors_rows = instance_rows(
    "SELECT epoch_us(occurred_at), object, failed_on, marketo_id, sfdc_id, error_type, "
    "error_message FROM sync_errors WHERE instance = $i"
)


# -- permissions ---------------------------------------------------------------------------
PERMISSION_COLUMNS = {
    "object": ["object", "SobjectType", "sObject"],
    "field": ["field", "Field Name"],
    "readable": ["readable", "PermissionsRead", "Read"],
    "editable": ["editable", "PermissionsEdit", "Edit"],
}
PERMISSION_OBJECTS = [("Lead", "Lead"), ("My_Object__c", "My_Object__c"), ("1Lead", BAD), ("", BAD)]
# (text, stored field given the object Lead or another); FieldPermissions writes Object.Field.
PERMISSION_FIELDS = ["Email", "", "Lead.Email", "Contact.Email", f"Em ail {SENTINEL}"]
FLAGS = [
    *(("true", True), ("T", True), ("Yes", True), ("y", True), ("1", True)),
    *(("FALSE", False), ("f", False), ("no", False), ("N", False), ("0", False)),
    ("maybe", BAD),
    ("", BAD),
]


def permission_field(obj: str, text: str) -> str:
    """The reference reading of a field cell: the object's own prefix dropped; BAD if the rest
    is not an API name (empty is the object level)."""
    name = text[len(obj) + 1 :] if obj and text.startswith(obj + ".") else text
    return name if name == "" or re.match(NAME, name) else BAD


@FUZZ_PERMISSIONS
@given(
    order=st.permutations(list(PERMISSION_COLUMNS)),
    data=st.data(),
    rows=st.lists(
        st.tuples(
            st.sampled_from(PERMISSION_OBJECTS),
            st.sampled_from(PERMISSION_FIELDS),
            st.sampled_from(FLAGS),
            st.sampled_from(FLAGS),
            SHAPES,
        ),
        max_size=6,
    ),
)
def test_permissions_import_what_the_reference_reads_or_refuse_the_first_bad_line(
    store, tmp_path_factory, order, data, rows
):
    header = [data.draw(st.sampled_from(PERMISSION_COLUMNS[c])) for c in order]
    instance = f"fuzz{next(_instances)}"
    text = CsvText(header)
    rights: dict[tuple[str, str], tuple] = {}

    def cells_of(row: tuple) -> list[str]:
        (obj, _), field_text, readable, editable = row
        by_column = {"object": obj, "field": field_text}
        return [{**by_column, "readable": readable[0], "editable": editable[0]}[c] for c in order]

    def problems_of(row: tuple) -> list[str]:
        (obj, obj_name), field_text, readable, editable = row
        field_name = permission_field(obj, field_text)
        problems = [
            column
            for column, meaning in (
                ("object", obj_name),
                ("field", field_name),
                ("readable", readable[1]),
                ("editable", editable[1]),
            )
            if meaning == BAD
        ]
        if editable[1] is True and readable[1] is not True:
            problems.append("editable")  # editable but not readable
        pair = (readable[1], editable[1])
        if not problems and rights.setdefault((obj_name, field_name), pair) != pair:
            problems = ["field"]  # the same field again, with other rights
        return problems

    good, first_bad = write_rows(text, [(r[:4], r[4]) for r in rows], cells_of, problems_of)
    expected = {
        (obj_name, permission_field(obj, field_text), readable[1], editable[1])
        for (obj, obj_name), field_text, readable, editable in good
    }
    if first_bad is None and not expected:
        first_bad = (2, ["row"])  # no permission rows at all: no snapshot of the sync user
    path = text.save(tmp_path_factory.mktemp("f") / "permissions.csv")
    import_or_refusal(
        store, "permissions", path, instance, _permission_rows, list(expected), first_bad
    )


_permission_rows = instance_rows(
    "SELECT object, field, readable, editable FROM field_permissions WHERE instance = $i"
)


# -- describe ------------------------------------------------------------------------------
FUZZ_DESCRIBE = fuzz(20)
ABSENT = object()  # a key the generated field describe leaves out
HUGE = "h" * 140_000  # longer than Python's csv cell limit: a JSON string has no such limit
MAX_DESCRIBE_NESTING = 3  # a list of sf CLI envelopes of lists of describes, no deeper
DEEP_OK = 150  # nesting inside a field's own keys that the reader must take (raw keeps it)
# (value, None when good or the key at fault). The importer checks a field's keys in this order.
FIELD_KEYS: dict[str, list[tuple]] = {
    "length": [
        (ABSENT, None),
        (None, None),
        (0, None),
        (255, None),
        (131_072, None),
        (2**31 - 1, None),
        (1.5, "length"),
        ("10", "length"),
        (True, "length"),
        (-1, "length"),
        (2**31, "length"),
        (10**30, "length"),
    ],
    **{
        flag: [
            (ABSENT, None),
            (None, None),
            (True, None),
            (False, None),
            ("yes", flag),
            (1, flag),
            ("true", flag),
            (0, flag),
        ]
        for flag in ("custom", "calculated", "updateable", "createable")
    },
    **{
        text: [
            (ABSENT, None),
            (None, None),
            ("Email", None),
            (HUGE, None),
            (f'two\nlines "{SENTINEL}"', None),
            (5, text),
            ([], text),
            ({"a": 1}, text),
        ]
        for text in ("label", "type", "calculatedFormula")
    },
    "picklistValues": [
        (ABSENT, None),
        (None, None),
        ([], None),
        ([{"value": "Hot", "active": True}, {"value": "Old", "active": False}, "odd"], None),
        (5, "picklistValues"),
        ("Hot;Cold", "picklistValues"),
        ({"value": "Hot"}, "picklistValues"),
    ],
}
# (name, None | what is wrong: 'item' (no string name), 'name' (not an API name)).
FIELD_NAMES = [
    ("Email", None),
    ("My_Field__c", None),
    ("ns__Score__c", None),
    ("Email", None),
    ("1Email", "name"),
    ("", "name"),
    ("E" * 300, "name"),
    (f"x {SENTINEL}", "name"),
    ("Em\nail", "name"),
    (5, "item"),
    (ABSENT, "item"),
]
OBJECT_NAMES = [
    ("Lead", None),
    ("Contact", None),
    ("My_Object__c", None),
    ("Lead", None),
    ("1Lead", "name"),
    ("", "name"),
    (None, "name"),
    (7, "name"),
    (f"L {SENTINEL}", "name"),
]


def nested(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def field_describe(draw) -> tuple[object, list[str]]:
    """(a field describe, or something that is none, and its faults in the importer's order:
    'item', 'name' or a key)."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from(["Email", 5, None, []])), ["item"]
    name, name_fault = draw(st.sampled_from(FIELD_NAMES))
    item: dict = {} if name is ABSENT else {"name": name}
    faults = [name_fault] if name_fault else []
    for key, options in FIELD_KEYS.items():
        value, fault = draw(st.sampled_from(options))
        if value is not ABSENT:
            item[key] = value
        if fault:
            faults.append(fault)
    if draw(st.booleans()):
        item["extra"] = nested(draw(st.integers(1, DEEP_OK)))
    return item, faults


@st.composite
def sobject_describe(draw) -> tuple[object, dict]:
    """(a describe, what the reference reads of it: name, fault, fields [(item, faults)])."""
    name, name_fault = draw(st.sampled_from(OBJECT_NAMES))
    shape = draw(st.sampled_from(["fields", "fields", "fields", "fields", "empty", "text", "none"]))
    describe: dict = {"name": name} if name is not None else {}
    fields = draw(st.lists(field_describe(), min_size=1, max_size=5)) if shape == "fields" else []
    if shape in ("fields", "empty"):
        describe["fields"] = [item for item, _ in fields]
    elif shape == "text":
        describe["fields"] = "Email,Phone"
    return describe, {
        "name": name,
        "fault": name_fault,
        "fields_ok": shape == "fields",
        "fields": fields,
    }


@st.composite
def describe_file(draw) -> tuple[str, list]:
    """(the file's text, [(JSON path, describe | 'junk' | 'deep', reading)] in file order)."""
    shape = draw(st.sampled_from(["one", "list", "list", "envelope", "nested", "junk", "broken"]))
    if shape == "broken":
        return '{"name": "Lead", "fields": [', [("broken", None, None)]
    if shape == "junk":
        return draw(st.sampled_from(["5", '"Lead"', "null", "[" * 100_000])), [("junk", None, None)]
    if shape == "one":
        describe, reading = draw(sobject_describe())
        return json.dumps(describe), [("", describe, reading)]
    if shape == "nested":
        depth = draw(st.integers(1, 5))
        describe, reading = draw(sobject_describe())
        payload = describe
        for _ in range(depth):
            payload = [payload]
        if depth > MAX_DESCRIBE_NESTING:  # refused where the nesting first goes too deep
            return json.dumps(payload), [("[0]" * (MAX_DESCRIBE_NESTING + 1), "deep", reading)]
        return json.dumps(payload), [("[0]" * depth, describe, reading)]
    entries = []
    items = []
    for index in range(draw(st.integers(0, 3))):
        if draw(st.integers(0, 9)) == 0:
            items.append(draw(st.sampled_from([5, "Lead", None])))
            entries.append((f"[{index}]", "junk", None))
            continue
        describe, reading = draw(sobject_describe())
        items.append(describe)
        entries.append((f"[{index}]", describe, reading))
    if shape == "envelope":
        whole = len(items) == 1 and draw(st.booleans())
        result = items[0] if whole else items
        entries = [(("result" if whole else "result" + where), d, r) for where, d, r in entries]
        return json.dumps({"status": 0, "result": result}), entries
    return json.dumps(items), entries


def first_describe_fault(entries: list) -> str | None:
    """The JSON path the reference names first (None: a clean file), in the importer's order:
    each describe in file order (its name, its fields, each field's name then keys), then an
    sObject described twice, then a file without any describe."""

    def at(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    for where, describe, reading in entries:
        if where in ("broken", "junk") and describe is None:
            return where
        if describe == "deep":
            return f"{where}: nested "
        if describe == "junk":
            return f"{where}: expected a JSON object"
        if reading["fault"]:
            return f"{at(where, 'name')}: "
        if not reading["fields_ok"]:
            return f"{at(where, 'fields')}: "
        seen = set()
        for index, (item, faults) in enumerate(reading["fields"]):
            here = at(where, f"fields[{index}]")
            if faults[:1] == ["item"]:
                return f"{here}: "
            if faults[:1] == ["name"]:
                return f"{here}.name: "
            if item["name"] in seen:
                return f"{here}.name ({item['name']}): "
            seen.add(item["name"])
            if faults:
                return f"{here}.{faults[0]} ({item['name']}): "
    objects = set()
    for where, describe, _ in entries:
        if describe["name"] in objects:
            return f"{at(where, 'name')} ({describe['name']}): "
        objects.add(describe["name"])
    return None if entries else "no describe"


def reference_fields(describe: dict) -> list[tuple]:
    """The inventory rows of a clean describe: a key left out or null is unknown (None); a
    missing `custom` is read from the name (`__c`), a missing `calculated` is false."""
    rows = []
    for item in describe["fields"]:
        custom = item["custom"] if "custom" in item else item["name"].endswith("__c")
        rows.append(
            (
                describe["name"],
                item["name"],
                item.get("label"),
                item.get("type"),
                item.get("length"),
                bool(custom),
                bool(item.get("calculated")),
                item.get("calculatedFormula"),
                item.get("updateable"),
                item.get("createable"),
            )
        )
    return rows


@FUZZ_DESCRIBE
@given(generated=describe_file())
@example(generated=("[]", []))  # a list without describes: no snapshot, not an empty one
def test_describes_import_what_the_reference_reads_or_refuse_naming_the_json_path(
    store, tmp_path_factory, generated
):
    text, entries = generated
    instance = f"fuzz{next(_instances)}"
    path = tmp_path_factory.mktemp("f") / "describe.json"
    path.write_text(text, encoding="utf-8")
    before = _describe_rows(store, instance)
    fault = first_describe_fault(entries)
    if fault is None:
        result = import_file(store, "describe", path, instance=instance, zone=ZONE, now=NOW)
        expected = [row for _, describe, _ in entries for row in reference_fields(describe)]
        assert sorted(_describe_rows(store, instance)[0], key=repr) == sorted(expected, key=repr)
        assert result.rows_added == len(expected)
        return
    with pytest.raises(InputError) as caught:
        import_file(store, "describe", path, instance=instance, zone=ZONE, now=NOW)
    message = str(caught.value)
    assert "\n" not in message and SENTINEL not in message and len(message) < 1000, message
    if fault in ("broken", "junk"):
        pattern = rf"{re.escape(str(path))}(:\d+)?: (not valid JSON|nested|expected)"
        assert re.match(pattern, message), message
    elif fault == "no describe":
        assert message.startswith(f"{path}: no describe"), message
    else:
        assert message.startswith(f"{path}: {fault}"), (message, fault)
    assert "expected" in message, message
    assert _describe_rows(store, instance) == before


_inventory_rows = instance_rows(
    "SELECT object, field, label, type, length, is_custom, calculated, "
    "calculated_formula, updateable, createable FROM field_inventory WHERE instance = $i"
)
_snapshot_count = instance_rows("SELECT count(*) FROM snapshots WHERE instance = $i")


def _describe_rows(store: Store, instance: str) -> tuple[list[tuple], int]:
    return _inventory_rows(store, instance), _snapshot_count(store, instance)[0][0]


def test_the_cli_refuses_a_fuzzed_file_in_one_line(tmp_path):
    from tests.test_cli import monitor

    path = Path(tmp_path / "stats.csv")
    path.write_text(
        "ts,object,direction,metric,value\n2026-11-20 10:00,Lead,sfdc_to_marketo,x,inf\n"
    )
    result = monitor("import", "sync-stats", str(path), db=tmp_path / "m.duckdb")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: {path}:2: value: expected a finite number >= 0"]
