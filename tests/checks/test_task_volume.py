"""task_volume: the sync user's Task writes (Salesforce) and SFDC Activity tasks (Marketo) in ->
expected findings out, including the explicit no-alert and not-evaluated cases.

Writes go into a real DuckDB file through the store's write paths (sync_stats as the Salesforce
collector writes it; activities through monitor.store.activities), and the check reads them
back with its own queries.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from checks import task_volume
from checks.base import Finding, NotEvaluated, check_from_module
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.activities import activity_frame, store_activities
from tests.checks.harness import assert_documented, judge
from tests.conftest import write_throughput
from tests.marketo_activities import rest_activity

CHECK = check_from_module(task_volume)
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
NEWSLETTER = "Was Sent Email: November Newsletter"
PRICING = "Interesting Moment: Visited the pricing page"
_ids = itertools.count(1)


def sfdc_activity(lead: int, at: datetime, subject: str, *, is_task: bool = True) -> dict:
    """An SFDC Activity (26) as /rest/v1/activities.json returns it."""
    attributes = {
        "Is Task": is_task,
        "Subject": subject,
        "Status": "Completed",
        "Priority": "Normal",
        "Activity Owner": "Dana Whitfield",
    }
    return rest_activity(f"act-{next(_ids)}", lead, at, 26, subject, attributes)


def sync_update(lead: int, at: datetime) -> dict:
    """A Sync Lead Updates to SFDC (28): Marketo pushed a lead's changes to Salesforce."""
    return rest_activity(f"upd-{next(_ids)}", lead, at, 28)


def spread(count: int, days: float = 7, end: datetime = NOW) -> list[datetime]:
    """`count` moments spread evenly over the `days` days before `end`."""
    step = timedelta(days=days) / count
    return [end - i * step for i in range(count)]


def tasks(count: int, subject: str = NEWSLETTER, **kwargs: Any) -> list[dict]:
    return [sfdc_activity(i % 400, at, subject, **kwargs) for i, at in enumerate(spread(count))]


def updates(count: int, days: float = 7) -> list[dict]:
    return [sync_update(i % 900, at) for i, at in enumerate(spread(count, days))]


Writes = dict[str, float]  # object -> records the sync user writes per hour


def write_marketo(store: Store, records: list[dict]) -> None:
    if records:
        frame = activity_frame(records, instance=INSTANCE, source="test", received_at=NOW)
        with store.write() as con:
            store_activities(con, frame)


def write_salesforce(store: Store, per_hour: Writes, hours: int = 7 * 24) -> None:
    """Hourly sync-user writes per object up to NOW, as the Salesforce collector stores them."""
    write_throughput(store, per_hour, end=NOW, hours=hours, instance=INSTANCE)


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


@dataclass(frozen=True)
class Case:
    """Salesforce writes per hour and Marketo activities in, the outcome on Task out."""

    expect: str
    salesforce: Writes = field(default_factory=dict)
    salesforce_hours: int = 7 * 24
    marketo: Callable[[], list[dict]] = list
    settings: dict[str, Any] = field(default_factory=dict)


CASES = [
    pytest.param(
        Case("warning", {"Task": 60, "Lead": 40, "Contact": 20}),
        id="fires_when_tasks_are_half_of_the_sync_users_writes",
    ),
    pytest.param(
        Case("silent", {"Task": 5, "Lead": 80, "Contact": 20}),
        id="stays_silent_on_a_few_tasks_for_sales",
    ),
    pytest.param(
        Case("warning", {"Task": 100, "Lead": 900, "Contact": 100}),
        id="fires_on_2400_tasks_a_day_even_at_a_small_share",
    ),
    pytest.param(
        Case("warning", {"Task": 30, "Lead": 70}),
        id="fires_at_exactly_max_task_share",
    ),
    pytest.param(
        Case("silent", {"Task": 29, "Lead": 71}),
        id="stays_silent_just_below_max_task_share",
    ),
    pytest.param(
        Case("silent", {"Task": 60, "Lead": 40}, settings={"max_task_share": 0.7}),
        id="max_task_share_is_configurable",
    ),
    pytest.param(
        Case("silent", {"Task": 3, "Lead": 2}),
        id="does_not_judge_the_share_below_min_sync_writes",
    ),
    pytest.param(
        Case("warning", marketo=lambda: tasks(1_200) + updates(800)),
        id="fires_on_marketo_activity_alone_when_tasks_are_most_of_its_sync_activity",
    ),
    pytest.param(
        Case("silent", marketo=lambda: tasks(50) + updates(3_000)),
        id="stays_silent_on_marketo_activity_with_few_tasks",
    ),
    pytest.param(
        Case("silent", marketo=lambda: tasks(1_200, is_task=False) + updates(800)),
        id="does_not_count_events_as_tasks",
    ),
    pytest.param(
        Case("not_evaluated"),
        id="is_not_evaluated_without_salesforce_task_writes_or_marketo_activity",
    ),
    pytest.param(
        Case("not_evaluated", {"Lead": 40, "Contact": 20}),
        id="is_not_evaluated_when_task_is_not_collected_and_no_marketo_activity",
    ),
    pytest.param(
        Case("not_evaluated", {"Task": 60, "Lead": 40}, salesforce_hours=6),
        id="is_not_evaluated_with_only_six_hours_of_salesforce_writes",
    ),
    pytest.param(
        Case("warning", {"Task": 300, "Lead": 200}, 6, settings={"min_history_hours": 6}),
        id="judges_six_hours_when_min_history_hours_allows",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_task_volume_scenario(store: Store, case: Case):
    store.init()
    if case.salesforce:
        write_salesforce(store, case.salesforce, case.salesforce_hours)
    write_marketo(store, case.marketo())
    assert evaluate(store, **case.settings).outcome(task_volume.SUBJECT) == case.expect


def test_task_volume_names_the_subjects_that_create_most_tasks(store: Store):
    store.init()
    write_salesforce(store, {"Task": 60, "Lead": 40, "Contact": 20})
    write_marketo(store, tasks(900) + tasks(300, PRICING) + updates(800))
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    salesforce = finding.evidence["salesforce"]
    marketo = finding.evidence["marketo"]
    assert finding.subject == "Task"
    assert finding.owner == "Marketo admin"
    assert salesforce["task_writes"] == 60 * 24 * 7
    assert salesforce["all_writes"] == 120 * 24 * 7
    assert salesforce["share"] == 0.5
    assert marketo["tasks"] == 1_200
    assert marketo["sync_activities"] == 2_000
    assert marketo["share"] == 0.6
    assert [(s["subject"], s["tasks"], s["share"]) for s in marketo["top_subjects"]] == [
        (NEWSLETTER, 900, 0.75),
        (PRICING, 300, 0.25),
    ]
    assert len(marketo["top_subjects"][0]["sample_lead_ids"]) == 5
    assert finding.evidence["exceeded"] == {
        "salesforce": ["max_task_share"],
        "marketo": ["max_task_share"],
    }
    assert finding.title == (
        "Task: Marketo creates 1,440 Salesforce Tasks a day (50% of the sync user's writes)"
    )
    assert f"{NEWSLETTER!r} (75%)" in finding.detail
    json.dumps(finding.evidence)  # the runner stores evidence as JSON


def test_task_volume_lists_top_subjects_up_to_the_setting(store: Store):
    store.init()
    write_marketo(store, [r for n in range(8) for r in tasks(200, f"Subject {n}")] + updates(10))
    [finding] = evaluate(store, top_subjects=3)
    assert isinstance(finding, Finding)
    top = finding.evidence["marketo"]["top_subjects"]
    assert len(top) == 3


def test_task_volume_from_salesforce_alone_says_the_campaigns_are_unknown(store: Store):
    store.init()
    write_salesforce(store, {"Task": 60, "Lead": 40})
    [finding] = evaluate(store)
    assert isinstance(finding, Finding)
    assert finding.evidence["marketo"] == "no Marketo activity data collected yet"
    assert "Which campaigns create them is unknown" in finding.detail


def test_task_volume_not_evaluated_names_both_missing_sources(store: Store):
    store.init()
    (result,) = evaluate(store)
    assert isinstance(result, NotEvaluated)
    assert result.subject == "Task"
    assert "no Marketo activity data collected yet" in result.reason
    assert "add Task to salesforce_objects" in result.reason


def test_task_volume_runbook_says_how_to_fix_and_settings_have_help():
    assert_documented(CHECK, "interesting moments")
    assert CHECK.defaults()["max_task_share"] == 0.3


def test_task_volume_through_the_runner_opens_then_resolves(store: Store):
    store.init()
    write_salesforce(store, {"Task": 60, "Lead": 40, "Contact": 20})
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [("Task", "opened")]

    # The newsletter stops logging sends as Tasks: a week later Tasks are a small share.
    later = NOW + timedelta(days=7)
    write_throughput(store, {"Task": 2, "Lead": 40}, end=later, instance=INSTANCE)
    resolved = run_checks(store, INSTANCE, later, checks=[CHECK])
    assert [(t.subject, t.transition) for t in resolved.transitions] == [("Task", "resolved")]
