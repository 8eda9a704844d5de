"""Incidents: findings that share a cause are one incident, told in plain words; unrelated
findings stay apart; the grouping is deterministic."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from checks import get_check
from checks.base import cause_key
from monitor.collectors.salesforce.audit import audit_rows
from monitor.incidents import group_findings, incident_id, open_incidents
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import ensure_instance, insert_frame
from monitor.store.snapshots import write_permission_snapshot
from monitor.store.sync_errors import write_sync_errors
from tests.cli import environment_without, run_monitor
from tests.conftest import export_reaches

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CHANGE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def finding(check: str, subject: str, severity: str = "warning", **evidence) -> dict:
    return {
        "check": check,
        "severity": severity,
        "subject": subject,
        "title": f"{check} on {subject}",
        "detail": f"{check} found something on {subject}.",
        "owner": "Marketo admin",
        "first_seen": "2026-11-20 10:00:00+00:00",
        "last_seen": "2026-11-20 12:00:00+00:00",
        "status": "open",
        "evidence": evidence,
        "instance": "prod",
        "fingerprint": f"{check}|prod|{subject}",
    }


def profile_change(store: Store) -> None:
    """At CHANGE a profile edit takes edit on two Lead fields and read on Campaign from the
    sync user (the Setup Audit Trail names it), and updates of both fields fail after it."""
    before, after = CHANGE - timedelta(days=1), CHANGE
    fields = ["Lead_Score__c", "Rating"]
    with store.write() as con:
        ensure_instance(con, "prod")
        lead_then = [("", True, True)] + [(f, True, True) for f in fields]
        lead_now = [("", True, True)] + [(f, True, False) for f in fields]
        write_permission_snapshot(con, "prod", "Lead", lead_then, before, "test")
        write_permission_snapshot(con, "prod", "Lead", lead_now, after, "test")
        campaign_then = [("", True, True), ("Status", True, True)]
        write_permission_snapshot(con, "prod", "Campaign", campaign_then, before, "test")
        write_permission_snapshot(con, "prod", "Campaign", [("", False, False)], after, "test")
        # As the collector writes a SetupAuditTrail record.
        audit = {
            "Id": "0Ym000000000001",
            "CreatedDate": "2026-11-20T08:58:00.000+0000",
            "CreatedBy": {"Username": "j.doe@acme.example"},
            "Action": "profileFlsChanged",
            "Section": "Profiles",
            "Display": "Changed field-level security for Lead: Rating from Read/Write to Read "
            "Only on profile Marketo Sync",
        }
        insert_frame(con, "audit_events", audit_rows("prod", [audit]))
        errors = pd.DataFrame(
            {
                "occurred_at": [CHANGE + timedelta(minutes=m) for m in range(30)],
                "object": "Lead",
                "failed_on": "Record",
                "marketo_id": [str(100 + m) for m in range(30)],
                "sfdc_id": [f"00Q{m:015d}" for m in range(30)],
                "error_type": "Failed to update SFDC",
                "error_details": [
                    "INSUFFICIENT_ACCESS_OR_READONLY: Unable to create/update fields: "
                    f"{fields[m % 2]}. Please check the security settings of this field."
                    for m in range(30)
                ],
            }
        )
        write_sync_errors(con, "prod", errors, source="test", raw_sql="NULL")


def test_a_profile_change_is_one_incident_whatever_the_checks_found(store: Store):
    profile_change(store)
    export_reaches(store, "prod", NOW)
    checks = [get_check("permission_failures"), get_check("sync_user_drift")]
    run_checks(store, "prod", NOW, checks=checks)

    [incident] = open_incidents(store, "prod")

    found = {(f["check"], f["subject"]) for f in incident.findings}
    assert ("permission_failures", "Lead.Rating") in found
    assert ("sync_user_drift", "Lead.Lead_Score__c") in found
    assert ("sync_user_drift", "Campaign") in found
    assert incident.kind == "access_change"
    assert incident.cause_key == "access_change:2026-11-20 09:00:00+00:00"
    assert incident.title == (
        "The Marketo Sync profile lost edit on 2 Lead fields and read on Campaign at "
        "2026-11-20 09:00 UTC, changed by j.doe@acme.example; 30 updates failed since "
        "2026-11-20 09:00 UTC"
    )
    assert incident.fix.startswith(
        "Restore edit on Lead.Lead_Score__c and Lead.Rating; read on Campaign to the sync user"
    )
    assert incident.started_at == CHANGE
    assert incident.impact["failed_updates"] == 30
    assert incident.owner == "Salesforce admin" and incident.severity == "critical"


def test_a_mass_update_seen_in_both_directions_is_one_incident_naming_its_cause():
    cause = {"modifier": "ops.admin", "field": "Contact_Score__c", "changes": 60000, "share": 0.99}
    key = cause_key("mass_update", "ops.admin", "Contact_Score__c", "2026-11-20")
    spikes = [
        finding(
            "backlog_spike",
            f"Contact/{direction}",
            "critical",
            object="Contact",
            direction=direction,
            start="2026-11-20 09:00:00+00:00",
            current=current,
            likely_cause=cause,
            cause_key=key,
        )
        for direction, current in (("sfdc_to_marketo", 30000), ("marketo_to_sfdc", 1200))
    ]

    [incident] = group_findings(spikes)

    assert incident.kind == "mass_update"
    assert incident.title == (
        "ops.admin changed Contact_Score__c on 60,000 Contact records from 2026-11-20 09:00 UTC; "
        "31,200 records wait in the Contact backlog (Marketo → Salesforce and Salesforce → "
        "Marketo)"
    )
    assert incident.impact["backlog"] == 31200
    assert incident.impact["hours_behind"] == 3.0  # judged at 12:00, waiting since 09:00
    assert "ask ops.admin to run such updates off-hours" in incident.fix


def test_one_outage_is_one_incident_and_the_next_outage_is_another():
    since = "2026-11-20 08:00:00+00:00"
    down = finding(
        "source_down",
        "salesforce",
        "critical",
        source="salesforce",
        quiet_minutes=240.0,
        cause_key=cause_key("outage", "salesforce", since),
    )
    also = finding(
        "silent_sync", "sync", cause_key=cause_key("outage", "salesforce", since), silent_minutes=5
    )
    next_week = finding(
        "stale_data",
        "Sync Errors export",
        source="Sync Errors export",
        cause_key=cause_key("outage", "salesforce", "2026-11-27 08:00:00+00:00"),
    )
    next_week["fingerprint"] = "stale_data|prod|later"

    first, second = group_findings([next_week, down, also])

    assert {f["check"] for f in first.findings} == {"source_down", "silent_sync"}
    assert first.started_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert first.impact["hours_behind"] == 4.0
    assert [f["check"] for f in second.findings] == ["stale_data"]


def test_two_unrelated_findings_stay_apart_and_keep_their_own_words():
    formula = finding("formula_fields", "Lead.Age__c")
    rule = finding("validation_rule_failures", "Lead: Email rule", errors=12, records=9)

    incidents = group_findings([formula, rule])

    assert len(incidents) == 2
    assert {i.kind for i in incidents} == {"finding"}
    by_title = {i.title: i for i in incidents}
    assert by_title["validation_rule_failures on Lead: Email rule"].impact["failed_updates"] == 12
    assert by_title["formula_fields on Lead.Age__c"].fix.startswith("If Marketo does not need")


def test_grouping_is_deterministic_whatever_the_order():
    findings = [
        finding("formula_fields", f"Lead.F{n}__c", cause_key=None if n % 2 else "x") for n in (1, 2)
    ]
    findings += [finding("validation_rule_failures", "Lead: r", "critical")]
    one = [(i.id, [f["fingerprint"] for f in i.findings]) for i in group_findings(findings)]
    two = [(i.id, [f["fingerprint"] for f in i.findings]) for i in group_findings(findings[::-1])]
    assert one == two
    assert one[0][0] == incident_id("prod", "finding:validation_rule_failures|prod|Lead: r")


def test_the_demo_has_one_incident_for_the_profile_change_and_one_for_the_contact_flood(
    demo_store: Store,
):
    incidents = open_incidents(demo_store, "demo")

    access = [i for i in incidents if i.kind == "access_change"]
    assert len(access) == 1
    checks = {f["check"] for f in access[0].findings}
    assert checks == {"permission_failures", "sync_user_drift"}
    assert len(access[0].findings) >= 10
    assert "profile lost edit on 3 Lead fields and read on Campaign" in access[0].title
    flood = [i for i in incidents if i.kind == "mass_update"]
    assert len(flood) == 1
    assert "Contact_Score__c" in flood[0].title and "Data Loader" in flood[0].title
    # The two criticals come first; every open finding is in exactly one incident.
    assert [i.severity for i in incidents[:2]] == ["critical", "critical"]
    with demo_store.read() as con:
        [(open_count,)] = con.execute(
            "SELECT count(*) FROM findings WHERE status = 'open' AND instance = 'demo'"
        ).fetchall()
    assert sum(len(i.findings) for i in incidents) == open_count


def test_the_incidents_verb_lists_open_incidents_as_text_and_json(demo_template: Path, tmp_path):
    copy = tmp_path / "demo.duckdb"
    copy.write_bytes(demo_template.read_bytes())
    env = environment_without("MONITOR_")
    env["MONITOR_DB"] = str(copy)

    def run(*args: str) -> subprocess.CompletedProcess:
        return run_monitor("incidents", *args, env=env)

    text = run("--instance", "demo")
    assert text.returncode == 0, text.stderr
    assert "profile lost edit on 3 Lead fields and read on Campaign" in text.stdout
    assert "Fix: Restore edit on Lead.Lead_Score__c" in text.stdout
    assert text.stdout.strip().splitlines()[-1].endswith("findings)")

    listed = json.loads(run("--json").stdout)
    assert listed[0]["severity"] == "critical"
    assert {"id", "title", "started_at", "owner", "impact", "cause", "fix", "findings"} <= set(
        listed[0]
    )
    unknown = run("--instance", "nope")
    assert unknown.returncode == 1 and "no instance 'nope'" in unknown.stderr
