"""duplicate_leads: daily duplicate counts in a real DuckDB store -> findings, with the values
masked wherever a finding goes (alerts, reports, check --json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial

import pandas as pd

from checks import get_check
from checks.base import Finding, NotEvaluated
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import insert_frame
from tests.checks.harness import judge
from tests.conftest import collector_reaches

CHECK = get_check("duplicate_leads")
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
COUNTED_AT = NOW - timedelta(hours=3)
WORST = [
    ("jane.doe@acme.com", 6),
    ("bob@globex.example", 4),
    ("s.smith@initech.example", 3),
]


def write_count(
    store: Store,
    duplicated: int,
    *,
    values: list[tuple[str, int]] = WORST,
    at: datetime = COUNTED_AT,
    capped: bool = False,
    lead_records: int | None = 20_000,
) -> None:
    """One daily count of duplicated Lead emails, as the collector's hygiene pass stores it."""
    shared = sum(n for _, n in values) + 2 * (duplicated - len(values))
    frames = {
        "duplicate_summary": pd.DataFrame(
            [("Lead", "Email", duplicated, shared, capped)],
            columns=["object", "field", "duplicated_values", "records", "is_capped"],
        ),
        "duplicate_values": pd.DataFrame(
            [("Lead", "Email", v, n) for v, n in values],
            columns=["object", "field", "value", "records"],
        ),
    }
    with store.write() as con:
        for table, frame in frames.items():
            insert_frame(con, table, frame.assign(instance=INSTANCE, captured_at=at, source="t"))
        if lead_records is not None:
            con.execute(
                "INSERT INTO snapshots VALUES ($i, 'describe', 'Lead', $at, 'h', 't')",
                {"i": INSTANCE, "at": at},
            )
            fill = pd.DataFrame([("Lead", "Email", lead_records, lead_records - 100)])
            fill.columns = ["object", "field", "records", "filled"]
            insert_frame(
                con, "field_fill", fill.assign(instance=INSTANCE, captured_at=at, source="t")
            )


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


def test_duplicate_leads_fires_on_many_shared_emails_with_the_worst_masked(store: Store):
    write_count(store, 37)
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert finding.subject == "Lead.Email"
    assert finding.severity == "warning"
    assert finding.owner == "Salesforce admin"
    assert finding.evidence["duplicated_values"] == 37
    assert finding.evidence["records"] == 13 + 2 * 34
    assert finding.evidence["object_records"] == 20_000
    assert finding.evidence["worst"] == [
        {"value": "j***@acme.com", "records": 6},
        {"value": "b***@globex.example", "records": 4},
        {"value": "s***@initech.example", "records": 3},
    ]
    assert "37 Email values" in finding.title
    assert "j***@acme.com (6)" in finding.detail
    assert "most recently updated" in finding.detail


def test_duplicate_leads_never_puts_a_full_email_in_a_finding(store: Store):
    write_count(store, 37)
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    text = finding.title + finding.detail + json.dumps(finding.evidence)
    assert all(value not in text for value, _ in WORST)
    assert "jane.doe" not in text


def test_duplicate_leads_is_silent_below_the_minimum(store: Store):
    write_count(store, 3)
    assert evaluate(store) == []
    [finding] = evaluate(store, min_duplicated_values=3)
    assert isinstance(finding, Finding) and finding.evidence["worst"]


def test_duplicate_leads_says_at_least_when_salesforce_capped_the_groups(store: Store):
    write_count(store, 2000, capped=True)
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert finding.title.startswith("Lead: at least 2,000 Email values")
    assert finding.evidence["is_lower_bound"] is True


def test_duplicate_leads_without_a_count_is_not_evaluated(store: Store):
    [skipped] = evaluate(store)
    assert isinstance(skipped, NotEvaluated)
    assert skipped.subject == "Lead.Email"
    assert "no duplicate count" in skipped.reason


def test_duplicate_leads_with_a_count_older_than_max_age_is_not_evaluated(store: Store):
    write_count(store, 37, at=NOW - timedelta(days=4))
    collector_reaches(
        store, INSTANCE, NOW
    )  # the collector runs up to NOW: only the count is 4 days old
    [skipped] = evaluate(store)
    assert isinstance(skipped, NotEvaluated) and skipped.subject == "Lead.Email"
    [finding] = evaluate(store, max_age_hours=24 * 5)
    assert isinstance(finding, Finding)


def test_duplicate_leads_reports_only_the_latest_count(store: Store):
    write_count(store, 37, at=NOW - timedelta(days=1, hours=3))
    write_count(store, 4, values=WORST[:1], at=COUNTED_AT)  # merged since
    assert evaluate(store) == []


def test_duplicate_leads_samples_as_many_values_as_asked(store: Store):
    write_count(store, 37)
    [finding] = evaluate(store, sample_values=1)
    assert isinstance(finding, Finding)
    assert finding.evidence["worst"] == [{"value": "j***@acme.com", "records": 6}]


def test_duplicate_leads_through_the_runner_keeps_the_json_feed_masked(store: Store):
    write_count(store, 37)
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [("Lead.Email", "opened")]
    opened = store.query("findings_open", instance=INSTANCE)
    stored = " ".join(str(value) for value in opened.iloc[0].tolist())
    assert "j***@acme.com" in stored and "jane.doe@acme.com" not in stored
