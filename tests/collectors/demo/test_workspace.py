"""The demo workspace tells its story through the real store and the real checks."""

from __future__ import annotations

import json
from datetime import timedelta

from monitor.actions import build_demo
from monitor.collectors.demo.workspace import build_demo as simulate_demo
from monitor.runner import open_findings
from monitor.store import Store
from tests.conftest import DEMO_NOW


def subjects(findings: list[dict], check: str) -> set[str]:
    return {f["subject"] for f in findings if f["check"] == check}


def test_demo_opens_the_findings_its_story_contains(demo_store: Store):
    findings = open_findings(demo_store)
    assert subjects(findings, "backlog_spike") == {"Contact/sfdc_to_marketo"}
    assert {"Lead.Lead_Score__c", "Lead.Lead_Status_Reason__c", "Lead.Rating", "Campaign"} == (
        subjects(findings, "permission_failures")
    )
    assert "Lead.Lead_Age_Days__c" in subjects(findings, "formula_fields")
    assert all(f["instance"] == "demo" for f in findings)


def test_demo_spike_names_the_mass_update_as_likely_cause(demo_store: Store):
    spike = next(f for f in open_findings(demo_store) if f["check"] == "backlog_spike")
    cause = spike["evidence"]["likely_cause"]
    assert cause["modifier"].startswith("ops.admin@acme.example")
    assert cause["field"] == "Contact.Contact_Score__c"
    assert spike["severity"] == "critical"


def test_demo_nightly_batch_never_opens_a_spike(demo_store: Store):
    with demo_store.read() as con:
        spiked = con.execute(
            "SELECT DISTINCT subject FROM findings WHERE check_id = 'backlog_spike'"
        ).fetchall()
    # Account has a nightly batch every day and no incident: it must never have fired.
    assert ("Account/sfdc_to_marketo",) not in spiked


def test_demo_history_holds_a_resolved_lead_spike(demo_store: Store):
    with demo_store.read() as con:
        transitions = con.execute(
            "SELECT e.transition FROM finding_events e JOIN findings f USING (fingerprint) "
            "WHERE f.subject = 'Lead/sfdc_to_marketo' ORDER BY e.changed_at"
        ).fetchall()
    assert [t[0] for t in transitions] == ["opened", "resolved"]


def test_demo_is_deterministic_for_a_seed(tmp_path):
    counts = []
    for name in ("a", "b"):
        store = Store(tmp_path / f"{name}.duckdb")
        # The simulation alone: the checks' replay reads these facts, it does not make them.
        simulate_demo(store, days=10, seed=3, now=DEMO_NOW)
        with store.read() as con:
            stats = con.execute("SELECT count(*), sum(value) FROM sync_stats").fetchone()
            errors = con.execute("SELECT count(*), min(error_id) FROM sync_errors").fetchone()
        counts.append(stats + errors)
    assert counts[0] == counts[1]


def test_demo_rebuild_replaces_rather_than_duplicates(demo_store: Store):
    with demo_store.read() as con:
        before = con.execute("SELECT count(*) FROM sync_errors").fetchone()[0]
    build_demo(demo_store, now=DEMO_NOW + timedelta(hours=1))
    with demo_store.read() as con:
        after_errors = con.execute("SELECT count(*) FROM sync_errors").fetchone()[0]
        latest = con.execute("SELECT strftime(max(ts), '%H:%M') FROM sync_stats").fetchone()[0]
    assert abs(after_errors - before) < before * 0.2
    assert latest == "16:00"


def test_demo_rows_are_labelled_as_demo(demo_store: Store):
    with demo_store.read() as con:
        provenance = con.execute("SELECT DISTINCT provenance FROM sync_stats").fetchall()
        sources = con.execute("SELECT DISTINCT source FROM sync_errors").fetchall()
        is_demo = con.execute("SELECT is_demo FROM instances WHERE instance = 'demo'").fetchone()
        raw = con.execute("SELECT raw FROM sync_errors LIMIT 1").fetchone()[0]
    assert provenance == [("demo",)]
    assert sources == [("demo",)]
    assert is_demo == (True,)
    assert json.loads(raw)["demo"] is True


def test_demo_score_churn_names_the_account_score_and_its_buckets(demo_store: Store):
    churn = next(f for f in open_findings(demo_store) if f["check"] == "score_churn")
    assert churn["subject"] == "Account Score"
    assert churn["evidence"]["median_step"] == 1.0
    assert churn["evidence"]["recommended_buckets"] == ["0–25", "26–50", "51–75", "76–100"]
    assert churn["evidence"]["top_sources"][0]["source"] == "Web service API"
    assert subjects(open_findings(demo_store), "score_churn") == {"Account Score"}


def test_demo_task_volume_names_the_nurture_emails(demo_store: Store):
    tasks = next(f for f in open_findings(demo_store) if f["check"] == "task_volume")
    top = tasks["evidence"]["marketo"]["top_subjects"][0]["subject"]
    assert top == "Was Sent Email: Weekly Product Digest"
    assert tasks["evidence"]["salesforce"]["share"] >= 0.3


def test_demo_marketo_activities_are_labelled_and_counted_from_the_rows(demo_store: Store):
    with demo_store.read() as con:
        sources = con.execute("SELECT DISTINCT source FROM marketo_activities").fetchall()
        rows, counted = con.execute(
            "SELECT (SELECT count(*) FROM marketo_activities), "
            "(SELECT sum(activities) FROM activity_counts)"
        ).fetchone()
        types = {
            t
            for (t,) in con.execute("SELECT DISTINCT activity_type FROM activity_counts").fetchall()
        }
    assert sources == [("demo",)]
    assert rows == counted
    assert {"Sync Lead to SFDC", "Sync Lead Updates to SFDC", "Push Lead to Marketo"} <= types
