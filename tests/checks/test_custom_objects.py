"""custom_objects: collected inflow of synced custom objects in a DuckDB store -> a finding for
the idle ones, silence for the busy ones, "not evaluated" until the history is long enough."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pandas as pd
import pytest

from checks import get_check
from checks.base import Finding, NotEvaluated
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import insert_frame
from tests.checks.harness import judge

CHECK = get_check("custom_objects")
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def series(
    store: Store, object_name: str, *, days: int = 40, total: float = 0.0, pushed: float = 0.0
) -> None:
    """Hourly inflow (changed by others) and sync throughput samples over the last `days` days;
    `total` and `pushed` records spread over the last 28 days."""
    hours = pd.date_range(NOW - timedelta(days=days), NOW, freq="h", inclusive="right", tz=UTC)
    recent = hours > NOW - timedelta(days=28)
    rows = []
    for metric, direction, amount in (
        ("inflow", "sfdc_to_marketo", total),
        ("throughput", "marketo_to_sfdc", pushed),
    ):
        values = [amount / recent.sum() if is_recent else 0.0 for is_recent in recent]
        rows.append(
            pd.DataFrame(
                {"ts": hours, "object": object_name, "direction": direction, "metric": metric}
            ).assign(value=values, provenance="reported")
        )
    with store.write() as con:
        insert_frame(con, "sync_stats", pd.concat(rows).assign(instance=INSTANCE))


def described(store: Store, object_name: str, records: int | None = None) -> None:
    """A describe snapshot of the object and, optionally, its daily record count."""
    at = NOW - timedelta(hours=5)
    with store.write() as con:
        con.execute(
            "INSERT INTO snapshots VALUES ($i, 'describe', $o, $at, 'h', 'salesforce')",
            {"i": INSTANCE, "o": object_name, "at": at},
        )
        if records is not None:
            fill = pd.DataFrame([(object_name, "Name__c", records, records)])
            fill.columns = ["object", "field", "records", "filled"]
            insert_frame(
                con, "field_fill", fill.assign(instance=INSTANCE, captured_at=at, source="t")
            )


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


def test_custom_objects_fires_on_a_synced_custom_object_nobody_changes(store: Store):
    series(store, "Webinar_Attendance__c", total=3, pushed=2)
    described(store, "Webinar_Attendance__c", records=18_400)
    finding = evaluate(store).findings["Webinar_Attendance__c"]
    assert isinstance(finding, Finding)
    assert finding.severity == "info" and finding.owner == "Marketo admin"
    assert finding.title == "Custom object Webinar_Attendance__c: 5 records changed in 28 days"
    assert "of its 18,400 records" in finding.detail
    assert "removing it from the sync" in finding.detail
    assert finding.evidence["changed_by_others"] == pytest.approx(3)
    assert finding.evidence["written_by_sync"] == pytest.approx(2)
    assert finding.evidence["records"] == 18_400


def test_custom_objects_is_silent_on_a_busy_custom_object_and_on_standard_objects(store: Store):
    series(store, "Product_Interest__c", total=900, pushed=40)
    series(store, "Lead", total=0)
    assert evaluate(store) == []


def test_custom_objects_counts_the_sync_s_own_writes_as_activity(store: Store):
    series(store, "Subscription__c", total=0, pushed=500)
    assert evaluate(store) == []


def test_custom_objects_with_too_short_a_history_is_not_evaluated(store: Store):
    series(store, "Webinar_Attendance__c", days=12)
    skipped = evaluate(store).skipped["Webinar_Attendance__c"]
    assert isinstance(skipped, NotEvaluated)
    assert skipped.reason == "only 12.0 days of inflow collected; 28 needed"
    assert "Webinar_Attendance__c" in evaluate(store, lookback_days=10).findings


def test_custom_objects_described_but_not_collected_is_not_evaluated(store: Store):
    described(store, "Partner_Referral__c")
    skipped = evaluate(store).skipped["Partner_Referral__c"]
    assert isinstance(skipped, NotEvaluated)
    assert "no inflow collected" in skipped.reason


def test_custom_objects_whose_collection_stopped_is_not_evaluated(store: Store):
    series(store, "Webinar_Attendance__c", days=90)
    with store.write() as con:
        con.execute("DELETE FROM sync_stats WHERE ts > $t", {"t": NOW - timedelta(days=29)})
    series(store, "Lead", days=1)  # the collector still reports up to NOW, for other objects
    skipped = evaluate(store).skipped["Webinar_Attendance__c"]
    assert isinstance(skipped, NotEvaluated) and "in 28 days" in skipped.reason


def test_custom_objects_skips_objects_kept_on_purpose(store: Store):
    series(store, "Webinar_Attendance__c")
    assert evaluate(store, ignore_objects=["Webinar_Attendance__c"]) == []


def test_custom_objects_threshold_is_a_setting(store: Store):
    series(store, "Webinar_Attendance__c", total=40)
    assert evaluate(store) == []
    assert isinstance(evaluate(store, max_changed_records=50)[0], Finding)


def test_custom_objects_through_the_runner_opens_one_finding_per_idle_object(store: Store):
    series(store, "Webinar_Attendance__c", total=1)
    series(store, "Product_Interest__c", total=900)
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [
        ("Webinar_Attendance__c", "opened")
    ]
