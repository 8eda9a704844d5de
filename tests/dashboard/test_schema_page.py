"""The Schema guard page on a real store: a type change made in Salesforce shows with who made
it, Marketo's consequence and what to do before the next sync; a clean store says so."""

from __future__ import annotations

from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.test_schema_drift import (
    BEFORE_AT,
    CHECK,
    INSTANCE,
    LEAD,
    NOW,
    describe,
    type_change,
)
from tests.dashboard.pages import open_page


def test_schema_guard_lists_a_type_change_with_its_author_and_fix(tmp_path, dashboard):
    store = Store(tmp_path / "monitor.duckdb")

    type_change(store, tmp_path)
    run_checks(store, INSTANCE, NOW, checks=[CHECK])
    app = open_page(dashboard(store.path), "schema")
    assert "Schema guard" in [t.value for t in app.title]
    assert next(m.value for m in app.metric if m.label == "Fields at risk") == "1"
    [table] = [d.value for d in app.dataframe]
    row = table.iloc[0]
    assert row["field"] == "Lead.NumberofLocations__c"
    assert row["kind"] == "type_changed"
    assert row["changed_by"] == "j.smith@acme.example"
    assert "deletes every value" in row["marketo_consequence"]


def test_schema_guard_on_a_store_without_drift_says_nothing_is_at_risk(tmp_path, dashboard):
    store = Store(tmp_path / "monitor.duckdb")
    describe(store, tmp_path, LEAD, BEFORE_AT)
    run_checks(store, INSTANCE, NOW, checks=[CHECK])
    app = open_page(dashboard(store.path), "schema")
    assert any("No schema change" in s.value for s in app.success)
