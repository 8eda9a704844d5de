"""The weekly report's Salesforce section lists the fields the reconciliation sample found
different in Marketo, with the likely reason and the fix, and never an unmasked value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.report.build import build_report
from monitor.report.files import write_report
from monitor.runner import run_checks
from monitor.store import Store
from tests.reconciliation_samples import SECRET_EMAIL, write_sample

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_the_salesforce_section_lists_a_stale_formula_and_masks_values(tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    write_sample(store, NOW, stale_tier=12, wrong_email=10)
    run_checks(store, "prod", NOW)
    report = build_report(store, week="2026-W47", instance="prod", now=NOW + timedelta(days=5))
    table = report.instances[0].section("salesforce").table("reconciliation").frame
    assert list(table["subject"]) == ["Lead: stale formula", "Lead: values differ"]
    assert table.iloc[0]["fields"] == "Account_Tier__c"
    assert "SystemModstamp" in table.iloc[0]["likely reason"]
    html = write_report(report, "html", tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Lead: stale formula" in html
    assert SECRET_EMAIL not in html and "jane.private" not in html
