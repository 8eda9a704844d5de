"""formula_fields on real describes, imported through the public import path into DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from checks import get_check
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.harness import judge
from tests.conftest import ACCOUNT_DESCRIBE, LEAD_DESCRIBE, import_describes

CHECK = get_check("formula_fields")
INSTANCE = "prod"
DESCRIBED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
NOW = DESCRIBED_AT + timedelta(hours=2)
OWNERS_MANAGER = "Account.playgroundorg__Owners_Manager_Name__c"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "monitor.duckdb")


describe = partial(import_describes, at=DESCRIBED_AT, instance=INSTANCE)
evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


def test_formula_fields_finds_the_formula_on_the_real_account_describe(store: Store):
    describe(store, ACCOUNT_DESCRIBE)
    found = evaluate(store).findings
    assert list(found) == [OWNERS_MANAGER]
    finding = found[OWNERS_MANAGER]
    assert finding.check == "formula_fields"
    assert finding.severity == "warning"
    assert finding.owner == "Salesforce admin"
    assert finding.evidence["object"] == "Account"
    assert finding.evidence["field"] == "playgroundorg__Owners_Manager_Name__c"
    assert finding.evidence["type"] == "string"
    assert finding.evidence["formula"] == (
        "Owner.Manager.LastName + ', ' + Owner.Manager.FirstName"
    )
    assert finding.evidence["described_at"].startswith("2026-11-20 06:00:00")
    assert OWNERS_MANAGER in finding.title


def test_formula_fields_finds_nothing_on_the_real_lead_describe_without_formulas(store: Store):
    describe(store, LEAD_DESCRIBE)
    results = evaluate(store)
    assert results.findings == {}
    assert "Lead" not in results.skipped


def test_formula_fields_ignores_objects_outside_the_objects_setting(store: Store):
    describe(store, ACCOUNT_DESCRIBE, LEAD_DESCRIBE)
    results = evaluate(store, objects=["Lead", "Contact"])
    assert results.findings == {}
    assert set(results.skipped) == {"Contact"}


def test_formula_fields_skips_fields_listed_in_ignore_fields(store: Store):
    describe(store, ACCOUNT_DESCRIBE)
    assert evaluate(store, ignore_fields=[OWNERS_MANAGER]).findings == {}


@pytest.mark.parametrize(
    ("imported", "expect_not_evaluated"),
    [
        pytest.param((), {"Lead", "Contact", "Account", "Opportunity", "Campaign"}, id="none"),
        pytest.param(
            (LEAD_DESCRIBE,), {"Contact", "Account", "Opportunity", "Campaign"}, id="lead"
        ),
        pytest.param(
            (LEAD_DESCRIBE, ACCOUNT_DESCRIBE), {"Contact", "Opportunity", "Campaign"}, id="both"
        ),
    ],
)
def test_formula_fields_an_object_without_describe_is_not_evaluated(
    store: Store, imported: tuple[Path, ...], expect_not_evaluated: set[str]
):
    describe(store, *imported)
    skipped = evaluate(store).skipped
    assert set(skipped) == expect_not_evaluated
    assert all("no describe" in s.reason for s in skipped.values())


def test_formula_fields_ignores_a_describe_taken_after_now(store: Store):
    describe(store, ACCOUNT_DESCRIBE)
    results = evaluate(store, now=DESCRIBED_AT - timedelta(minutes=1))
    assert results.findings == {}
    assert "Account" in results.skipped


def test_formula_fields_through_the_runner_opens_one_finding_per_formula(store: Store):
    describe(store, ACCOUNT_DESCRIBE, LEAD_DESCRIBE)
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [(OWNERS_MANAGER, "opened")]
    opened = store.query("findings_open", instance=INSTANCE)
    assert opened["fingerprint"].tolist() == [f"formula_fields|{INSTANCE}|{OWNERS_MANAGER}"]
    assert "Owner.Manager.LastName" in opened["evidence"].iloc[0]
