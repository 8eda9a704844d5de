"""Importers of DESIGN §8, driven through `monitor.collectors.exports.import_file` on a real
DuckDB file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.collectors.exports import import_file
from monitor.collectors.exports.common import ImportResult
from monitor.collectors.exports.timestamps import EXPECTED
from monitor.errors import InputError
from monitor.store import Store
from tests.conftest import ACCOUNT_DESCRIBE, LEAD_DESCRIBE
from tests.sync_errors import ERRORS_HEADER

UTC = ZoneInfo("UTC")
CHICAGO = ZoneInfo("America/Chicago")
INSTANCE = "prod"

LOCK = "Record Level,11/20/2026 02:05 PM,Failed to update SFDC,{UNABLE_TO_LOCK_ROW: busy},Lead,"
ROW_1 = LOCK + "1001,00Q000000000001"
ROW_2 = LOCK + "1002,00Q000000000002"
ROW_3 = LOCK + "1003,00Q000000000003"
ROW_4 = LOCK + "1004,00Q000000000004"
BAD_DATE = "Record Level,not a date,Failed to update SFDC,{UNABLE_TO_LOCK_ROW: busy},Lead,1,00Q1"

STATUS_HEADER = (
    "Started At,Ended At,Object,Operation,Status,New,Updated,Deleted,Failed Item,Skipped"
)
STATS_HEADER = "ts,object,direction,metric,value"
PERMISSIONS_HEADER = "object,field,readable,editable"


def write_csv(directory: Path, name: str, *lines: str) -> Path:
    path = directory / name
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def run_import(store: Store, kind: str, path: Path, *, zone: ZoneInfo = UTC, skip: bool = False):
    return import_file(store, kind, path, instance=INSTANCE, zone=zone, skip_invalid=skip)


def import_csv(
    store: Store, tmp_path: Path, kind: str, header: str, *rows: str, zone: ZoneInfo = UTC
) -> ImportResult:
    """Write a CSV of `header` and `rows` and import it as `kind`."""
    return run_import(store, kind, write_csv(tmp_path, f"{kind}.csv", header, *rows), zone=zone)


def refusal(store: Store, kind: str, path: Path) -> InputError:
    """The error the import of `path` is refused with; the test fails if it is not refused."""
    with pytest.raises(InputError) as caught:
        run_import(store, kind, path)
    return caught.value


def fetch(store: Store, sql: str, **params) -> list[tuple]:
    # Timestamps are formatted with strftime in the SQL: fetching TIMESTAMPTZ needs pytz.
    with store.read() as con:
        return con.execute(sql, params).fetchall()


def count(store: Store, table: str) -> int:
    return fetch(store, f"SELECT count(*) FROM {table}")[0][0]


def stored_error_times(store: Store) -> list[str]:
    return [
        row[0]
        for row in fetch(
            store, "SELECT strftime(occurred_at, '%Y-%m-%d %H:%M') FROM sync_errors ORDER BY 1"
        )
    ]


# sync-errors: reading


def test_sync_errors_stores_each_row_converted_to_utc_and_classified(store, tmp_path):
    path = write_csv(tmp_path, "errors.csv", ERRORS_HEADER, ROW_1)
    result = run_import(store, "sync-errors", path, zone=CHICAGO)
    assert (result.kind, result.rows_read, result.rows_added, result.rows_quarantined) == (
        "sync-errors",
        1,
        1,
        0,
    )
    assert fetch(
        store,
        "SELECT instance, strftime(occurred_at, '%Y-%m-%d %H:%M'), object, direction, failed_on, "
        "marketo_id, sfdc_id, error_type, error_code, category, owner, error_message, source "
        "FROM sync_errors",
    ) == [
        (
            INSTANCE,
            "2026-11-20 20:05",
            "Lead",
            "marketo_to_sfdc",
            "record",
            "1001",
            "00Q000000000001",
            "Failed to update SFDC",
            "UNABLE_TO_LOCK_ROW",
            "locking",
            "Salesforce admin",
            "{UNABLE_TO_LOCK_ROW: busy}",
            "sync_errors_export",
        )
    ]


def test_sync_errors_registers_the_instance(store, tmp_path):
    run_import(store, "sync-errors", write_csv(tmp_path, "e.csv", ERRORS_HEADER, ROW_1))
    assert fetch(store, "SELECT instance FROM instances") == [(INSTANCE,)]


def test_sync_errors_reads_a_file_that_starts_with_a_utf8_bom(store, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{ERRORS_HEADER}\r\n{ROW_1}\r\n".encode())
    result = run_import(store, "sync-errors", path)
    assert result.rows_added == 1
    # The BOM sits in front of the first header name: Failed On must still be recognised.
    assert fetch(store, "SELECT failed_on, sfdc_id FROM sync_errors") == [
        ("record", "00Q000000000001")
    ]


def test_sync_errors_keeps_quoted_commas_and_newlines_of_error_details_verbatim(store, tmp_path):
    details = (
        'Failed to update: {FIELD_CUSTOM_VALIDATION_EXCEPTION: "Zip, Country" required,\nsee rule}'
    )
    quoted = '"' + details.replace('"', '""') + '"'
    import_csv(
        store,
        tmp_path,
        "sync-errors",
        ERRORS_HEADER,
        f"Record Level,11/20/2026 02:05 PM,SFDC Error,{quoted},Lead,1001,00Q000000000001",
    )
    assert fetch(store, "SELECT error_message, error_code, category FROM sync_errors") == [
        (details, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "validation")
    ]


@pytest.mark.parametrize(
    "header",
    [
        "Failed On,Time,Error Type,Details,Object,Marketo ID,SFDC ID",
        "failed on,Failed At,ERROR TYPE,Message,object,marketo id,Salesforce ID",
        " FAILED ON , date / time , Error  Type ,SFDC Return Message,Object,MarketoID,sfdc id",
    ],
)
def test_sync_errors_header_aliases_match_whatever_case_and_spacing(store, tmp_path, header):
    path = write_csv(tmp_path, "errors.csv", header, ROW_1)
    run_import(store, "sync-errors", path)
    assert fetch(
        store, "SELECT failed_on, error_message, object, marketo_id, sfdc_id FROM sync_errors"
    ) == [("record", "{UNABLE_TO_LOCK_ROW: busy}", "Lead", "1001", "00Q000000000001")]


@pytest.mark.parametrize(
    ("written", "zone", "expected_utc"),
    [
        pytest.param("11/20/2026 02:05 PM", CHICAGO, "2026-11-20 20:05", id="us-12-hour"),
        pytest.param("11/20/2026 14:05:30", CHICAGO, "2026-11-20 20:05", id="us-24-hour"),
        pytest.param("2026-11-20 14:05:00", CHICAGO, "2026-11-20 20:05", id="iso-naive"),
        pytest.param("07/01/2026 02:05 PM", CHICAGO, "2026-07-01 19:05", id="summer-time"),
        pytest.param("11/01/2026 01:30 AM", CHICAGO, "2026-11-01 06:30", id="autumn-overlap"),
        pytest.param("03/08/2026 02:30 AM", CHICAGO, "2026-03-08 08:00", id="spring-gap"),
        pytest.param("2026-11-20T14:05:00+01:00", CHICAGO, "2026-11-20 13:05", id="offset"),
        pytest.param("2026-11-20T14:05:00Z", CHICAGO, "2026-11-20 14:05", id="zulu"),
        pytest.param("11/20/2026 02:05 PM", UTC, "2026-11-20 14:05", id="utc-zone"),
    ],
)
def test_sync_errors_date_time_is_read_in_the_zone_and_stored_in_utc(
    store, tmp_path, written, zone, expected_utc
):
    row = f"Record Level,{written},T,{{UNABLE_TO_LOCK_ROW: busy}},Lead,1001,00Q000000000001"
    run_import(store, "sync-errors", write_csv(tmp_path, "e.csv", ERRORS_HEADER, row), zone=zone)
    assert stored_error_times(store) == [expected_utc]


# sync-errors: idempotence


def test_sync_errors_reimport_of_overlapping_export_adds_only_new_rows(store, tmp_path):
    first = write_csv(tmp_path, "a.csv", ERRORS_HEADER, ROW_1, ROW_2, ROW_3)
    second = write_csv(tmp_path, "b.csv", ERRORS_HEADER, ROW_2, ROW_3, ROW_4)
    assert run_import(store, "sync-errors", first).rows_added == 3
    result = run_import(store, "sync-errors", second)
    assert (result.rows_added, result.rows_already_stored) == (1, 2)
    assert count(store, "sync_errors") == 4


def test_sync_errors_reimport_of_the_same_export_adds_nothing(store, tmp_path):
    path = write_csv(tmp_path, "a.csv", ERRORS_HEADER, ROW_1, ROW_2, ROW_3)
    run_import(store, "sync-errors", path)
    result = run_import(store, "sync-errors", path)
    assert (result.rows_read, result.rows_added, result.rows_already_stored) == (3, 0, 3)
    assert count(store, "sync_errors") == 3


def test_sync_errors_identical_rows_in_one_export_are_all_kept(store, tmp_path):
    path = write_csv(tmp_path, "a.csv", ERRORS_HEADER, ROW_1, ROW_1, ROW_2)
    assert run_import(store, "sync-errors", path).rows_added == 3
    assert run_import(store, "sync-errors", path).rows_added == 0
    assert count(store, "sync_errors") == 3


def test_sync_errors_later_export_with_one_of_two_identical_rows_adds_nothing(store, tmp_path):
    run_import(store, "sync-errors", write_csv(tmp_path, "a.csv", ERRORS_HEADER, ROW_1, ROW_1))
    later = write_csv(tmp_path, "b.csv", ERRORS_HEADER, ROW_1)
    assert run_import(store, "sync-errors", later).rows_added == 0
    assert count(store, "sync_errors") == 2


def test_sync_errors_same_row_in_another_instance_is_stored_again(store, tmp_path):
    path = write_csv(tmp_path, "a.csv", ERRORS_HEADER, ROW_1)
    run_import(store, "sync-errors", path)
    other = import_file(store, "sync-errors", path, instance="sandbox", zone=UTC)
    assert other.rows_added == 1
    assert fetch(store, "SELECT instance FROM sync_errors ORDER BY 1") == [("prod",), ("sandbox",)]


# sync-errors: derived columns


def test_sync_errors_fills_category_code_fields_and_owner(store, tmp_path):
    details = (
        '"{INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: Lead_Score__c, '
        'Rating. Please check the security settings of this field.}"'
    )
    import_csv(
        store,
        tmp_path,
        "sync-errors",
        ERRORS_HEADER,
        f"Record Level,11/20/2026 02:05 PM,Failed to update SFDC,{details},Lead,1,00Q1",
        "Job Level,11/20/2026 02:06 PM,Failed to update SFDC,{REQUEST_LIMIT_EXCEEDED: Total"
        " Requests Limit exceeded},,,",
        "Record Level,11/20/2026 02:07 PM,Failed to update SFDC,Something new happened,Lead,3,00Q3",
    )
    assert fetch(
        store,
        "SELECT failed_on, error_code, category, fields, owner FROM sync_errors "
        "ORDER BY occurred_at",
    ) == [
        (
            "record",
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "permission",
            ["Lead_Score__c", "Rating"],
            "Salesforce admin",
        ),
        ("job", "REQUEST_LIMIT_EXCEEDED", "limits", [], "Salesforce admin"),
        ("record", "UNKNOWN", "unknown", [], "Marketo admin"),
    ]


def test_sync_errors_infers_object_from_salesforce_id_without_object_column(store, tmp_path):
    import_csv(
        store,
        tmp_path,
        "sync-errors",
        "Failed On,Date/Time,Error Type,Error Details,Marketo ID,Salesforce ID",
        "Record Level,11/20/2026 02:05 PM,T,{UNABLE_TO_LOCK_ROW: busy},1,00Q000000000001",
        "Record Level,11/20/2026 02:05 PM,T,{UNABLE_TO_LOCK_ROW: busy},2,003000000000002",
        "Record Level,11/20/2026 02:05 PM,T,{UNABLE_TO_LOCK_ROW: busy},3,",
    )
    assert fetch(store, "SELECT marketo_id, object FROM sync_errors ORDER BY marketo_id") == [
        ("1", "Lead"),
        ("2", "Contact"),
        ("3", None),
    ]


def test_sync_errors_keeps_a_written_object_over_the_id_prefix(store, tmp_path):
    import_csv(
        store,
        tmp_path,
        "sync-errors",
        ERRORS_HEADER,
        "Record Level,11/20/2026 02:05 PM,T,{UNABLE_TO_LOCK_ROW: busy},Contact,1,00Q1",
        "Record Level,11/20/2026 02:05 PM,T,{UNABLE_TO_LOCK_ROW: busy},,2,00Q2",
    )
    assert fetch(store, "SELECT marketo_id, object FROM sync_errors ORDER BY marketo_id") == [
        ("1", "Contact"),
        ("2", "Lead"),
    ]


def test_sync_errors_keeps_the_exported_row_under_its_own_header_names(store, tmp_path):
    import_csv(
        store,
        tmp_path,
        "sync-errors",
        "Failed On,Time,Error Type,Details",
        "Record Level,11/20/2026 02:05 PM,Failed to update SFDC,{UNABLE_TO_LOCK_ROW: busy}",
    )
    raw = json.loads(fetch(store, "SELECT raw FROM sync_errors")[0][0])
    assert raw == {
        "Failed On": "Record Level",
        "Time": "11/20/2026 02:05 PM",
        "Error Type": "Failed to update SFDC",
        "Details": "{UNABLE_TO_LOCK_ROW: busy}",
    }


# sync-errors: strict mode


def test_sync_errors_bad_date_time_names_file_line_and_column_and_stores_nothing(store, tmp_path):
    earlier = write_csv(tmp_path, "earlier.csv", ERRORS_HEADER, ROW_4)
    run_import(store, "sync-errors", earlier)
    path = write_csv(tmp_path, "bad.csv", ERRORS_HEADER, ROW_1, BAD_DATE, ROW_2)
    error = refusal(store, "sync-errors", path)
    assert str(error) == f"{path}:3: Date/Time: expected {EXPECTED}"
    assert (error.path, error.line, error.column) == (
        str(path),
        3,
        "Date/Time",
    )
    assert fetch(store, "SELECT marketo_id FROM sync_errors") == [("1004",)]
    assert count(store, "quarantine") == 0


def test_sync_errors_line_number_counts_quoted_newlines_of_earlier_rows(store, tmp_path):
    multiline = LOCK.replace("{UNABLE_TO_LOCK_ROW: busy}", '"{UNABLE_TO_LOCK_ROW:\nbusy\nrow}"')
    path = write_csv(tmp_path, "bad.csv", ERRORS_HEADER, multiline + "1,00Q1", BAD_DATE)
    error = refusal(store, "sync-errors", path)
    # Header on line 1, the first record on lines 2-4: the bad record starts on line 5.
    assert str(error) == f"{path}:5: Date/Time: expected {EXPECTED}"
    assert count(store, "sync_errors") == 0


def test_sync_errors_row_with_wrong_number_of_columns_names_its_line(store, tmp_path):
    path = write_csv(
        tmp_path, "bad.csv", ERRORS_HEADER, ROW_1, "Record Level,11/20/2026 02:05 PM,T", ROW_2
    )
    error = refusal(store, "sync-errors", path)
    assert str(error) == f"{path}:3: row: expected 7 columns, found 3"
    assert error.line == 3
    assert count(store, "sync_errors") == 0


def test_sync_errors_missing_required_header_names_the_column(store, tmp_path):
    path = write_csv(tmp_path, "bad.csv", "Failed On,Error Type,Error Details", "Record Level,T,x")
    error = refusal(store, "sync-errors", path)
    message = str(error)
    assert message.startswith(f"{path}:1: ")
    assert "missing" in message
    # Named either as the export writes it (Date/Time) or in normalized form (datetime).
    assert "datetime" in message.lower().replace("/", "")
    assert count(store, "sync_errors") == 0


def test_sync_errors_non_utf8_file_names_the_line_of_the_bad_byte(store, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{ERRORS_HEADER}\n{ROW_1}\n".encode()
        + "Record Level,11/20/2026 02:05 PM,T,Soci\u00e9t\u00e9 invalide,Lead,2,00Q2\n".encode(
            "latin-1"
        )
    )
    error = refusal(store, "sync-errors", path)
    assert str(error).startswith(f"{path}:3: not UTF-8")
    assert error.line == 3
    assert count(store, "sync_errors") == 0


def test_sync_errors_unknown_failed_on_value_is_rejected(store, tmp_path):
    path = write_csv(
        tmp_path, "bad.csv", ERRORS_HEADER, "Field Level" + ROW_1[len("Record Level") :]
    )
    assert re.search(
        r":2: Failed On: expected Record Level or Job Level$",
        str(refusal(store, "sync-errors", path)),
    )


def test_sync_errors_row_without_type_and_details_is_rejected(store, tmp_path):
    path = write_csv(
        tmp_path, "bad.csv", ERRORS_HEADER, "Record Level,11/20/2026 02:05 PM,,,Lead,1,"
    )
    assert re.search(
        r":2: Error Details: both Error Type and Error Details",
        str(refusal(store, "sync-errors", path)),
    )


def test_sync_errors_empty_file_is_an_error(store, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert re.search(r":1: the file is empty", str(refusal(store, "sync-errors", path)))


def test_sync_errors_missing_file_is_an_error_naming_it(store, tmp_path):
    path = tmp_path / "absent.csv"
    error = refusal(store, "sync-errors", path)
    assert "cannot read the file" in str(error)
    assert str(error).startswith(str(path))


def test_sync_errors_row_of_only_commas_does_not_crash_the_import(store, tmp_path):
    path = write_csv(tmp_path, "bad.csv", ERRORS_HEADER, ROW_1, ",,,,,,")
    # Either ignored like a blank line or rejected with its line number; never a traceback.
    try:
        result = run_import(store, "sync-errors", path)
    except InputError as error:
        assert str(error).startswith(f"{path}:3: ")
        assert count(store, "sync_errors") == 0
    else:
        assert result.rows_added == 1


# sync-errors: skip-invalid


def test_sync_errors_skip_invalid_stores_good_rows_and_quarantines_bad_ones(store, tmp_path):
    path = write_csv(
        tmp_path,
        "mixed.csv",
        ERRORS_HEADER,
        ROW_1,
        BAD_DATE,
        ROW_2,
        "Record Level,11/20/2026 02:05 PM,T",
    )
    result = run_import(store, "sync-errors", path, skip=True)
    assert (result.rows_read, result.rows_added, result.rows_quarantined) == (4, 2, 2)
    assert fetch(store, "SELECT marketo_id FROM sync_errors ORDER BY 1") == [("1001",), ("1002",)]
    quarantined = fetch(
        store, "SELECT instance, kind, origin, line, reason, raw FROM quarantine ORDER BY line"
    )
    assert [row[:5] for row in quarantined] == [
        (INSTANCE, "sync-errors", str(path), 3, f"Date/Time: expected {EXPECTED}"),
        (INSTANCE, "sync-errors", str(path), 5, "expected 7 columns, found 3"),
    ]
    assert BAD_DATE in quarantined[0][5]
    assert "Record Level,11/20/2026 02:05 PM,T" in quarantined[1][5]


def test_sync_errors_skip_invalid_run_twice_adds_nothing_new(store, tmp_path):
    path = write_csv(tmp_path, "mixed.csv", ERRORS_HEADER, ROW_1, BAD_DATE, ROW_2)
    run_import(store, "sync-errors", path, skip=True)
    again = run_import(store, "sync-errors", path, skip=True)
    assert again.rows_added == 0
    assert (count(store, "sync_errors"), count(store, "quarantine")) == (2, 1)


def test_sync_errors_skip_invalid_quarantines_a_multiline_row_verbatim(store, tmp_path):
    bad = 'Record Level,yesterday,T,"{UNABLE_TO_LOCK_ROW:\nbusy, really}",Lead,9,00Q9'
    path = write_csv(tmp_path, "mixed.csv", ERRORS_HEADER, ROW_1, bad)
    run_import(store, "sync-errors", path, skip=True)
    ((line, raw),) = fetch(store, "SELECT line, raw FROM quarantine")
    assert line == 3
    assert raw.endswith(bad)


def test_sync_errors_skip_invalid_numbers_lines_right_after_a_ragged_row(store, tmp_path):
    path = write_csv(tmp_path, "mixed.csv", ERRORS_HEADER, ROW_1, "Record Level,x", BAD_DATE)
    run_import(store, "sync-errors", path, skip=True)
    assert fetch(store, "SELECT line, reason FROM quarantine ORDER BY line") == [
        (3, "expected 7 columns, found 2"),
        (4, f"Date/Time: expected {EXPECTED}"),
    ]


def test_sync_errors_skip_invalid_keeps_each_of_two_identical_ragged_rows(store, tmp_path):
    path = write_csv(tmp_path, "mixed.csv", ERRORS_HEADER, ROW_1, "truncated", ROW_2, "truncated")
    result = run_import(store, "sync-errors", path, skip=True)
    assert result.rows_quarantined == 2
    assert fetch(store, "SELECT line FROM quarantine ORDER BY line") == [(3,), (5,)]


# sync-status


def test_sync_status_keeps_the_exported_row(store, tmp_path):
    row = '11/20/2026 02:05 PM,11/20/2026 02:10 PM,Lead,Pull updates,Success,"1,234",5,0,2,1'
    run_import(store, "sync-status", write_csv(tmp_path, "s.csv", STATUS_HEADER, row))
    assert json.loads(fetch(store, "SELECT raw FROM sync_cycles")[0][0]) == {"csv": row}


@pytest.mark.parametrize(
    ("counts", "column"),
    [
        ("-1,0,0,0,0", "New"),
        ("0,0,0,1.5,0", "Failed Item"),
        ("0,lots,0,0,0", "Updated"),
    ],
)
def test_sync_status_count_that_is_not_a_whole_number_is_rejected(store, tmp_path, counts, column):
    path = write_csv(
        tmp_path, "s.csv", STATUS_HEADER, f"11/20/2026 02:05 PM,,Lead,Pull updates,Success,{counts}"
    )
    error = refusal(store, "sync-status", path)
    assert str(error) == f"{path}:2: {column}: expected a whole number >= 0"
    assert count(store, "sync_cycles") == 0


def test_sync_status_bad_started_at_is_rejected(store, tmp_path):
    path = write_csv(tmp_path, "s.csv", STATUS_HEADER, "soon,,Lead,Pull updates,Success,1,2,3,4,5")
    assert re.search(r":2: Started At: expected ", str(refusal(store, "sync-status", path)))


def test_sync_status_skip_invalid_quarantines_the_negative_row(store, tmp_path):
    path = write_csv(
        tmp_path,
        "s.csv",
        STATUS_HEADER,
        "11/20/2026 02:05 PM,,Lead,Pull updates,Success,1,2,3,4,5",
        "11/20/2026 02:06 PM,,Lead,Pull updates,Success,-1,2,3,4,5",
    )
    result = run_import(store, "sync-status", path, skip=True)
    assert (result.rows_added, result.rows_quarantined) == (1, 1)
    assert fetch(store, "SELECT line, reason FROM quarantine") == [
        (3, "New: expected a whole number >= 0")
    ]


# describe


def test_describe_of_real_account_stores_the_formula_field(store):
    result = run_import(store, "describe", ACCOUNT_DESCRIBE)
    assert (result.kind, result.rows_read, result.rows_added) == ("describe", 71, 71)
    assert fetch(
        store,
        "SELECT object, calculated, calculated_formula FROM field_inventory "
        "WHERE field = 'playgroundorg__Owners_Manager_Name__c'",
    ) == [("Account", True, "Owner.Manager.LastName + ', ' + Owner.Manager.FirstName")]
    assert fetch(store, "SELECT count(*) FROM field_inventory WHERE calculated") == [(1,)]


def test_describe_of_real_lead_stores_54_fields_none_calculated(store):
    result = run_import(store, "describe", LEAD_DESCRIBE)
    assert result.rows_added == 54
    assert fetch(
        store,
        "SELECT count(*), count(*) FILTER (calculated), min(object), max(object) "
        "FROM field_inventory",
    ) == [(54, 0, "Lead", "Lead")]
    assert fetch(store, "SELECT kind, scope, source FROM snapshots") == [
        ("describe", "Lead", "describe_import")
    ]


def test_describe_reimport_adds_nothing_and_keeps_one_snapshot(store):
    run_import(store, "describe", LEAD_DESCRIBE)
    again = run_import(store, "describe", LEAD_DESCRIBE)
    assert (again.rows_read, again.rows_added) == (54, 0)
    assert count(store, "snapshots") == 1
    assert count(store, "field_inventory") == 54


def test_describe_that_changed_is_stored_as_a_new_snapshot(store, tmp_path):
    run_import(store, "describe", LEAD_DESCRIBE)
    describe = json.loads(LEAD_DESCRIBE.read_text(encoding="utf-8"))
    describe["fields"] = describe["fields"][:-1]
    changed = tmp_path / "lead_changed.json"
    changed.write_text(json.dumps(describe), encoding="utf-8")
    assert run_import(store, "describe", changed).rows_added == 53
    assert count(store, "snapshots") == 2


def test_describe_reads_the_sf_cli_json_envelope(store, tmp_path):
    describe = json.loads(LEAD_DESCRIBE.read_text(encoding="utf-8"))
    path = tmp_path / "sf_describe.json"
    path.write_text(json.dumps({"status": 0, "result": describe, "warnings": []}), "utf-8")
    assert run_import(store, "describe", path).rows_added == 54
    assert fetch(store, "SELECT DISTINCT object FROM field_inventory") == [("Lead",)]


def test_describe_reads_a_list_of_describes(store, tmp_path):
    describes = [
        json.loads(p.read_text(encoding="utf-8")) for p in (ACCOUNT_DESCRIBE, LEAD_DESCRIBE)
    ]
    path = tmp_path / "both.json"
    path.write_text(json.dumps(describes), encoding="utf-8")
    result = run_import(store, "describe", path)
    assert (result.rows_read, result.rows_added) == (125, 125)
    assert fetch(store, "SELECT scope FROM snapshots ORDER BY scope") == [("Account",), ("Lead",)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param('{"name": "Lead", "fields": [', "not valid JSON", id="invalid-json"),
        pytest.param('{"name": "Lead"}', "fields: expected a non-empty list", id="missing-fields"),
        pytest.param('{"fields": []}', "name: expected the sObject API name", id="missing-name"),
        pytest.param('{"name": "Lead", "fields": [{"label": "x"}]}', "fields[0]", id="nameless"),
        pytest.param('"just a string"', "expected a JSON object", id="not-an-object"),
    ],
)
def test_describe_that_is_not_a_describe_names_the_file_and_stores_nothing(
    store, tmp_path, content, expected
):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    error = refusal(store, "describe", path)
    assert str(error).startswith(str(path))
    assert expected in str(error)
    assert count(store, "field_inventory") == 0
    assert count(store, "snapshots") == 0


# sync-stats


@pytest.mark.parametrize(
    ("kind", "header", "rows", "sql", "stored"),
    [
        pytest.param(
            "sync-status",
            STATUS_HEADER,
            [
                '11/20/2026 02:05 PM,11/20/2026 02:10 PM,Lead,Pull updates,Success,"1,234",5,0,2,1',
                "11/20/2026 02:05 PM,,Contact,Push updates,Success,1,5,0,2,",
                "11/20/2026 02:06 PM,11/20/2026 02:07 PM,Lead,Merge,Success,0,0,3,0,0",
            ],
            "SELECT instance, strftime(started_at, '%Y-%m-%d %H:%M'), "
            "strftime(ended_at, '%Y-%m-%d %H:%M'), object, operation, direction, status, "
            "new_count, updated_count, deleted_count, failed_count, skipped_count, source "
            "FROM sync_cycles ORDER BY started_at, object",
            [
                (
                    INSTANCE,
                    "2026-11-20 20:05",
                    None,
                    "Contact",
                    "Push updates",
                    "marketo_to_sfdc",
                    "Success",
                    1,
                    5,
                    0,
                    2,
                    None,  # blank: no count (issue 13), not 0
                    "sync_status_export",
                ),
                (
                    INSTANCE,
                    "2026-11-20 20:05",
                    "2026-11-20 20:10",
                    "Lead",
                    "Pull updates",
                    "sfdc_to_marketo",
                    "Success",
                    1234,
                    5,
                    0,
                    2,
                    1,
                    "sync_status_export",
                ),
                (
                    INSTANCE,
                    "2026-11-20 20:06",
                    "2026-11-20 20:07",
                    "Lead",
                    "Merge",
                    None,
                    "Success",
                    0,
                    0,
                    3,
                    0,
                    0,
                    "sync_status_export",
                ),
            ],
            id="sync-status_stores_cycles_with_counts_and_direction",
        ),
        pytest.param(
            "sync-stats",
            STATS_HEADER,
            [
                "2026-11-20T14:00:00Z,Lead,sfdc_to_marketo,backlog,1200",
                '2026-11-20 09:00:00,Contact,marketo_to_sfdc,Throughput,"1,500.5"',
            ],
            "SELECT instance, strftime(ts, '%Y-%m-%d %H:%M'), object, direction, metric, value, "
            "provenance FROM sync_stats ORDER BY object",
            [
                (
                    INSTANCE,
                    "2026-11-20 15:00",
                    "Contact",
                    "marketo_to_sfdc",
                    "throughput",
                    1500.5,
                    "reported",
                ),
                (
                    INSTANCE,
                    "2026-11-20 14:00",
                    "Lead",
                    "sfdc_to_marketo",
                    "backlog",
                    1200.0,
                    "reported",
                ),
            ],
            id="sync-stats_stores_points_as_reported",
        ),
    ],
)
def test_sync_status_and_stats_store_each_row_as_exported(
    store, tmp_path, kind, header, rows, sql, stored
):
    """Every row of a new export is read and added, times converted from the zone."""
    result = import_csv(store, tmp_path, kind, header, *rows, zone=CHICAGO)
    assert (result.kind, result.rows_read, result.rows_added) == (kind, len(rows), len(rows))
    assert fetch(store, sql) == stored


@pytest.mark.parametrize(
    ("kind", "header", "row", "table"),
    [
        (
            "sync-status",
            STATUS_HEADER,
            "11/20/2026 02:05 PM,,Lead,Pull updates,Success,1,2,3,4,5",
            "sync_cycles",
        ),
        (
            "sync-stats",
            STATS_HEADER,
            "2026-11-20T14:00:00Z,Lead,sfdc_to_marketo,backlog,1",
            "sync_stats",
        ),
    ],
    ids=["sync-status", "sync-stats"],
)
def test_sync_status_and_stats_reimport_adds_nothing(store, tmp_path, kind, header, row, table):
    path = write_csv(tmp_path, f"{kind}.csv", header, row)
    run_import(store, kind, path)
    assert run_import(store, kind, path).rows_added == 0
    assert count(store, table) == 1


def test_sync_stats_bad_direction_is_rejected_naming_the_column(store, tmp_path):
    path = write_csv(
        tmp_path, "stats.csv", STATS_HEADER, "2026-11-20T14:00:00Z,Lead,sideways,backlog,1"
    )
    error = refusal(store, "sync-stats", path)
    assert str(error) == f"{path}:2: direction: expected one of sfdc_to_marketo, marketo_to_sfdc"
    assert error.column == "direction"
    assert count(store, "sync_stats") == 0


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("2026-11-20T14:00:00Z,Lead,sfdc_to_marketo,backlog,-5", "value"),
        ("2026-11-20T14:00:00Z,Lead,sfdc_to_marketo,backlog,many", "value"),
        ("whenever,Lead,sfdc_to_marketo,backlog,1", "ts"),
        ("2026-11-20T14:00:00Z,Le ad,sfdc_to_marketo,backlog,1", "object"),
    ],
)
def test_sync_stats_invalid_value_is_rejected_naming_the_column(store, tmp_path, row, column):
    path = write_csv(tmp_path, "stats.csv", STATS_HEADER, row)
    assert re.search(rf"^{path}:2: {column}: ", str(refusal(store, "sync-stats", path)))


# permissions


def test_permissions_stores_object_and_field_access(store, tmp_path):
    result = import_csv(
        store,
        tmp_path,
        "permissions",
        PERMISSIONS_HEADER,
        "Lead,,true,true",
        "Lead,Lead.Lead_Score__c,true,false",
        "Lead,Rating,yes,yes",
        "Contact,Email,1,0",
    )
    assert (result.kind, result.rows_read, result.rows_added) == ("permissions", 4, 4)
    assert fetch(
        store,
        "SELECT instance, object, field, readable, editable FROM field_permissions "
        "ORDER BY object, field",
    ) == [
        (INSTANCE, "Contact", "Email", True, False),
        (INSTANCE, "Lead", "", True, True),
        (INSTANCE, "Lead", "Lead_Score__c", True, False),
        (INSTANCE, "Lead", "Rating", True, True),
    ]
    assert fetch(store, "SELECT kind, scope FROM snapshots ORDER BY scope") == [
        ("permissions", "Contact"),
        ("permissions", "Lead"),
    ]


def test_permissions_editable_but_not_readable_is_rejected(store, tmp_path):
    path = write_csv(
        tmp_path, "perms.csv", PERMISSIONS_HEADER, "Lead,Rating,true,true", "Lead,Email,false,true"
    )
    error = refusal(store, "permissions", path)
    assert str(error) == f"{path}:3: editable: a field cannot be editable but not readable"
    assert count(store, "field_permissions") == 0


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("Lead,Rating,maybe,false", "readable"),
        ("Le-ad,Rating,true,false", "object"),
        ("Lead,Rat ing,true,false", "field"),
    ],
)
def test_permissions_invalid_value_is_rejected_naming_the_column(store, tmp_path, row, column):
    path = write_csv(tmp_path, "perms.csv", PERMISSIONS_HEADER, "Lead,Email,true,false", row)
    assert re.search(rf"^{path}:3: {column}: ", str(refusal(store, "permissions", path)))


def test_permissions_column_without_any_valid_value_is_rejected_naming_it(store, tmp_path):
    path = write_csv(tmp_path, "perms.csv", PERMISSIONS_HEADER, "Lead,Rating,maybe,false")
    assert re.search(
        rf"^{path}:2: readable: expected true or false$", str(refusal(store, "permissions", path))
    )


def test_permissions_reimport_of_the_same_content_adds_nothing(store, tmp_path):
    path = write_csv(
        tmp_path, "perms.csv", PERMISSIONS_HEADER, "Lead,,true,true", "Lead,Rating,true,false"
    )
    run_import(store, "permissions", path)
    reordered = write_csv(
        tmp_path, "again.csv", PERMISSIONS_HEADER, "Lead,Lead.Rating,TRUE,FALSE", "Lead,,1,1"
    )
    assert run_import(store, "permissions", reordered).rows_added == 0
    assert (count(store, "field_permissions"), count(store, "snapshots")) == (2, 1)


def test_permissions_change_is_stored_as_a_new_snapshot(store, tmp_path):
    run_import(
        store, "permissions", write_csv(tmp_path, "a.csv", PERMISSIONS_HEADER, "Lead,Rating,1,1")
    )
    changed = write_csv(tmp_path, "b.csv", PERMISSIONS_HEADER, "Lead,Rating,1,0")
    assert run_import(store, "permissions", changed).rows_added == 1
    assert count(store, "snapshots") == 2
