"""Marketo's exports as Adobe documents them, imported with the real CLI (`python -m monitor
import`). Values come from fixtures/real/marketo/sync_status_object_and_operation_types_doc.md
(object labels, operations, N/A counts of Update FKS) and sync_errors_fields_doc.md (the four
documented Sync Errors columns). No real export file is public: the rows are built from those
documented values, in the layout of DESIGN §3.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from monitor.store import Store
from tests.conftest import REAL_FIXTURES
from tests.test_cli import monitor

STATUS_HEADER = (
    "Started At,Ended At,Object,Operation,Status,New,Updated,Deleted,Failed Item,Skipped"
)
ERRORS_HEADER = "Failed On,Date/Time,Error Type,Error Details"


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_sync_status_labels_become_api_names_and_documented_placeholders_no_counts(tmp_path):
    db = tmp_path / "m.duckdb"
    export = tmp_path / "sync-status.csv"
    export.write_text(
        "\n".join(
            [
                STATUS_HEADER,
                "11/20/2026 01:00 PM,11/20/2026 01:02 PM,Person (Lead),Pull updates,"
                "Succeeded,10,20,0,0,5",
                "11/20/2026 01:02 PM,11/20/2026 01:03 PM,Person,Push updates,Succeeded,0,7,0,1,0",
                "11/20/2026 01:03 PM,11/20/2026 01:04 PM,Campaigns,Sync with program,"
                "Succeeded,1,0,0,0,0",
                "11/20/2026 01:04 PM,11/20/2026 01:05 PM,Tasks,Push new,Succeeded,4,0,0,0,0",
                "11/20/2026 01:05 PM,11/20/2026 01:06 PM,Campaign Members,Pull updates,"
                "Succeeded,0,3,0,0,0",
                # Update FKS runs for all objects; Adobe lists its counts as N/A.
                "11/20/2026 01:06 PM,11/20/2026 01:06 PM,Person (Lead),Update FKS,"
                "Succeeded,N/A,N/A,N/A,N/A,N/A",
                "11/20/2026 01:07 PM,11/20/2026 01:08 PM,Contact,Pull deletes,Succeeded,-,,3,0,",
                "11/20/2026 01:08 PM,11/20/2026 01:09 PM,My Object__c,Pull updates,"
                "Succeeded,1,1,0,0,0",
            ]
        )
        + "\n"
    )

    result = monitor("import", "sync-status", str(export), "--tz", "UTC", db=db)

    assert result.returncode == 0, result.stderr
    assert "8 rows read, 8 new" in result.stdout
    assert rows(
        db,
        "SELECT object, operation, new_count, updated_count, deleted_count, failed_count, "
        "skipped_count, raw->>'$.csv' LIKE '%Person (Lead)%' FROM sync_cycles "
        "ORDER BY started_at",
    ) == [
        ("Lead", "Pull updates", 10, 20, 0, 0, 5, True),  # the export's label stays in raw
        ("Lead", "Push updates", 0, 7, 0, 1, 0, False),
        ("Campaign", "Sync with program", 1, 0, 0, 0, 0, False),
        ("Task", "Push new", 4, 0, 0, 0, 0, False),
        ("CampaignMember", "Pull updates", 0, 3, 0, 0, 0, False),
        ("Lead", "Update FKS", None, None, None, None, None, True),
        ("Contact", "Pull deletes", None, None, 3, 0, None, False),
        ("My Object__c", "Pull updates", 1, 1, 0, 0, 0, False),
    ]
    # The Salesforce -> Marketo backlog estimate finds the last completed pull of Lead.
    basis = Store(db).query(
        "salesforce_backlog_basis", instance="default", now=datetime(2026, 11, 20, 14, tzinfo=UTC)
    )
    pulls = dict(zip(basis["object"], basis["last_pull_end"], strict=True))
    assert str(pulls["Lead"]) == "2026-11-20 13:02:00+00:00"
    assert set(pulls) == {"Lead", "CampaignMember", "Contact", "My Object__c"}


def test_a_count_that_is_no_documented_placeholder_is_still_refused(tmp_path):
    export = tmp_path / "sync-status.csv"
    export.write_text(
        STATUS_HEADER + "\n11/20/2026 01:00 PM,,Person,Pull updates,Succeeded,many,0,0,0,0\n"
    )
    result = monitor("import", "sync-status", str(export), db=tmp_path / "m.duckdb")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {export}:2: New: expected a whole number >= 0"
    ]


def test_export_times_in_every_plausible_spelling_of_the_locale_import(tmp_path):
    db = tmp_path / "m.duckdb"
    us = tmp_path / "us.csv"
    spellings = [
        "11/20/2026 02:05 PM",  # Marketo's UI
        "1/5/2026 2:05 PM",  # a spreadsheet drops leading zeros
        "1/5/2026 2:05:30 pm",
        "01/05/2026 14:05",
        "1/5/26 14:05:30",
        "2026-01-05 14:05",
        "2026-01-05 14:05:30",
        "2026-01-05T14:05:30Z",
    ]
    us.write_text(
        ERRORS_HEADER
        + "\n"
        + "".join(
            f"Record Level,{at},Failed to update SFDC,STRING_TOO_LONG: Title: data value too "
            f"large ({n})\n"
            for n, at in enumerate(spellings)
        )
    )
    day_first = tmp_path / "eu.csv"
    day_first.write_text(
        ERRORS_HEADER + "\n"
        "Record Level,20/11/2026 14:05,Failed to update SFDC,STRING_TOO_LONG: x (eu 1)\n"
        "Record Level,5.1.2026 2:05 PM,Failed to update SFDC,STRING_TOO_LONG: x (eu 2)\n"
    )

    assert monitor("import", "sync-errors", str(us), "--tz", "UTC", db=db).returncode == 0
    refused = monitor("import", "sync-errors", str(day_first), "--tz", "UTC", db=db)
    taken = monitor(
        "import", "sync-errors", str(day_first), "--tz", "UTC", "--date-order", "dmy", db=db
    )

    assert taken.returncode == 0, taken.stderr
    assert sorted(
        r[0] for r in rows(db, "SELECT strftime(occurred_at, '%Y-%m-%d %H:%M:%S') FROM sync_errors")
    ) == [
        "2026-01-05 14:05:00",
        "2026-01-05 14:05:00",
        "2026-01-05 14:05:00",
        "2026-01-05 14:05:00",
        "2026-01-05 14:05:30",
        "2026-01-05 14:05:30",
        "2026-01-05 14:05:30",
        "2026-01-05 14:05:30",
        "2026-11-20 14:05:00",
        "2026-11-20 14:05:00",
    ]
    # Month first (the default) cannot read 20/11/2026: one line naming what is accepted.
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith(f"error: {day_first}:2: Date/Time: expected a date/time such as ")
    assert "11/20/2026 02:05 PM" in line and "--date-order" in line and "ISO 8601" in line


def test_date_order_from_the_config_reads_day_first_exports(tmp_path):
    export = tmp_path / "eu.csv"
    export.write_text(ERRORS_HEADER + "\nJob Level,20/11/2026 14:05,Failed,UNKNOWN_EXCEPTION\n")
    db = tmp_path / "m.duckdb"
    result = monitor("import", "sync-errors", str(export), db=db, env={"MONITOR_DATE_ORDER": "dmy"})
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT strftime(occurred_at, '%d %b %Y') FROM sync_errors") == [
        ("20 Nov 2026",)
    ]
    wrong = monitor("import", "sync-errors", str(export), db=db, env={"MONITOR_DATE_ORDER": "ymd"})
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines() == ["error: date_order: 'ymd': expected mdy or dmy"]


def test_a_partial_describe_never_hides_what_a_full_one_told(tmp_path):
    # Editor tooling writes describes without calculated/updateable/createable: the real
    # Account describe (with a formula field) with those keys taken out stands for one.
    full = REAL_FIXTURES / "salesforce" / "sobject_describe_account_with_formula_field_v53.json"
    describe = json.loads(full.read_text())
    for item in describe["fields"]:
        for key in ("calculated", "updateable", "createable"):
            item.pop(key, None)
    partial = tmp_path / "account-from-editor.json"
    partial.write_text(json.dumps(describe))
    db = tmp_path / "m.duckdb"

    assert monitor("import", "describe", str(full), db=db).returncode == 0
    result = monitor("import", "describe", str(partial), db=db)

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"warning: {partial}: Account: a partial describe (fields without calculated, "
        "updateable, createable); the earlier, fuller snapshot is kept"
    ]
    fields = Store(db).query("field_inventory_latest", instance="default", now=datetime.now(UTC))
    formula = fields[fields["field"] == "playgroundorg__Owners_Manager_Name__c"]
    assert formula["calculated"].tolist() == [True]
    assert formula["updateable"].tolist() == [False]
