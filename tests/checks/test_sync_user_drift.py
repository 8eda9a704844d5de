"""sync_user_drift on a real DuckDB file: permission snapshots imported through the public
permissions CSV import, Setup Audit Trail rows written the way the collector writes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from checks import sync_user_drift
from checks.base import NotEvaluated, check_from_module
from monitor.collectors.exports import import_file
from monitor.collectors.salesforce.audit import audit_rows, login_rows
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import insert_frame
from tests.checks.harness import Case, judge, scenario
from tests.conftest import collector_reaches

CHECK = check_from_module(sync_user_drift)
INSTANCE = "prod"
BEFORE_AT = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
CHANGED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
ADMIN = "j.smith@acme.example"
HEADER = "object,field,readable,editable"


def snapshot(store: Store, tmp_path: Path, at: datetime, *rows: str) -> None:
    """Import a sync user permissions CSV as if it were collected at `at`."""
    path = tmp_path / f"permissions-{at:%Y%m%d%H%M}.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    import_file(store, "permissions", path, instance=INSTANCE, zone=ZoneInfo("UTC"), now=at)


def audit_event(
    event_id: str, at: datetime, section: str, display: str, action: str = "PermSetFlsChanged"
) -> dict[str, Any]:
    """One SetupAuditTrail record as the REST API returns it."""
    return {
        "Id": event_id,
        "CreatedDate": f"{at:%Y-%m-%dT%H:%M:%S}.000+0000",
        "CreatedBy": {"Username": ADMIN},
        "Action": action,
        "Section": section,
        "Display": display,
    }


def record_audit(store: Store, *records: dict[str, Any]) -> None:
    with store.write() as con:
        insert_frame(con, "audit_events", audit_rows(INSTANCE, list(records)))


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


# The sync user's grants on Lead fields, as rows of a permissions snapshot.
RATING_EDITABLE = "Lead,Rating,true,true"
RATING_READ_ONLY = "Lead,Rating,true,false"
EMAIL_EDITABLE = "Lead,Email,true,true"

# Each case's facts: the (before, after) snapshots' rows.
CASES = [
    scenario(
        "flags_a_field_that_lost_edit_access",
        ((RATING_EDITABLE,), (RATING_READ_ONLY,)),
        {"Lead.Rating": "critical"},
    ),
    scenario(
        "flags_a_field_that_vanished_from_the_snapshot_as_lost",
        ((RATING_EDITABLE, EMAIL_EDITABLE), (EMAIL_EDITABLE,)),
        {"Lead.Rating": "critical"},
    ),
    scenario(
        "flags_an_object_that_lost_access_by_object_name",
        (("Campaign,,true,true",), ("Campaign,,false,false",)),
        {"Campaign": "critical"},
    ),
    scenario("stays_silent_when_nothing_changed", ((RATING_EDITABLE,), (RATING_EDITABLE,)), {}),
    scenario(
        "stays_silent_when_a_new_field_is_granted",
        (
            (RATING_EDITABLE, EMAIL_EDITABLE),
            (RATING_EDITABLE, EMAIL_EDITABLE, "Lead,Phone,true,true"),
        ),
        {},
    ),
    scenario(
        "stays_silent_on_gained_edit_access_by_default",
        ((RATING_READ_ONLY,), (RATING_EDITABLE,)),
        {},
    ),
    scenario(
        "reports_gained_access_as_info_with_report_gains",
        ((RATING_READ_ONLY,), (RATING_EDITABLE,)),
        {"Lead.Rating": "info"},
        report_gains=True,
    ),
    scenario(
        "keeps_a_loss_critical_with_report_gains",
        ((RATING_EDITABLE,), (RATING_READ_ONLY,)),
        {"Lead.Rating": "critical"},
        report_gains=True,
    ),
]


def judge_drift(
    store: Store,
    tmp_path: Path,
    before: tuple[str, ...],
    after: tuple[str, ...],
    now: datetime = NOW,
    **settings: Any,
) -> dict[str, str]:
    """{subject: severity} of the findings at `now` on a change from `before` to `after`."""
    snapshot(store, tmp_path, BEFORE_AT, *before)
    snapshot(store, tmp_path, CHANGED_AT, *after)
    # Snapshots taken up to the case's moment: nothing else changed.
    collector_reaches(store, INSTANCE, now)
    return evaluate(store, now=now, **settings).severities


@pytest.mark.parametrize("case", CASES)
def test_sync_user_drift_scenario(store: Store, tmp_path: Path, case: Case):
    assert judge_drift(store, tmp_path, *case.facts, **case.settings) == case.expect


@pytest.mark.parametrize(
    ("now", "expect"),
    [
        pytest.param(
            CHANGED_AT + timedelta(days=7, minutes=1),
            {},
            id="stays_silent_on_a_change_older_than_lookback_days",
        ),
        pytest.param(
            CHANGED_AT + timedelta(days=6, hours=23),
            {"Lead.Rating": "critical"},
            id="still_flags_a_loss_just_inside_lookback_days",
        ),
    ],
)
def test_sync_user_drift_judges_a_loss_within_lookback_days(
    store: Store, tmp_path: Path, now: datetime, expect: dict[str, str]
):
    found = judge_drift(store, tmp_path, (RATING_EDITABLE,), (RATING_READ_ONLY,), now=now)
    assert found == expect


def test_sync_user_drift_first_snapshot_alone_is_no_drift(store: Store, tmp_path: Path):
    # Read-only from the start: a gap for permission_failures, not a change.
    snapshot(store, tmp_path, CHANGED_AT, "Lead,Rating,true,false", "Campaign,,false,false")
    assert evaluate(store) == []


def test_sync_user_drift_without_any_snapshot_is_not_evaluated(store: Store):
    assert evaluate(store) == [
        NotEvaluated(
            "sync_user_drift", "permissions", "no permission snapshot of the sync user yet"
        )
    ]


def test_sync_user_drift_lost_and_restored_within_the_window_is_silent(store, tmp_path):
    snapshot(store, tmp_path, BEFORE_AT, "Lead,Rating,true,true")
    snapshot(store, tmp_path, BEFORE_AT + timedelta(days=1), "Lead,Rating,true,false")
    snapshot(store, tmp_path, CHANGED_AT, "Lead,Rating,true,true")
    assert evaluate(store).findings == {}


def test_sync_user_drift_compares_access_before_the_first_change_with_the_latest(store, tmp_path):
    snapshot(store, tmp_path, BEFORE_AT, "Lead,Rating,true,true")
    snapshot(store, tmp_path, BEFORE_AT + timedelta(days=1), "Lead,Rating,false,false")
    snapshot(store, tmp_path, CHANGED_AT, "Lead,Rating,true,false")  # read given back only
    lost = evaluate(store).finding("Lead.Rating")
    assert lost.severity == "critical"
    assert lost.title == "The sync user lost edit access to Lead.Rating"
    assert lost.evidence["changes"] == 2
    assert lost.evidence["previous_snapshot_at"].startswith("2026-11-18 06:00")
    assert lost.evidence["changed_at"].startswith("2026-11-20 06:00")
    # The cause is the snapshot that took the access away, not the one that gave read back.
    assert lost.evidence["cause_key"] == "access_change:2026-11-19 06:00:00+00:00"


def test_sync_user_drift_finding_names_the_access_before_and_after(store, tmp_path):
    snapshot(store, tmp_path, BEFORE_AT, "Lead,,true,true", "Lead,Lead_Score__c,true,true")
    snapshot(store, tmp_path, CHANGED_AT, "Lead,,true,true", "Lead,Lead_Score__c,false,false")
    lost = evaluate(store).finding("Lead.Lead_Score__c")
    assert lost.owner == "Salesforce admin"
    assert lost.title == "The sync user lost read access to Lead.Lead_Score__c"
    assert lost.evidence == {
        "object": "Lead",
        "field": "Lead_Score__c",
        "was_readable": True,
        "was_editable": True,
        "readable": False,
        "editable": False,
        "changed_at": "2026-11-20 06:00:00+00:00",
        "previous_snapshot_at": "2026-11-18 06:00:00+00:00",
        "changes": 1,
        "audit_events": [],
        "cause_key": "access_change:2026-11-20 06:00:00+00:00",
    }
    assert "went from read and edit to no access" in lost.detail
    assert "No Setup Audit Trail event" in lost.detail
    assert "dedicated permission set" in lost.detail


def test_sync_user_drift_shows_who_changed_it_from_the_audit_trail(store, tmp_path):
    snapshot(store, tmp_path, BEFORE_AT, "Lead,Rating,true,true", "Lead,Email,true,true")
    snapshot(store, tmp_path, CHANGED_AT, "Lead,Rating,true,false", "Lead,Email,true,true")
    hour = timedelta(hours=1)
    record_audit(
        store,
        audit_event(
            "0Ym01",
            CHANGED_AT - hour,
            "Manage Users",
            "Changed permission set Marketo Sync Fields: field-level security for Lead: Rating "
            "was changed from Read/Write to Read Only",
        ),
        audit_event(  # closer in time, but it does not name the field: listed after
            "0Ym02",
            CHANGED_AT - timedelta(minutes=10),
            "Manage Users",
            "Permission set Marketo Sync Fields: unassigned from user Marketo Sync",
            action="PermSetUnassign",
        ),
        audit_event(  # field-level security set on the field's page: a "Customize" section
            "0Ym03",
            CHANGED_AT - timedelta(minutes=90),
            "Customize Leads",
            "Changed Rating field-level security for profile Marketo Sync",
            action="changedFLS",
        ),
        audit_event(  # more than 2 hours before the snapshot
            "0Ym04",
            CHANGED_AT - 3 * hour,
            "Manage Users",
            "Changed profile Marketo Sync: field-level security for Lead: Rating",
        ),
        audit_event(  # near, but not about access
            "0Ym05",
            CHANGED_AT - hour,
            "Email Administration",
            "Changed email deliverability settings",
            action="emailDeliverability",
        ),
    )
    with store.write() as con:  # the sync user's logins share the table: never evidence
        login = {"Id": "0Ya01", "LoginTime": f"{CHANGED_AT:%Y-%m-%dT%H:%M:%S}.000+0000"}
        insert_frame(con, "audit_events", login_rows(INSTANCE, "sync@acme.example", [login]))

    lost = evaluate(store).finding("Lead.Rating")

    events = lost.evidence["audit_events"]
    assert [(e["detail"][:40], e["occurred_at"]) for e in events] == [
        ("Changed permission set Marketo Sync Fiel", "2026-11-20 05:00:00+00:00"),
        ("Changed Rating field-level security for ", "2026-11-20 04:30:00+00:00"),
        ("Permission set Marketo Sync Fields: unas", "2026-11-20 05:50:00+00:00"),
    ]
    assert events[0] == {
        "actor": ADMIN,
        "action": "PermSetFlsChanged",
        "section": "Manage Users",
        "detail": events[0]["detail"],
        "occurred_at": "2026-11-20 05:00:00+00:00",
    }
    assert f"Setup Audit Trail: {ADMIN} at 2026-11-20 05:00 UTC" in lost.detail
    assert "(2 more in the evidence)" in lost.detail
    assert list(evaluate(store).findings) == ["Lead.Rating"]  # Email did not change
    wider = evaluate(store, audit_match_hours=4).finding("Lead.Rating")
    assert len(wider.evidence["audit_events"]) == 4
    capped = evaluate(store, max_audit_events=1).finding("Lead.Rating")
    assert len(capped.evidence["audit_events"]) == 1


def test_sync_user_drift_through_the_runner_opens_then_resolves_after_restore(store, tmp_path):
    snapshot(store, tmp_path, BEFORE_AT, "Lead,Rating,true,true", "Campaign,,true,true")
    snapshot(store, tmp_path, CHANGED_AT, "Lead,Rating,true,false", "Campaign,,false,false")
    record_audit(
        store,
        audit_event(
            "0Ym10",
            CHANGED_AT - timedelta(minutes=30),
            "Profiles",
            "Changed Campaign object permissions on profile Marketo Sync User: removed Read",
            action="profileObjectPermsChanged",
        ),
    )

    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])

    assert summary.failed_checks == {}
    assert sorted((t.subject, t.transition, t.severity) for t in summary.transitions) == [
        ("Campaign", "opened", "critical"),
        ("Lead.Rating", "opened", "critical"),
    ]
    opened = store.query("findings_open", instance=INSTANCE).set_index("subject")
    campaign = json.loads(opened.loc["Campaign", "evidence"])
    assert campaign["audit_events"][0]["actor"] == ADMIN
    assert campaign["audit_events"][0]["section"] == "Profiles"

    restored_at = CHANGED_AT + timedelta(hours=12)
    snapshot(store, tmp_path, restored_at, "Lead,Rating,true,true")
    snapshot(store, tmp_path, restored_at, "Campaign,,true,true")
    summary = run_checks(store, INSTANCE, restored_at + timedelta(hours=1), checks=[CHECK])

    assert sorted((t.subject, t.transition) for t in summary.transitions) == [
        ("Campaign", "resolved"),
        ("Lead.Rating", "resolved"),
    ]
    assert store.query("findings_open", instance=INSTANCE).empty
