"""score_churn: Marketo Change Data Value activities in -> expected findings out, including the
explicit no-alert and not-evaluated cases.

Activities are written through monitor.store.activities (the path the REST collector, the
Data Streams receiver and the demo share) into a real DuckDB file, and read back by the
check's own queries.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pandas as pd
import pytest

from checks import score_churn
from checks.base import check_from_module
from monitor.runner import load_inputs, run_checks
from monitor.store import Store
from monitor.store.activities import activity_frame, store_activities
from monitor.store.facts import insert_frame
from tests.checks.harness import Case, assert_documented, judge, scenario
from tests.conftest import REAL_FIXTURES
from tests.marketo_activities import rest_activity

CHECK = check_from_module(score_churn)
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
FIELD = "Account Score"
NO_DATA = score_churn.NO_DATA_SUBJECT
_ids = itertools.count(1)


def change(
    lead: int,
    at: datetime,
    old: Any,
    new: Any,
    *,
    field_name: str = FIELD,
    source: str = "Web service API",
) -> dict[str, Any]:
    """A Change Data Value activity as /rest/v1/activities.json returns it."""
    attributes = {"New Value": new, "Old Value": old, "Reason": source, "Source": source}
    return rest_activity(f"cdv-{next(_ids)}", lead, at, 13, field_name, attributes)


def churn(
    *,
    leads: int = 200,
    every: timedelta = timedelta(hours=4),
    days: float = 7,
    step: float = 1,
    field_name: str = FIELD,
    end: datetime = NOW,
) -> list[dict[str, Any]]:
    """Each lead's score moves by `step` (up, up, down, down, ...) every `every` over `days` days,
    leads starting at values spread over 5..95."""
    records = []
    start = end - timedelta(days=days)
    for lead in range(leads):
        value = 5 + (lead * 7) % 90
        at = start + timedelta(minutes=(lead * 13) % int(every.total_seconds() // 60)) + every
        turn = 0
        while at <= end:
            new = value + (step if turn % 4 < 2 else -step)
            records.append(change(1000 + lead, at, value, new, field_name=field_name))
            value, turn, at = new, turn + 1, at + every
    return records


def status_changes(*, leads: int = 300, days: float = 7) -> list[dict[str, Any]]:
    """Normal life: a lead's status moves on about once every other day (not a number)."""
    statuses = ["Open", "Working", "Nurture", "Qualified"]
    return [
        change(
            5000 + lead,
            NOW - timedelta(days=days) + timedelta(hours=1 + (lead * 37) % int(days * 24 - 1)),
            statuses[lead % 3],
            statuses[lead % 3 + 1],
            field_name="Lead Status",
            source="Smart campaign: Lead Lifecycle",
        )
        for lead in range(leads)
    ]


def write(store: Store, records: list[dict[str, Any]]) -> None:
    if not records:
        return
    frame = activity_frame(records, instance=INSTANCE, source="test", received_at=NOW)
    with store.write() as con:
        store_activities(con, frame)


def write_inflow(store: Store, records_per_hour: float, days: int = 7) -> None:
    """Lead sync inflow (Salesforce -> Marketo) and the sync user's Lead writes, hourly."""
    hours = pd.date_range(NOW - timedelta(days=days), NOW, freq="h", inclusive="right", tz=UTC)
    frames = [
        pd.DataFrame(
            {
                "instance": INSTANCE,
                "ts": hours,
                "object": "Lead",
                "direction": direction,
                "metric": metric,
                "value": records_per_hour / 2,
                "provenance": "reported",
            }
        )
        for direction, metric in (("sfdc_to_marketo", "inflow"), ("marketo_to_sfdc", "throughput"))
    ]
    with store.write() as con:
        insert_frame(con, "sync_stats", pd.concat(frames, ignore_index=True))


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


CASES = [
    scenario(
        "fires_on_a_score_moving_by_one_every_four_hours_on_200_leads",
        lambda: churn() + status_changes(),
        {FIELD: "warning"},
    ),
    scenario(
        "stays_silent_on_a_status_field_changing_once_in_a_while",
        lambda: churn() + status_changes(),
        {"Lead Status": "silent"},
    ),
    scenario("stays_silent_when_no_score_changes_at_all", status_changes, {FIELD: "silent"}),
    scenario(
        "stays_silent_on_a_score_recalculated_once_a_day_per_lead",
        lambda: churn(every=timedelta(days=1), leads=800),
        {FIELD: "silent"},
    ),
    scenario(
        "stays_silent_when_only_a_few_leads_churn_below_min_changes_per_day",
        lambda: churn(leads=20),
        {FIELD: "silent"},
    ),
    scenario("stays_silent_on_frequent_but_large_steps", lambda: churn(step=40), {FIELD: "silent"}),
    scenario("fires_on_steps_of_exactly_small_step_max", lambda: churn(step=5), {FIELD: "warning"}),
    scenario(
        "stays_silent_on_steps_one_above_small_step_max", lambda: churn(step=6), {FIELD: "silent"}
    ),
    scenario(
        "small_step_max_is_configurable",
        lambda: churn(step=6),
        {FIELD: "warning"},
        small_step_max=10,
    ),
    scenario(
        "min_changes_per_lead_day_is_configurable",
        churn,
        {FIELD: "silent"},
        min_changes_per_lead_day=7,
    ),
    scenario(
        "stays_silent_on_churn_older_than_lookback_days",
        lambda: churn(end=NOW - timedelta(days=8)) + status_changes(),
        {FIELD: "silent"},
    ),
    scenario("is_not_evaluated_without_any_marketo_activity", list, {NO_DATA: "not_evaluated"}),
    scenario(
        "is_not_evaluated_with_only_six_hours_of_activity",
        lambda: churn(days=0.25),
        {NO_DATA: "not_evaluated"},
    ),
    scenario(
        "judges_six_hours_when_min_history_hours_allows_and_extrapolates_per_day",
        lambda: churn(days=0.25),
        {FIELD: "silent"},
        min_history_hours=6,
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_score_churn_scenario(store: Store, case: Case):
    store.init()
    write(store, case.facts())
    assert evaluate(store, **case.settings).outcomes(*case.expect) == case.expect


@pytest.mark.parametrize(
    ("inflow_per_hour", "expect"),
    [
        pytest.param(
            2_000, "warning", id="is_a_warning_when_the_field_is_a_small_share_of_the_sync_inflow"
        ),
        pytest.param(
            80, "critical", id="is_critical_when_the_field_is_half_of_the_sync_inflow_or_more"
        ),
    ],
)
def test_score_churn_severity_follows_the_fields_share_of_the_sync_inflow(
    store: Store, inflow_per_hour: float, expect: str
):
    store.init()
    write(store, churn())
    write_inflow(store, inflow_per_hour)
    assert evaluate(store).outcome(FIELD) == expect


def test_score_churn_reports_rate_step_leads_sources_and_buckets(store: Store):
    store.init()
    scores = churn()
    write(store, scores + status_changes())
    write_inflow(store, 2_000)
    with store.write() as con:
        insert_frame(
            con,
            "change_counts",
            pd.DataFrame(
                {
                    "instance": INSTANCE,
                    "ts": [NOW - timedelta(hours=2), NOW - timedelta(hours=2)],
                    "object": "Lead",
                    "modifier": ["Scoring Integration (005A)", "Dana Whitfield (005B)"],
                    "field": ["Lead.Account_Score__c", ""],
                    "changes": [900, 40],
                    "provenance": "imported",
                }
            ),
        )
    [finding] = evaluate(store).findings.values()
    evidence = finding.evidence
    assert finding.subject == FIELD
    assert finding.owner == "Marketo admin"
    # 200 leads, one change every 4 hours for 7 days: 41 or 42 changes each.
    assert evidence["changes"] == len(scores) > 200 * 41
    assert evidence["leads"] == 200
    assert evidence["days"] == pytest.approx(7, abs=0.2)  # since the first activity
    assert evidence["changes_per_day"] == pytest.approx(len(scores) / evidence["days"], rel=1e-3)
    assert 5.5 <= evidence["changes_per_lead_day"] <= 6.5
    assert evidence["median_step"] == 1.0
    assert evidence["small_step_share"] == 1.0
    assert evidence["recommended_buckets"] == ["0–25", "26–50", "51–75", "76–100"]
    assert evidence["changes_saved_share"] == pytest.approx(0.96)
    assert len(evidence["sample_lead_ids"]) == 5
    assert evidence["top_sources"] == [{"source": "Web service API", "changes": len(scores)}]
    assert evidence["record_syncs"] == len(scores)
    assert evidence["person_inflow"] == 2_000 * 24 * 7
    assert evidence["inflow_share"] == pytest.approx(len(scores) / (2_000 * 24 * 7), abs=1e-4)
    assert evidence["salesforce_field_changes"] == [
        {
            "object": "Lead",
            "modifier": "Scoring Integration (005A)",
            "field": "Lead.Account_Score__c",
            "changes": 900,
        }
    ]
    assert [m["modifier"] for m in evidence["salesforce_top_modifiers"]] == [
        "Scoring Integration (005A)",
        "Dana Whitfield (005B)",
    ]
    assert f"{evidence['changes_per_day']:,.0f} small changes a day" in finding.title
    assert "0–25, 26–50, 51–75, 76–100" in finding.detail
    assert "about 96% of these changes would no longer sync" in finding.detail
    assert "Web service API (100%)" in finding.detail
    assert "In Salesforce: Scoring Integration (005A) changed Lead.Account_Score__c 900 times" in (
        finding.detail
    )
    json.dumps(evidence)  # the runner stores evidence as JSON


def test_score_churn_says_when_the_sync_inflow_is_not_measured(store: Store):
    store.init()
    write(store, churn())
    [finding] = evaluate(store).findings.values()
    assert finding.evidence["inflow_share"] is None
    assert "not measured" in finding.detail


def test_score_churn_counts_changes_of_one_lead_in_one_sync_cycle_as_one_record_sync(
    store: Store,
):
    store.init()
    # Two changes at :56 and :58, in the same 5-minute cycle, every 2 hours.
    pairs = []
    for at in pd.date_range(NOW - timedelta(days=2), NOW, freq="2h", inclusive="right"):
        for lead in range(300):
            pairs += [
                change(lead, at.to_pydatetime() - timedelta(minutes=4), 50, 51),
                change(lead, at.to_pydatetime() - timedelta(minutes=2), 51, 52),
            ]
    write(store, pairs)
    [finding] = evaluate(store).findings.values()
    evidence = finding.evidence
    assert evidence["changes"] == 2 * evidence["record_syncs"]


@pytest.mark.parametrize(
    ("low", "high", "step", "whole", "expect"),
    [
        pytest.param(0, 100, 1, True, ["0–25", "26–50", "51–75", "76–100"], id="a_0_to_100_score"),
        pytest.param(20, 95, 1, True, ["20–40", "41–60", "61–80", "81–100"], id="a_narrower_one"),
        pytest.param(58, 66, 1, True, ["50–60", "61–70"], id="buckets_are_ten_steps_wide"),
        pytest.param(0, 1, 0.01, False, ["0–0.25", "0.25–0.5", "0.5–0.75", "0.75–1"], id="0_1"),
        pytest.param(0, 1000, 3, True, ["0–250", "251–500", "501–750", "751–1000"], id="1000"),
    ],
)
def test_score_churn_recommends_round_buckets(low, high, step, whole, expect):
    assert score_churn.recommend_buckets(low, high, step, 4, whole)[1] == expect


def test_score_churn_reads_the_real_lead_changes_shape(store: Store):
    """/activities/leadchanges.json gives the field as fields[] with old and new values."""
    payload = json.loads(
        (REAL_FIXTURES / "marketo" / "activities_leadchanges_response_doc.json").read_text()
    )
    frame = activity_frame(payload["result"], instance=INSTANCE, source="test", received_at=NOW)
    store.init()
    with store.write() as con:
        store_activities(con, frame)
    with store.read() as con:
        fields = load_inputs(
            con, CHECK, CHECK.resolve_settings(), INSTANCE, datetime(2014, 9, 18, tzinfo=UTC)
        )["fields"]
    row = fields.iloc[0]
    assert (row["field"], row["changes"], row["numeric_changes"]) == ("firstName", 1, 0)
    assert list(row["sample_leads"]) == ["775"]
    assert [s["source"] for s in row["top_sources"]] == ["Web service API"]


def test_score_churn_runbook_says_how_to_fix_and_settings_have_help():
    assert_documented(CHECK, "bucket")
    assert CHECK.defaults()["min_changes_per_day"] == 500


def test_score_churn_through_the_runner_opens_then_resolves_once_bucketed(store: Store):
    store.init()
    write(store, churn() + status_changes())

    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])

    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [(FIELD, "opened")]
    opened = store.query("findings_open", instance=INSTANCE)
    assert json.loads(opened["evidence"].iloc[0])["median_step"] == 1.0

    # The score is bucketed: a week later only the band changes, now and then.
    later = NOW + timedelta(days=8)
    band = [
        change(
            1000 + lead,
            later - timedelta(hours=lead % 100 + 1),
            "26–50",
            "51–75",
            field_name="Account Score Band",
        )
        for lead in range(200)
    ]
    write(store, band)
    resolved = run_checks(store, INSTANCE, later, checks=[CHECK])
    assert [(t.subject, t.transition) for t in resolved.transitions] == [(FIELD, "resolved")]


def test_score_churn_treats_infinity_and_nan_as_not_numeric(store: Store):
    store.init()
    odd = [change(7, NOW - timedelta(hours=h), "Infinity", "NaN") for h in range(1, 20)]
    write(store, churn() + odd)
    [finding] = evaluate(store).findings.values()
    evidence = finding.evidence
    assert evidence["max_value"] <= 100
    assert evidence["recommended_buckets"] == ["0–25", "26–50", "51–75", "76–100"]
