"""unused_fields: a real Lead describe with scripted custom fields, daily fill counts and
Marketo Change Data Value activities in a DuckDB store -> one finding per object listing the
fields that look unused; fill-only when the change history is too short."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from functools import partial

import pandas as pd
import pytest

from checks import get_check
from checks.base import Finding, NotEvaluated
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.activities import activity_frame, store_activities
from monitor.store.facts import insert_frame
from monitor.store.snapshots import write_describe_snapshot
from tests.checks.harness import judge
from tests.conftest import collector_reaches
from tests.standins.salesforce import lead_describe_with_formula

CHECK = get_check("unused_fields")
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
COUNTED_AT = NOW - timedelta(hours=4)
CUSTOM = {
    "Legacy_Region__c": "Legacy Region",
    "Lead_Score__c": "Lead Score",
    "Partner_Tier__c": "Partner Tier",
}
FILLED = {"Legacy_Region__c": 3, "Lead_Score__c": 4_200, "Partner_Tier__c": 3_100, "Fax": 0}


def lead_with_custom_fields() -> dict:
    """The real Lead describe, a formula field, and three custom text fields cloned from Title."""
    describe = lead_describe_with_formula("Lead_Age__c")
    title = next(f for f in describe["fields"] if f["name"] == "Title")
    for name, label in CUSTOM.items():
        field = copy.deepcopy(title)
        field.update(name=name, label=label, custom=True)
        describe["fields"].append(field)
    return describe


def describe(store: Store) -> None:
    with store.write() as con:
        write_describe_snapshot(
            con, INSTANCE, lead_with_custom_fields(), NOW - timedelta(days=1), "salesforce"
        )


def fill(store: Store, filled: dict[str, int] = FILLED, *, records: int = 5_000, at=COUNTED_AT):
    frame = pd.DataFrame({"field": list(filled), "filled": list(filled.values())})
    with store.write() as con:
        insert_frame(
            con,
            "field_fill",
            frame.assign(
                instance=INSTANCE, object="Lead", captured_at=at, records=records, source="t"
            ),
        )


def changes(store: Store, *changed: tuple[str, datetime]) -> None:
    """Change Data Value activities as Marketo's REST API returns them: the field's name as
    the primary attribute (a display name or a REST name)."""
    records = [
        {
            "marketoGUID": f"cdv-{index}",
            "leadId": 1000 + index,
            "activityDate": at.isoformat(),
            "activityTypeId": 13,
            "primaryAttributeValue": name,
            "attributes": [{"name": "New Value", "value": "x"}],
        }
        for index, (name, at) in enumerate(changed)
    ]
    frame = activity_frame(records, instance=INSTANCE, source="marketo_rest", received_at=NOW)
    with store.write() as con:
        store_activities(con, frame)


# Lead only, unless a test names more objects.
evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW, objects=["Lead"])


def flagged(finding: Finding) -> dict[str, list[str]]:
    return {f["field"]: f["reasons"] for f in finding.evidence["fields"]}


def test_unused_fields_flags_an_almost_empty_custom_field_on_fill_alone(store: Store):
    describe(store)
    fill(store)
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert finding.subject == "Lead"
    assert finding.severity == "info" and finding.owner == "Salesforce admin"
    assert flagged(finding) == {"Legacy_Region__c": ["filled on 0.06% of records (3)"]}
    assert finding.evidence["judged_on"] == "fill rate only (no change history of 180 days)"
    assert finding.evidence["records"] == 5_000
    assert finding.title == "Lead: 1 synced field is almost empty or unchanged"
    assert "look unused: Legacy_Region__c (judged on fill rate only" in finding.detail


def test_unused_fields_is_silent_when_every_custom_field_is_filled(store: Store):
    describe(store)
    fill(store, {**FILLED, "Legacy_Region__c": 800})
    assert evaluate(store) == []


def test_unused_fields_leaves_formula_and_standard_fields_out_unless_asked(store: Store):
    describe(store)
    fill(store, {**FILLED, "Lead_Age__c": 0})
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert set(flagged(finding)) == {"Legacy_Region__c"}
    [with_standard_finding] = evaluate(store, include_standard_fields=True)
    assert isinstance(with_standard_finding, Finding)
    with_standard = flagged(with_standard_finding)
    assert {"Legacy_Region__c", "Fax"} <= set(with_standard)
    assert "Lead_Age__c" not in with_standard


def test_unused_fields_with_a_long_change_history_flags_fields_nobody_changed(store: Store):
    describe(store)
    fill(store)
    # Marketo's history reaches back 200 days; Lead Score changed last week (display name),
    # Legacy Region two years ago (REST-style name); Partner Tier never.
    changes(
        store,
        ("firstName", NOW - timedelta(days=200)),
        ("Lead Score", NOW - timedelta(days=7)),
        ("legacyRegion", NOW - timedelta(days=199)),
    )
    collector_reaches(
        store, INSTANCE, NOW
    )  # the collector runs up to NOW: the history is 200 days long as of NOW
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert flagged(finding) == {
        "Legacy_Region__c": [
            "filled on 0.06% of records (3)",
            "no recorded change in 180 days",
        ],
        "Partner_Tier__c": ["no recorded change in 180 days"],
    }
    assert finding.evidence["judged_on"] == "fill rate and change history"
    assert finding.evidence["change_history_days"] == 200.0


def test_unused_fields_does_not_claim_no_change_from_a_short_history(store: Store):
    describe(store)
    fill(store)
    changes(store, ("firstName", NOW - timedelta(days=20)))
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert set(flagged(finding)) == {"Legacy_Region__c"}


def test_unused_fields_without_fill_counts_or_history_is_not_evaluated(store: Store):
    describe(store)
    [skipped] = evaluate(store)
    assert isinstance(skipped, NotEvaluated)
    assert skipped.subject == "Lead"
    assert skipped.reason.startswith("no fill counts collected yet")


def test_unused_fields_with_fill_counts_older_than_max_age_is_not_evaluated(store: Store):
    describe(store)
    fill(store, at=NOW - timedelta(days=4))
    collector_reaches(
        store, INSTANCE, NOW
    )  # the collector runs up to NOW: only the fill count is 4 days old
    [skipped] = evaluate(store)
    assert isinstance(skipped, NotEvaluated)
    assert skipped.reason.startswith("no fill counts")


def test_unused_fields_does_not_judge_the_fill_of_a_tiny_object(store: Store):
    describe(store)
    fill(store, records=40)
    [skipped] = evaluate(store)
    assert isinstance(skipped, NotEvaluated)
    assert "only 40 records" in skipped.reason


def test_unused_fields_an_object_without_a_describe_is_not_evaluated(store: Store):
    describe(store)
    fill(store)
    results = evaluate(store, objects=["Lead", "Contact"])
    skipped = [r for r in results if isinstance(r, NotEvaluated)]
    assert [(r.subject, r.reason) for r in skipped] == [
        ("Contact", "no describe of this object collected yet")
    ]


def test_unused_fields_skips_fields_kept_on_purpose(store: Store):
    describe(store)
    fill(store)
    assert evaluate(store, ignore_fields=["Lead.Legacy_Region__c"]) == []


def test_unused_fields_through_the_runner_opens_one_finding_per_object(store: Store):
    describe(store)
    fill(store)
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert ("Lead", "opened") in [(t.subject, t.transition) for t in summary.transitions]


def test_the_data_dictionary_shows_the_fill_rate_and_last_change_the_check_judges(store: Store):
    describe(store)
    fill(store)
    # Marketo names Lead.Status "Lead Status": the object and field name match it too.
    changes(store, ("Lead Status", NOW - timedelta(days=2)), ("leadScore", NOW - timedelta(days=1)))
    dictionary = store.query("field_dictionary", instance=INSTANCE, now=NOW, object="Lead")
    row = dictionary.set_index("field")
    assert row.at["Legacy_Region__c", "fill_rate"] == pytest.approx(3 / 5_000)
    assert row.at["Lead_Score__c", "last_change"] == pd.Timestamp(NOW - timedelta(days=1))
    assert row.at["Status", "last_change"] == pd.Timestamp(NOW - timedelta(days=2))
    assert pd.isna(row.at["Description", "fill_rate"])  # a long text area is not counted
    hygiene = store.query("field_hygiene", instance=INSTANCE, now=NOW).set_index("field")
    assert hygiene.at["Status", "last_change"] == row.at["Status", "last_change"]
