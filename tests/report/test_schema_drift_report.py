"""The weekly report's Salesforce section lists the week's schema changes with who made them,
Marketo's consequence and the fix, from the schema_drift findings in a real store."""

from __future__ import annotations

from datetime import timedelta

from monitor.report.build import build_report
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.test_schema_drift import CHECK, INSTANCE, NOW, api_rename


def test_the_salesforce_section_lists_the_weeks_schema_changes(tmp_path):
    store = Store(tmp_path / "monitor.duckdb")

    api_rename(store, tmp_path)
    run_checks(store, INSTANCE, NOW, checks=[CHECK])
    report = build_report(store, week="2026-W47", instance=INSTANCE, now=NOW + timedelta(days=5))
    table = report.instances[0].section("salesforce").table("schema-drift").frame
    assert list(table["field"]) == ["Lead.SICCode__c"]
    row = table.iloc[0]
    assert row["kind"] == "renamed"
    assert row["changed by"] == "j.smith@acme.example"
    assert "creates a new field" in row["marketo consequence"]
    assert "revert the API name" in row["before next sync"]
