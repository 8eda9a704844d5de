"""The Fields page's reconciliation section on a real store: a stale formula found by the
sample shows with its rate, interval, reason and cost, and no unmasked value reaches the page;
the default demo shows its two stale formulas."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.runner import run_checks
from monitor.store import Store
from tests.dashboard.pages import open_page
from tests.reconciliation_samples import SECRET_EMAIL, write_sample

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def seed_describe(store: Store) -> None:
    """A describe snapshot, so the page gets past its 'no describe' notice."""
    with store.write() as con:
        con.execute(
            "INSERT INTO snapshots VALUES ('prod', 'describe', 'Lead', $at, 'h', 't')",
            {"at": NOW},
        )
        con.execute(
            "INSERT INTO field_inventory (instance, object, field, label, type, captured_at, "
            "calculated, updateable, createable, is_custom) VALUES ('prod', 'Lead', "
            "'Account_Tier__c', 'Account Tier', 'string', $at, true, false, false, true)",
            {"at": NOW},
        )


def test_the_fields_page_shows_a_stale_formula_found_by_sampling(tmp_path, dashboard):
    store = Store(tmp_path / "monitor.duckdb")
    seed_describe(store)
    write_sample(store, NOW, stale_tier=12, wrong_email=0)
    run_checks(store, "prod", NOW)

    app = open_page(dashboard(store.path), "fields")

    assert "Reconciliation sample: the same data on both sides?" in [s.value for s in app.subheader]
    assert any(
        "2 Salesforce API calls" in c.value and "3 Marketo calls" in c.value for c in app.caption
    )
    tables = {tuple(d.value.columns)[:2]: d.value for d in app.dataframe}
    findings = next(t for t in tables.values() if "likely_reason" in t.columns)
    assert findings.iloc[0]["subject"] == "Lead: stale formula"
    assert findings.iloc[0]["fields"] == "Account_Tier__c"
    rates = next(t for t in tables.values() if "ci_low" in t.columns)
    tier = rates[rates["field"] == "Account_Tier__c"].iloc[0]
    assert tier["rate"] == 0.12 and tier["ci_low"] < 0.12 < tier["ci_high"]
    shown = " ".join(str(d.value.to_dict()) for d in app.dataframe)
    assert SECRET_EMAIL not in shown


def test_the_default_demo_shows_its_stale_formulas(demo_store, dashboard):
    # The run's demo: the same build (build_demo, default days and seed) a first start makes.
    app = open_page(dashboard(demo_store.path), "fields")
    assert any("3 Marketo calls" in c.value for c in app.caption)
    findings = next(d.value for d in app.dataframe if "likely_reason" in d.value.columns)
    assert set(findings["subject"]) == {"Contact: stale formula", "Lead: stale formula"}
