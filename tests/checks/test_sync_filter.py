"""sync_filter: real Lead/Contact describes, collected inflow and modifiers in a DuckDB store ->
a finding when the inflow is large (with or without a filter field), silence when it is not."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from functools import partial

import pandas as pd

from checks import get_check
from checks.base import Finding, NotEvaluated
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import insert_frame
from monitor.store.snapshots import write_describe_snapshot
from tests.checks.harness import judge
from tests.standins.salesforce import load_fixture

CHECK = get_check("sync_filter")
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
NIGHTLY = "Nightly Enrichment (integration user) (005000000000009AAA)"
DANA = "Dana Whitfield (005000000000002AAA)"


def with_checkbox(describe: dict, name: str, label: str) -> dict:
    """A describe plus one custom checkbox, cloned from the real IsConverted flags."""
    describe = copy.deepcopy(describe)
    template = next(f for f in describe["fields"] if f["type"] == "boolean")
    field = copy.deepcopy(template)
    field.update(name=name, label=label, custom=True, updateable=True, createable=True)
    describe["fields"].append(field)
    return describe


def describe(store: Store, *describes: dict) -> None:
    with store.write() as con:
        for body in describes:
            write_describe_snapshot(con, INSTANCE, body, NOW - timedelta(days=10), "salesforce")


def lead() -> dict:
    return load_fixture("sobject_describe_lead_v59.json")


def contact() -> dict:
    return load_fixture("sobject_describe_contact.json")


def inflow(store: Store, per_day: float, *, days: int = 8, object_name: str = "Lead") -> None:
    """Hourly inflow samples of `per_day` records a day over the last `days` days."""
    hours = pd.date_range(NOW - timedelta(days=days), NOW, freq="h", inclusive="right", tz=UTC)
    frame = pd.DataFrame(
        {
            "ts": hours,
            "object": object_name,
            "direction": "sfdc_to_marketo",
            "metric": "inflow",
            "value": per_day / 24,
            "provenance": "reported",
        }
    )
    with store.write() as con:
        insert_frame(con, "sync_stats", frame.assign(instance=INSTANCE))


def modifiers(store: Store, changes: dict[str, float], object_name: str = "Lead") -> None:
    frame = pd.DataFrame(
        {
            "ts": NOW - timedelta(days=1),
            "object": object_name,
            "modifier": list(changes),
            "field": "",
            "changes": [int(n) for n in changes.values()],
            "provenance": "reported",
        }
    )
    with store.write() as con:
        insert_frame(con, "change_counts", frame.assign(instance=INSTANCE))


def value_counts(store: Store, field: str, counts: dict[str, int]) -> None:
    frame = pd.DataFrame({"object": "Lead", "field": field, "value": list(counts)})
    frame["records"] = list(counts.values())
    with store.write() as con:
        insert_frame(
            con,
            "field_value_counts",
            frame.assign(instance=INSTANCE, captured_at=NOW - timedelta(hours=2), source="t"),
        )


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


def test_sync_filter_fires_when_a_large_inflow_meets_no_filter_field(store: Store):
    describe(store, lead(), contact())
    inflow(store, 12_000)
    modifiers(store, {NIGHTLY: 42_000, DANA: 30_000})
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert finding.subject == "sync filter"
    assert finding.severity == "info"
    assert finding.owner == "Marketo admin"
    assert finding.title.startswith("No custom sync filter field while 12,000 records a day")
    assert finding.evidence["filter_fields"] == []
    assert finding.evidence["batch_users"] == {NIGHTLY: 42_000.0}
    # 42,000 of the 7 days' 84,000 changes: the share a filter could remove at most.
    assert finding.evidence["removable_share_upper_bound"] == 0.5
    assert "upper bound" in finding.detail


def test_sync_filter_is_silent_on_a_small_inflow(store: Store):
    describe(store, lead(), contact())
    inflow(store, 800)
    modifiers(store, {NIGHTLY: 2_000, DANA: 3_600})
    assert evaluate(store) == []


def test_sync_filter_reports_how_much_an_existing_do_not_sync_box_keeps_out(store: Store):
    describe(store, with_checkbox(lead(), "Do_Not_Sync_to_Marketo__c", "Do Not Sync to Marketo"))
    inflow(store, 12_000)
    modifiers(store, {NIGHTLY: 42_000})
    value_counts(store, "Do_Not_Sync_to_Marketo__c", {"true": 300, "false": 9_700})
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert finding.title.startswith("Sync filter Lead.Do_Not_Sync_to_Marketo__c in place")
    usage = finding.evidence["filter_fields"][0]
    assert usage["excluding_value"] == "true"
    assert (usage["left_out"], usage["records"], usage["left_out_share"]) == (300, 10_000, 0.03)
    assert "keeps 300 of 10,000 records (3%) out of the sync" in finding.detail


def test_sync_filter_reads_a_marketo_sync_box_as_true_keeps_the_record(store: Store):
    describe(store, with_checkbox(lead(), "Marketo_Sync__c", "Marketo Sync"))
    inflow(store, 12_000)
    value_counts(store, "Marketo_Sync__c", {"true": 7_000, "false": 3_000})
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    usage = finding.evidence["filter_fields"][0]
    assert (usage["excluding_value"], usage["left_out"]) == ("false", 3_000)


def test_sync_filter_says_when_the_use_of_a_filter_is_not_counted_yet(store: Store):
    describe(store, with_checkbox(lead(), "SyncToMarketo__c", "Sync To Marketo"))
    inflow(store, 12_000)
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert finding.evidence["filter_fields"] == [
        {"field": "Lead.SyncToMarketo__c", "excluding_value": "false", "counted": False}
    ]
    assert "not counted yet" in finding.detail


def test_sync_filter_ignores_a_text_field_named_like_a_filter(store: Store):
    body = lead()
    text = copy.deepcopy(next(f for f in body["fields"] if f["name"] == "Title"))
    text.update(name="Do_Not_Sync_Reason__c", label="Do Not Sync Reason", custom=True)
    body["fields"].append(text)
    describe(store, body)
    inflow(store, 12_000)
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert finding.evidence["filter_fields"] == []


def test_sync_filter_without_a_describe_is_not_evaluated(store: Store):
    inflow(store, 12_000)
    [skipped] = evaluate(store)
    assert isinstance(skipped, NotEvaluated)
    assert "no describe of Lead or Contact" in skipped.reason


def test_sync_filter_without_recent_inflow_is_not_evaluated(store: Store):
    describe(store, lead())
    [skipped] = evaluate(store)
    assert isinstance(skipped, NotEvaluated)
    assert "no inflow collected" in skipped.reason


def test_sync_filter_with_less_than_a_day_of_inflow_is_not_evaluated(store: Store):
    describe(store, lead())
    hours = pd.date_range(NOW - timedelta(hours=5), NOW, freq="h", inclusive="right", tz=UTC)
    frame = pd.DataFrame(
        {"ts": hours, "object": "Lead", "direction": "sfdc_to_marketo", "metric": "inflow"}
    ).assign(value=50_000.0, provenance="reported", instance=INSTANCE)
    with store.write() as con:
        insert_frame(con, "sync_stats", frame)
    [skipped] = evaluate(store)
    assert isinstance(skipped, NotEvaluated)
    assert "less than a day" in skipped.reason


def test_sync_filter_through_the_runner_opens_one_finding(store: Store):
    describe(store, lead(), contact())
    inflow(store, 6_000, object_name="Lead")
    inflow(store, 6_000, object_name="Contact")
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [("sync filter", "opened")]
