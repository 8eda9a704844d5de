"""Every bad input to an importer is one line `FILE:LINE: column: reason`, exit 1, nothing of
the file stored (issue 18): cells never land in another column, numbers and dates are real,
pathological files are refused early. Through `import_file` and the real CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.collectors.exports import import_file
from monitor.errors import InputError
from monitor.store import Store
from tests.test_cli import monitor

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
INSTANCE = "prod"
ERRORS_HEADER = "Failed On,Date/Time,Error Type,Error Details,Object,Marketo ID,Salesforce ID"
# The same header without Marketo ID, while the rows keep it: 6 names, 7 cells.
SHORT_HEADER = "Failed On,Date/Time,Error Type,Error Details,Object,Salesforce ID"
ROW = "Record Level,11/20/2026 02:05 PM,Failed,{{UNABLE_TO_LOCK_ROW: busy}},Lead,{mkto},{sfdc}"
STATUS_HEADER = (
    "Started At,Ended At,Object,Operation,Status,New,Updated,Deleted,Failed Item,Skipped"
)
STATUS_ROW = "11/20/2026 02:05 PM,11/20/2026 02:06 PM,Lead,Pull updates,Success,{new},1,0,0,0"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "m.duckdb")


def write(path: Path, *lines: str) -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def error_row(number: int) -> str:
    return ROW.format(mkto=1000 + number, sfdc=f"00Q00000000000{number}")


def details_row(details: str, number: int = 1) -> str:
    """A record-level error row whose Error Details cell is `details`, written as given."""
    return f"Record Level,11/20/2026 02:05 PM,Failed,{details},Lead,{number},00Q{number}"


def rows_of(store: Store, sql: str) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql).fetchall()


def refusal(store: Store, kind: str, path: Path, **options) -> str:
    with pytest.raises(InputError) as caught:
        import_file(store, kind, path, instance=INSTANCE, zone=UTC, **options)
    return str(caught.value)


# 1. cells never land in another column


def test_a_header_narrower_than_its_rows_is_refused_and_stores_nothing(store, tmp_path):
    path = write(tmp_path / "e.csv", SHORT_HEADER, error_row(1), error_row(2))
    assert refusal(store, "sync-errors", path) == f"{path}:2: row: expected 6 columns, found 7"
    assert rows_of(store, "SELECT count(*) FROM sync_errors") == [(0,)]


def test_a_row_wider_than_the_header_is_quarantined_with_its_line(store, tmp_path):
    path = write(
        tmp_path / "e.csv", ERRORS_HEADER, error_row(1), error_row(2) + ",extra", error_row(3)
    )
    result = import_file(store, "sync-errors", path, instance=INSTANCE, zone=UTC, skip_invalid=True)
    assert (result.rows_read, result.rows_added, result.rows_quarantined) == (3, 2, 1)
    assert rows_of(store, "SELECT marketo_id, sfdc_id FROM sync_errors ORDER BY 1") == [
        ("1001", "00Q000000000001"),
        ("1003", "00Q000000000003"),
    ]
    assert rows_of(store, "SELECT line, reason, raw FROM quarantine") == [
        (3, "expected 7 columns, found 8", error_row(2) + ",extra")
    ]


def test_line_numbers_count_lines_not_records_after_a_multiline_value(store, tmp_path):
    multiline = details_row('"two\nlines"')
    path = write(tmp_path / "e.csv", ERRORS_HEADER, multiline, error_row(2) + ",x")
    assert refusal(store, "sync-errors", path) == f"{path}:4: row: expected 7 columns, found 8"


def test_a_value_problem_after_a_refused_record_names_its_own_line(store, tmp_path):
    # Python's csv module reads `"a"b` as `ab`; DuckDB refuses it: lines must still match.
    stray_quote = details_row('"a"b')
    bad_date = "Record Level,tomorrow-ish,Failed,x,Lead,2,00Q2"
    path = write(tmp_path / "e.csv", ERRORS_HEADER, stray_quote, error_row(3), bad_date)
    result = import_file(store, "sync-errors", path, instance=INSTANCE, zone=UTC, skip_invalid=True)
    assert (result.rows_added, result.rows_quarantined) == (1, 2)
    assert rows_of(store, "SELECT line, left(reason, 12) FROM quarantine ORDER BY 1") == [
        (2, "a quote that"),
        (4, "Date/Time: e"),
    ]


def test_an_unbalanced_quote_is_one_line_without_the_files_contents(store, tmp_path):
    secret = "CONTENT-THAT-MUST-NOT-BE-ECHOED"
    path = write(
        tmp_path / "e.csv",
        ERRORS_HEADER,
        error_row(1),
        details_row(f'"unclosed {secret}', 2),
        *(error_row(n) for n in range(3, 50)),
    )
    message = refusal(store, "sync-errors", path)
    assert message.startswith(f"{path}:3: row: a quote that is never closed")
    assert "\n" not in message and secret not in message
    assert rows_of(store, "SELECT count(*) FROM sync_errors") == [(0,)]


# 4. pathological files are refused early, in one line


def test_a_cell_over_pythons_csv_field_limit_is_read(store, tmp_path):
    big = "x" * 200_000  # Python's csv module stops at 131,072 characters by default
    path = write(
        tmp_path / "e.csv",
        ERRORS_HEADER,
        details_row(big),
        "Record Level,not a date,Failed,x,Lead,2,00Q2",
    )
    assert refusal(store, "sync-errors", path).startswith(f"{path}:3: Date/Time: expected")


def test_a_line_over_a_mebibyte_is_refused_naming_its_line(store, tmp_path):
    huge = "x" * (1 << 20)
    path = write(
        tmp_path / "e.csv",
        ERRORS_HEADER,
        error_row(1),
        details_row(huge),
    )
    message = refusal(store, "sync-errors", path)
    assert message == f"{path}:3: row: a line longer than 1,048,576 bytes"


def test_a_header_of_20000_columns_is_refused_before_reading_rows(store, tmp_path):
    path = write(tmp_path / "wide.csv", ",".join(f"c{i}" for i in range(20_000)), "1")
    assert refusal(store, "sync-errors", path) == (
        f"{path}:1: header: 20,000 columns; expected at most 200 (a sync-errors export has 7)"
    )


def test_a_fifo_is_refused_without_waiting_for_a_writer(store, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert refusal(store, "sync-errors", fifo) == (
        f"{fifo}: not a regular file (a directory, pipe or device); expected an export file"
    )


def test_the_cli_refuses_a_shifted_file_in_one_line_and_exit_1(tmp_path):
    path = write(tmp_path / "e.csv", SHORT_HEADER, error_row(1))
    result = monitor("import", "sync-errors", str(path), db=tmp_path / "m.duckdb")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: {path}:2: row: expected 6 columns, found 7"]


def test_the_cli_refuses_a_timezone_name_too_long_for_a_file_name(tmp_path):
    path = write(tmp_path / "e.csv", ERRORS_HEADER, error_row(1))
    result = monitor(
        "import", "sync-errors", str(path), "--tz", "A" * 300, db=tmp_path / "m.duckdb"
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: --tz: a timezone of 300 characters (expected an IANA name such as America/Chicago)"
    ]


# 2, 3. numbers are numbers, dates are real dates, never relative words


def status_file(tmp_path: Path, started: str = "11/20/2026 02:05 PM", new: str = "1") -> Path:
    row = STATUS_ROW.format(new=new).replace("11/20/2026 02:05 PM", started, 1)
    return write(tmp_path / "s.csv", STATUS_HEADER, row)


def test_a_count_beyond_the_stores_integers_is_refused(store, tmp_path):
    path = status_file(tmp_path, new="99999999999999999999")
    assert refusal(store, "sync-status", path) == (
        f"{path}:2: New: expected a whole number >= 0 and at most 9,223,372,036,854,775,807"
    )
    assert rows_of(store, "SELECT count(*) FROM sync_cycles") == [(0,)]


def test_a_count_just_above_a_floats_precision_is_stored_exactly(store, tmp_path):
    path = status_file(tmp_path, new="9007199254740993")
    import_file(store, "sync-status", path, instance=INSTANCE, zone=UTC)
    assert rows_of(store, "SELECT new_count FROM sync_cycles") == [(9007199254740993,)]


@pytest.mark.parametrize("count", ["inf", "nan", "1e3", "-0"])
def test_a_count_that_is_no_whole_number_is_refused(store, tmp_path, count):
    path = status_file(tmp_path, new=count)
    assert refusal(store, "sync-status", path) == f"{path}:2: New: expected a whole number >= 0"


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "NaN", "1e400"])
def test_a_series_value_that_is_no_finite_number_is_refused(store, tmp_path, value):
    path = write(
        tmp_path / "x.csv",
        "ts,object,direction,metric,value",
        f"2026-11-20 10:00,Lead,sfdc_to_marketo,backlog,{value}",
    )
    assert refusal(store, "sync-stats", path) == f"{path}:2: value: expected a finite number >= 0"


@pytest.mark.parametrize(
    "started", ["01/01/9999 02:05 PM", "0000-01-01 00:00", "1999-12-31 23:59", "2026-12-10 00:00"]
)
def test_a_date_outside_2000_to_a_day_after_the_import_is_refused(store, tmp_path, started):
    path = status_file(tmp_path, started=started)
    with pytest.raises(InputError) as caught:
        import_file(store, "sync-status", path, instance=INSTANCE, zone=UTC, now=NOW)
    assert str(caught.value) == (
        f"{path}:2: Started At: expected a time from 2000-01-01 to 2026-12-08 12:00 UTC "
        "(a day after the import)"
    )


@pytest.mark.parametrize(
    "started", ["now", "today", "Today", "-2026-01-01T00:00Z", "01/01/0000 10:00"]
)
def test_relative_words_and_impossible_years_are_no_dates(store, tmp_path, started):
    path = status_file(tmp_path, started=started)
    assert refusal(store, "sync-status", path).startswith(
        f"{path}:2: Started At: expected a date/time such as"
    )


def test_a_sync_errors_time_out_of_range_is_refused_with_the_range(store, tmp_path):
    far = error_row(1).replace("11/20/2026", "11/20/9999")
    path = write(tmp_path / "e.csv", ERRORS_HEADER, error_row(2), far)
    with pytest.raises(InputError) as caught:
        import_file(store, "sync-errors", path, instance=INSTANCE, zone=UTC, now=NOW)
    assert str(caught.value) == (
        f"{path}:3: Date/Time: expected a time from 2000-01-01 to 2026-12-08 12:00 UTC "
        "(a day after the import)"
    )
    assert rows_of(store, "SELECT count(*) FROM sync_errors") == [(0,)]


# 4. every kind refuses in one line what used to end in a traceback


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            {"length": "x"},
            "fields[0].length (A): expected a whole number from 0 to 2,147,483,647 or null",
        ),
        ({"updateable": "maybe"}, "fields[0].updateable (A): expected true, false or null"),
        ({"createable": 1}, "fields[0].createable (A): expected true, false or null"),
    ],
)
def test_a_describe_field_of_the_wrong_type_is_one_line(store, tmp_path, field, expected):
    item = {"name": "A", "length": 10, "updateable": True, "createable": True, "calculated": False}
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"name": "Lead", "fields": [{**item, **field}]}))
    assert refusal(store, "describe", path) == f"{path}: {expected}"
    assert rows_of(store, "SELECT count(*) FROM field_inventory") == [(0,)]


def test_a_describe_without_fields_or_nested_deep_is_one_line(store, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"name": "Lead", "fields": []}')
    assert refusal(store, "describe", empty) == (
        f"{empty}: fields: expected a non-empty list of field describes"
    )
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 1000 + "]" * 1000)
    assert refusal(store, "describe", deep).startswith(f"{deep}: nested ")


def test_sync_errors_without_a_valid_row_store_nothing_and_say_why(store, tmp_path):
    path = write(tmp_path / "e.csv", ERRORS_HEADER, "Record Level,bad,x,y,Lead,1,00Q1")
    assert refusal(store, "sync-errors", path).startswith(f"{path}:2: Date/Time: expected")
    result = import_file(store, "sync-errors", path, instance=INSTANCE, zone=UTC, skip_invalid=True)
    assert (result.rows_added, result.rows_quarantined) == (0, 1)


def test_permissions_without_a_row_are_one_line(store, tmp_path):
    path = write(tmp_path / "p.csv", "object,field,readable,editable")
    assert refusal(store, "permissions", path) == (
        f"{path}:2: row: no permission rows; expected at least one "
        "object,field,readable,editable row after the header"
    )


def test_a_field_listed_twice_with_other_rights_is_refused_not_collapsed(store, tmp_path):
    """Found by the fuzz: the second row silently replaced or lost the first."""
    path = write(
        tmp_path / "permissions.csv",
        "object,field,readable,editable",
        "Lead,Email,true,true",
        "Lead,Lead.Email,false,false",
    )
    with pytest.raises(InputError) as caught:
        import_file(store, "permissions", path, instance=INSTANCE, zone=UTC, now=NOW)
    assert str(caught.value).startswith(f"{path}:3: field: listed again with other rights")
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM field_permissions").fetchone()[0] == 0


def test_a_permissions_file_whose_only_row_is_too_wide_is_one_line_not_a_traceback(store, tmp_path):
    """Found by the fuzz: with every row of the wrong width no row was left, and the empty
    field column stopped being text (AttributeError)."""
    path = write(
        tmp_path / "permissions.csv",
        "object,field,readable,editable",
        "Lead,Email,true,true,extra cell",
    )
    assert refusal(store, "permissions", path) == f"{path}:2: row: expected 4 columns, found 5"
    result = import_file(
        store, "permissions", path, instance=INSTANCE, zone=UTC, skip_invalid=True, now=NOW
    )
    assert (result.rows_added, result.rows_quarantined) == (0, 1)
    assert rows_of(store, "SELECT count(*) FROM field_permissions") == [(0,)]


# Found by the re-check of issue 18's list through the CLI (a throwaway probe, one case each).


def test_a_count_of_200000_digits_is_refused_not_a_traceback(store, tmp_path):
    """Python refuses to turn more than 4,300 digits into an int (ValueError)."""
    path = status_file(tmp_path, new="9" * 200_000)
    assert refusal(store, "sync-status", path) == (
        f"{path}:2: New: expected a whole number >= 0 and at most 9,223,372,036,854,775,807"
    )


def test_leading_zeros_do_not_make_a_count_too_large(store, tmp_path):
    path = status_file(tmp_path, new="0" * 5000 + "12")
    import_file(store, "sync-status", path, instance=INSTANCE, zone=UTC, now=NOW)
    assert rows_of(store, "SELECT new_count FROM sync_cycles") == [(12,)]


def test_a_header_missing_a_column_is_named_on_one_line_however_its_cells_look(store, tmp_path):
    path = write(tmp_path / "e.csv", '"Failed\nOn",Date/Time,Error Type,' + "x" * 5000)
    message = refusal(store, "sync-errors", path)
    assert message.startswith(f"{path}:1: sync-errors header is missing Error Details (found: ")
    assert "\n" not in message and len(message) < len(str(path)) + 500, message
    assert "Failed On, Date/Time, Error Type, xxx" in message


def describe_file(tmp_path: Path, payload) -> Path:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(payload) if not isinstance(payload, str) else payload)
    return path


FIELD = {"name": "Email", "updateable": True, "createable": True, "calculated": False}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(
            {"name": "Lead", "fields": [{**FIELD, "picklistValues": 5}]},
            "fields[0].picklistValues (Email): expected a list of picklist values or null",
            id="picklist-values-a-number",
        ),
        pytest.param(
            {"name": "Lead", "fields": [{**FIELD, "name": "Em\nail CONTENT"}]},
            "fields[0].name: expected a field API name (letters, digits and underscores, "
            "starting with a letter, at most 255 characters)",
            id="field-name-not-an-api-name",
        ),
        pytest.param(
            {"name": "Lead", "fields": [{**FIELD, "name": "E" * 1_000_000}]},
            "fields[0].name: expected a field API name (letters, digits and underscores, "
            "starting with a letter, at most 255 characters)",
            id="field-name-of-a-megabyte",
        ),
        pytest.param(
            {"name": "Le\nad", "fields": [FIELD]},
            "name: expected the sObject API name (e.g. Lead)",
            id="object-name-not-an-api-name",
        ),
        pytest.param(
            {"name": "Lead", "fields": [FIELD, {**FIELD, "label": "again"}]},
            "fields[1].name (Email): the field again; expected each field once",
            id="a-field-twice",
        ),
        pytest.param(
            {"result": [{"name": "Lead", "fields": [FIELD]}, {"name": "Lead", "fields": [FIELD]}]},
            "result[1].name (Lead): the sObject again; expected each sObject once in a file",
            id="an-object-twice",
        ),
        pytest.param([], "no describe (an empty list); expected at least one describe", id="[]"),
        pytest.param(
            {"result": [{"name": "Lead", "fields": [{**FIELD, "length": "x"}]}]},
            "result[0].fields[0].length (Email): expected a whole number from 0 to "
            "2,147,483,647 or null",
            id="json-path-inside-the-sf-envelope",
        ),
        pytest.param(
            '{"name": "Lead", "fields": [{"name": "E", "length": ' + "9" * 5000 + "}]}",
            "not a describe: a number too long to read; expected a describe's values",
            id="a-5000-digit-number",
        ),
    ],
)
def test_a_describe_the_probe_broke_is_one_line_and_stores_nothing(
    store, tmp_path, payload, expected
):
    path = describe_file(tmp_path, payload)
    assert refusal(store, "describe", path) == f"{path}: {expected}"
    assert rows_of(store, "SELECT count(*) FROM field_inventory") == [(0,)]


def test_a_describe_that_is_not_utf8_names_its_line(store, tmp_path):
    path = tmp_path / "d.json"
    path.write_bytes(b'{\n"name": "Le\xffad"}')
    assert refusal(store, "describe", path) == (
        f"{path}:2: not UTF-8 text (byte 13); save the describe as UTF-8 JSON"
    )


def test_sync_errors_name_a_rows_faults_in_header_order(store, tmp_path):
    """A row with a bad time and a bad Failed On named either, as the database happened to
    return them: now the column further left in the file's header."""
    # Three faults in one row: Failed On, Date/Time and both texts empty (named Error Details).
    cells = {"Failed On": "Field Level", "Date/Time": "not a time", "Error Type": ""}
    for header, first in (
        ("Failed On,Date/Time,Error Type,Error Details", "Failed On"),
        ("Error Details,Error Type,Date/Time,Failed On", "Error Details"),
        ("Error Type,Date/Time,Failed On,Error Details", "Date/Time"),
    ):
        ordered = ",".join(cells.get(name, "") for name in header.split(","))
        path = write(tmp_path / "e.csv", header, ordered)
        assert refusal(store, "sync-errors", path).startswith(f"{path}:2: {first}: "), header
        result = import_file(
            store, "sync-errors", path, instance=INSTANCE, zone=UTC, skip_invalid=True, now=NOW
        )
        assert result.rows_quarantined == 1
        with store.write() as con:
            reason = con.execute("SELECT reason FROM quarantine").fetchone()[0]
            con.execute("DELETE FROM quarantine")
        assert reason.startswith(f"{first}: "), header
