"""permission_failures on a real DuckDB file, fed through the public import paths: a Marketo
Sync Errors CSV, a sync-user permissions CSV and real Salesforce describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from checks import get_check
from checks.base import NotEvaluated
from checks.permission_failures import grant_for
from monitor.collectors.exports import import_file
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.harness import judge
from tests.conftest import (
    ACCOUNT_DESCRIBE,
    export_reaches,
    import_describes,
)
from tests.sync_errors import ERRORS_HEADER, export_line

CHECK = get_check("permission_failures")
INSTANCE = "prod"
SNAPSHOT_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

SCORE_DENIED = (
    '"INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: Lead_Score__c. '
    "Please check the security settings of this field and verify that it is read/write for "
    'your profile or permission set."'
)
LOCKED = '"UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record"'
PERMISSIONS_HEADER = "object,field,readable,editable"


def import_csv(
    store: Store, tmp_path: Path, kind: str, header: str, *rows: str, at: datetime = SNAPSHOT_AT
) -> None:
    """Import a CSV as if at `at`: snapshots are stamped with the moment of their import."""
    path = tmp_path / f"{kind}.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    import_file(store, kind, path, instance=INSTANCE, zone=ZoneInfo("UTC"), now=at)


def import_errors(store: Store, tmp_path: Path, *rows: str) -> None:
    import_csv(store, tmp_path, "sync-errors", ERRORS_HEADER, *rows)


def import_permission_rows(
    store: Store, tmp_path: Path, *rows: str, at: datetime = SNAPSHOT_AT
) -> None:
    import_csv(store, tmp_path, "permissions", PERMISSIONS_HEADER, *rows, at=at)


describe = partial(import_describes, at=SNAPSHOT_AT, instance=INSTANCE)
evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


def score_errors(start: datetime) -> tuple[str, ...]:
    """Three failures on two leads (one retried), and a lock error that is not about access."""
    return (
        export_line(start, SCORE_DENIED, "1001", "00Q5e00000AAAA1"),
        export_line(start + timedelta(hours=1), SCORE_DENIED, "1002", "00Q5e00000AAAA2"),
        export_line(start + timedelta(hours=2), SCORE_DENIED, "1001", "00Q5e00000AAAA1"),
        export_line(start + timedelta(hours=2), LOCKED, "1003", "00Q5e00000AAAA3"),
    )


def test_permission_failures_groups_sync_errors_by_object_and_field(store, tmp_path):
    import_errors(store, tmp_path, *score_errors(NOW - timedelta(hours=5)))
    found = evaluate(store).findings
    assert list(found) == ["Lead.Lead_Score__c"]
    finding = found["Lead.Lead_Score__c"]
    evidence = finding.evidence
    assert evidence["errors"] == 3
    assert evidence["records"] == 2
    assert evidence["sample_record_ids"] == ["00Q5e00000AAAA1", "00Q5e00000AAAA2"]
    assert evidence["codes"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert evidence["first_seen"].startswith("2026-11-20 10:00:00")
    assert evidence["last_seen"].startswith("2026-11-20 12:00:00")
    assert "Lead.Lead_Score__c" in evidence["grant"]
    assert evidence["grant"] == grant_for("Lead", "Lead_Score__c", needs_edit=True)
    assert "Read and Edit" in evidence["grant"]
    assert finding.severity == "warning"  # 2 records < critical_records (10)
    assert finding.owner == "Salesforce admin"
    assert evidence["grant"] in finding.detail


def test_permission_failures_is_critical_at_critical_records(store, tmp_path):
    import_errors(store, tmp_path, *score_errors(NOW - timedelta(hours=5)))
    found = evaluate(store, critical_records=2).findings
    assert found["Lead.Lead_Score__c"].severity == "critical"


def test_permission_failures_ignores_errors_older_than_lookback_hours(store, tmp_path):
    import_errors(store, tmp_path, *score_errors(NOW - timedelta(hours=30)))
    export_reaches(store, INSTANCE, NOW)  # the export runs up to NOW: its errors are 28-30 h old
    assert evaluate(store).findings == {}
    assert list(evaluate(store, lookback_hours=48).findings) == ["Lead.Lead_Score__c"]


def test_permission_failures_flags_a_readable_not_editable_field_on_a_write_object(store, tmp_path):
    import_permission_rows(
        store, tmp_path, "Lead,,true,true", "Lead,Rating,true,false", "Lead,Email,true,true"
    )
    found = evaluate(store).findings
    assert list(found) == ["Lead.Rating"]
    finding = found["Lead.Rating"]
    assert finding.evidence["permission_snapshot"] == {
        "readable": True,
        "editable": False,
        "captured_at": str(finding.evidence["permission_snapshot"]["captured_at"]),
    }
    assert finding.evidence["permission_snapshot"]["captured_at"].startswith("2026-11-20 06:00")
    assert finding.evidence["grant"] == grant_for("Lead", "Rating", needs_edit=True)
    assert "can read but not edit" in finding.title


def test_permission_failures_flags_an_unreadable_synced_object(store, tmp_path):
    import_permission_rows(store, tmp_path, "Campaign,,false,false", "Lead,,true,true")
    found = evaluate(store).findings
    assert list(found) == ["Campaign"]
    # Adobe's requirements: the sync user needs create/read/edit on Campaign, not only read.
    assert found["Campaign"].evidence["grant"] == (
        "Grant Read, Create and Edit on the Campaign object to the sync user "
        "(Setup > Permission Sets > sync user's permission set > Object Settings > Campaign)."
    )


@pytest.mark.parametrize(
    "row",
    [
        pytest.param("Account,Rating,true,false", id="read_only_field_on_a_read_only_object"),
        pytest.param("Lead,Rating,true,true", id="editable_field"),
        pytest.param("Case,,false,false", id="unreadable_object_that_is_not_synced"),
        pytest.param("CampaignMember,,true,false", id="read_only_object_the_sync_need_not_edit"),
    ],
)
def test_permission_failures_leaves_access_the_sync_does_not_need(store, tmp_path, row: str):
    import_permission_rows(store, tmp_path, row)
    assert evaluate(store).findings == {}


def test_permission_failures_flags_a_write_object_the_sync_user_cannot_edit(store, tmp_path):
    import_permission_rows(store, tmp_path, "Lead,,true,false")
    found = evaluate(store).findings
    assert list(found) == ["Lead"]
    assert "Read, Create and Edit on the Lead object" in found["Lead"].evidence["grant"]


def test_permission_failures_does_not_ask_to_edit_a_formula_field(store, tmp_path):
    describe(store, ACCOUNT_DESCRIBE)
    import_permission_rows(
        store,
        tmp_path,
        "Account,playgroundorg__Owners_Manager_Name__c,true,false",
        "Account,Rating,true,false",
    )
    # Account made a write object so that only the formula rule keeps the formula quiet.
    found = evaluate(store, write_objects=["Lead", "Contact", "Account"]).findings
    assert list(found) == ["Account.Rating"]


def test_permission_failures_merges_an_error_and_the_snapshot_on_the_same_field(store, tmp_path):
    import_errors(store, tmp_path, *score_errors(NOW - timedelta(hours=5)))
    import_permission_rows(store, tmp_path, "Lead,Lead_Score__c,true,false")
    found = evaluate(store).findings
    assert list(found) == ["Lead.Lead_Score__c"]
    evidence = found["Lead.Lead_Score__c"].evidence
    assert evidence["errors"] == 3
    assert evidence["permission_snapshot"]["editable"] is False


def test_permission_failures_without_a_permission_snapshot_is_not_evaluated(store, tmp_path):
    import_errors(store, tmp_path, *score_errors(NOW - timedelta(hours=5)))
    results = evaluate(store)
    skipped = [r for r in results if isinstance(r, NotEvaluated)]
    assert [(s.subject, s.reason) for s in skipped] == [
        ("permissions", "no permission snapshot of the sync user yet")
    ]
    # The errors still speak for themselves.
    assert list(results.findings) == ["Lead.Lead_Score__c"]


def test_permission_failures_through_the_runner_resolves_once_the_grant_is_made(store, tmp_path):
    import_permission_rows(store, tmp_path, "Lead,Rating,true,false")
    run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert store.query("findings_open", instance=INSTANCE)["subject"].tolist() == ["Lead.Rating"]

    granted_at = SNAPSHOT_AT + timedelta(hours=12)
    import_permission_rows(store, tmp_path, "Lead,Rating,true,true", at=granted_at)
    summary = run_checks(store, INSTANCE, granted_at + timedelta(hours=1), checks=[CHECK])

    assert [(t.subject, t.transition) for t in summary.transitions] == [("Lead.Rating", "resolved")]
    assert store.query("findings_open", instance=INSTANCE).empty


@pytest.mark.parametrize(
    ("row", "subject", "gap"),
    [
        pytest.param(
            "Account,,true,false",
            "Account",
            "can read but not edit the object",
            id="account_needs_edit",
        ),
        pytest.param(
            "Task,,false,false", "Task", "cannot read the object", id="task_needs_read_and_edit"
        ),
        pytest.param(
            "Account,Type,true,false",
            "Account.Type",
            "can read but not edit the field",
            id="account_type_needs_edit",
        ),
    ],
)
def test_permission_failures_flags_adobes_required_access(store, tmp_path, row, subject, gap):
    import_permission_rows(store, tmp_path, row)
    found = evaluate(store).findings
    assert list(found) == [subject]
    assert gap in found[subject].title
