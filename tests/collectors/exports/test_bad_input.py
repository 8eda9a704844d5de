"""Every bad input to an importer is one line `FILE:LINE: column: reason`, exit 1, nothing of
the file stored (issue 18): cells never land in another column, numbers and dates are real,
pathological files are refused early. Through `import_file` and the real CLI."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.collectors.exports import import_file
from monitor.errors import InputError
from monitor.store import Store
from tests.test_cli import monitor

UTC = ZoneInfo("UTC")
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
    multiline = 'Record Level,11/20/2026 02:05 PM,Failed,"two\nlines",Lead,1,00Q1'
    path = write(tmp_path / "e.csv", ERRORS_HEADER, multiline, error_row(2) + ",x")
    assert refusal(store, "sync-errors", path) == f"{path}:4: row: expected 7 columns, found 8"


def test_a_value_problem_after_a_refused_record_names_its_own_line(store, tmp_path):
    # Python's csv module reads `"a"b` as `ab`; DuckDB refuses it: lines must still match.
    stray_quote = 'Record Level,11/20/2026 02:05 PM,Failed,"a"b,Lead,1,00Q1'
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
        f'Record Level,11/20/2026 02:05 PM,Failed,"unclosed {secret},Lead,2,00Q2',
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
        f"Record Level,11/20/2026 02:05 PM,Failed,{big},Lead,1,00Q1",
        "Record Level,not a date,Failed,x,Lead,2,00Q2",
    )
    assert refusal(store, "sync-errors", path).startswith(f"{path}:3: Date/Time: expected")


def test_a_line_over_a_mebibyte_is_refused_naming_its_line(store, tmp_path):
    huge = "x" * (1 << 20)
    path = write(
        tmp_path / "e.csv",
        ERRORS_HEADER,
        error_row(1),
        f"Record Level,11/20/2026 02:05 PM,Failed,{huge},Lead,1,00Q1",
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
