"""reconciliation: a stored daily sample in a real DuckDB store -> findings per object and
likely reason, with mismatch rates, Wilson intervals and masked values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from checks.reconciliation import wilson
from monitor.alerts.dispatch import process_alerts
from monitor.config import Config
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.harness import NOT_EVALUATED, SILENT, judge
from tests.conftest import collector_reaches
from tests.reconciliation_samples import SECRET_EMAIL, sfdc_id, write_sample
from tests.standins.webhook import WebhookReceiver
from tests.sync_errors import write_errors

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_a_clean_sample_stays_silent(store: Store):
    write_sample(store, NOW)
    outcomes = judge("reconciliation", store, now=NOW)
    assert outcomes.findings == {}
    assert outcomes.outcome("Lead: stale formula") == SILENT


def test_a_stale_formula_is_found_by_sampling_with_its_rate_and_interval(store: Store):
    write_sample(store, NOW, stale_tier=12)
    outcomes = judge("reconciliation", store, now=NOW)
    finding = outcomes.finding("Lead: stale formula")
    assert finding.severity == "warning"
    assert finding.owner == "Salesforce admin"
    (field,) = finding.evidence["fields"]
    assert (field["field"], field["compared"], field["mismatched"]) == ("Account_Tier__c", 100, 12)
    assert field["ci_low"] < 0.12 < field["ci_high"]
    assert field["samples"][0]["marketo_id"] == "5000"
    assert field["samples"][0]["salesforce_value"] == "G***"
    assert "SystemModstamp" in finding.detail and "Account_Tier__c 12% of 100" in finding.detail


def test_a_field_hidden_from_the_sync_user_is_its_own_cause(store: Store):
    write_sample(store, NOW, stale_tier=0, wrong_email=9, hidden=("Email",))
    outcomes = judge("reconciliation", store, now=NOW)
    finding = outcomes.finding("Lead: hidden from the sync user")
    assert finding.evidence["cause"] == "hidden"
    assert [f["field"] for f in finding.evidence["fields"]] == ["Email"]
    assert "permission set Read" in finding.evidence["fix"]


def test_a_difference_the_sync_logged_an_error_for_is_a_rejected_value(store: Store):
    sampled_at = write_sample(store, NOW, wrong_email=6)
    write_errors(
        store,
        [
            (
                sampled_at - timedelta(days=1),
                "Lead",
                "INVALID_EMAIL_ADDRESS",
                sfdc_id("Lead", n)[:15],
            )
            for n in range(6)
        ],
    )
    outcomes = judge("reconciliation", store, now=NOW)
    assert outcomes.severities == {"Lead: rejected value": "info"}


def test_records_changed_after_marketos_last_update_are_stuck_in_the_backlog(store: Store):
    write_sample(store, NOW, behind=7)
    finding = judge("reconciliation", store, now=NOW).finding("Lead: stuck in the backlog")
    assert finding.evidence["cause"] == "backlog"
    assert [f["field"] for f in finding.evidence["fields"]] == ["Company"]
    assert "Backlog page" in finding.evidence["fix"]


def test_unexplained_differences_go_to_the_marketo_admin(store: Store):
    write_sample(store, NOW, wrong_email=8)
    finding = judge("reconciliation", store, now=NOW).finding("Lead: values differ")
    assert finding.owner == "Marketo admin"


def test_a_few_differences_within_chance_stay_silent(store: Store):
    # 2 of 100: the interval's lower end (0.6 %) is below the 2 % threshold.
    write_sample(store, NOW, stale_tier=2)
    assert judge("reconciliation", store, now=NOW).findings == {}


def test_an_old_sample_is_not_evaluated(store: Store):
    write_sample(store, NOW - timedelta(days=3), stale_tier=20)
    collector_reaches(store, "prod", NOW)  # the collector goes on; no new sample was taken
    outcomes = judge("reconciliation", store, now=NOW)
    assert outcomes.outcome("Lead: reconciliation") == NOT_EVALUATED


def test_wilson_interval_holds_the_rate_and_stays_in_bounds():
    assert wilson(0, 50)[0] == 0.0
    low, high = wilson(12, 100)
    assert low == pytest.approx(0.0699, abs=1e-3) and high == pytest.approx(0.1984, abs=1e-3)
    assert wilson(5, 5)[1] == 1.0


def test_a_masked_value_never_appears_in_a_finding_or_the_store_findings(store: Store):
    write_sample(store, NOW, stale_tier=0, wrong_email=10)
    run_checks(store, "prod", NOW)
    outcomes = judge("reconciliation", store, now=NOW)
    text = json.dumps([o.__dict__ for o in outcomes], default=str)
    assert "j***@initech.example" in text
    assert SECRET_EMAIL not in text
    with store.read() as con:
        stored = con.execute(
            "SELECT title, detail, CAST(evidence AS VARCHAR) FROM findings"
        ).fetchall()
    assert "j***@initech.example" in str(stored)
    assert SECRET_EMAIL not in str(stored)
    assert "jane.private" not in str(stored)


def test_a_masked_value_never_appears_in_the_alert_sent(store: Store):
    write_sample(store, NOW, wrong_email=10)
    run_checks(store, "prod", NOW)
    with WebhookReceiver() as receiver:
        config = Config(alert_urls=(receiver.apprise_url("hooks/reconciliation"),))
        process_alerts(store, config, NOW + timedelta(minutes=5), secrets={})
        sent = json.dumps(receiver.payloads)
    assert "Lead: values differ" in sent
    assert SECRET_EMAIL not in sent and "jane.private" not in sent
