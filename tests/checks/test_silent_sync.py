"""silent_sync: signals of the sync at work next to the Salesforce inflow -> expected findings,
including the explicit no-alert cases, plus runs through the real runner on rows written by
the stores' own write paths, and on the demo workspace (a healthy sync: silent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pandas as pd
import pytest

from checks import silent_sync
from checks.base import Finding, check_from_module
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.activities import activity_frame, store_activities
from monitor.store.facts import insert_frame
from tests.checks.harness import Case, judge, scenario
from tests.conftest import DEMO_NOW

CHECK = check_from_module(silent_sync)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
SUBJECT = silent_sync.SUBJECT


def series(signal: str, amounts: list[float], *, end: datetime = NOW) -> pd.DataFrame:
    """One sample every 5 minutes ending at `end`, oldest first."""
    start = end - STEP * (len(amounts) - 1)
    return pd.DataFrame(
        {
            "signal": signal,
            "ts": pd.to_datetime([start + STEP * i for i in range(len(amounts))], utc=True),
            "amount": [float(a) for a in amounts],
        }
    )


def hours(amount: float, count_hours: float) -> list[float]:
    return [amount] * int(count_hours * 12)


def signals(*frames: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The check's facts: the samples of every frame, or none."""
    empty = pd.DataFrame({"signal": [], "ts": pd.to_datetime([], utc=True), "amount": []})
    return {"signals": pd.concat(frames, ignore_index=True) if frames else empty}


evaluate = partial(judge, CHECK, now=NOW)


INFLOW_3H = series("inflow", hours(40, 3))


def other_work(signal: str, amount: float, minutes_ago: int) -> tuple[pd.DataFrame, ...]:
    """Three hours of inflow and no synced record, but `amount` of another sign of sync work
    `minutes_ago`."""
    work = series(signal, [amount], end=NOW - timedelta(minutes=minutes_ago))
    return INFLOW_3H, series("synced_records", hours(0, 3)), work


CASES = [
    scenario(
        "stays_silent_while_records_are_synced",
        (INFLOW_3H, series("synced_records", hours(35, 3))),
        "silent",
    ),
    scenario(
        "warns_when_inflow_goes_on_ninety_minutes_without_a_synced_record",
        (INFLOW_3H, series("synced_records", hours(35, 1.5) + hours(0, 1.5))),
        "warning",
    ),
    scenario(
        "stays_silent_when_the_silence_is_shorter_than_silent_minutes",
        (INFLOW_3H, series("synced_records", hours(35, 2.5) + hours(0, 0.5))),
        "silent",
    ),
    scenario(
        "stays_silent_on_a_quiet_night_with_little_inflow",
        (series("inflow", hours(1, 3)), series("synced_records", hours(5, 1) + hours(0, 2))),
        "silent",
    ),
    scenario(
        "is_critical_after_four_hours_of_silence",
        (series("inflow", hours(40, 6)), series("synced_records", hours(9, 1) + hours(0, 5))),
        "critical",
    ),
    scenario(
        "counts_marketo_sync_activities_as_work",
        other_work("marketo_activities", 12, minutes_ago=10),
        "silent",
    ),
    scenario(
        "counts_an_imported_sync_status_step_as_work",
        other_work("sync_status_steps", 1, minutes_ago=20),
        "silent",
    ),
    scenario(
        "gives_a_collector_that_just_started_silent_minutes_of_observation",
        (series("inflow", hours(40, 0.5)), series("synced_records", hours(0, 0.5))),
        "silent",
    ),
    scenario(
        "does_not_judge_without_a_recent_inflow_sample",
        (
            series("inflow", hours(40, 3), end=NOW - timedelta(hours=2)),
            series("synced_records", hours(0, 3), end=NOW - timedelta(hours=2)),
        ),
        "not_evaluated",
    ),
    scenario("does_not_judge_when_nothing_shows_sync_activity", (INFLOW_3H,), "not_evaluated"),
    scenario("does_not_judge_an_empty_store", (), "not_evaluated"),
    scenario(
        "follows_a_shorter_silent_minutes",
        (INFLOW_3H, series("synced_records", hours(35, 2) + hours(0, 1))),
        "warning",
        silent_minutes=30,
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_silent_sync_scenario(case: Case):
    assert evaluate(signals(*case.facts), **case.settings).outcome(SUBJECT) == case.expect


def test_silent_sync_finding_says_since_when_and_how_much_changed_meanwhile():
    synced = series("synced_records", hours(35, 1.5) + hours(0, 1.5))
    [finding] = evaluate(signals(INFLOW_3H, synced))
    assert isinstance(finding, Finding)
    last_work = NOW - timedelta(minutes=90)  # the last sample with synced records
    assert (finding.subject, finding.owner) == ("sync", "Marketo admin")
    assert finding.title == "No sync activity for 90 min while 720 Salesforce records changed"
    assert f"last seen at work {last_work:%Y-%m-%d %H:%M} UTC" in finding.detail
    assert finding.evidence == {
        "silent_since": str(pd.Timestamp(last_work)),
        "silent_minutes": 90,
        "last_activity_at": str(pd.Timestamp(last_work)),
        "inflow_records": 720.0,
        "latest_inflow_at": str(pd.Timestamp(NOW)),
        "signals_observed": ["synced_records"],
    }


def test_silent_sync_names_the_silence_from_the_start_of_observation_when_never_seen():
    [finding] = evaluate(signals(INFLOW_3H, series("synced_records", hours(0, 3))))
    assert "not seen at work in the last 24 h" in finding.detail
    assert finding.evidence["last_activity_at"] is None
    assert finding.evidence["silent_minutes"] == 175


# Through the runner, on rows written as the collectors write them.


def stats(instance: str, metric: str, direction: str, values: list[float]) -> pd.DataFrame:
    start = NOW - STEP * (len(values) - 1)
    return pd.DataFrame(
        {
            "instance": instance,
            "ts": [start + STEP * i for i in range(len(values))],
            "object": "Lead",
            "direction": direction,
            "metric": metric,
            "value": values,
            "provenance": "reported",
        }
    )


def test_silent_sync_through_the_runner_opens_then_resolves_on_a_marketo_activity(store: Store):
    with store.write() as con:
        insert_frame(con, "sync_stats", stats("prod", "inflow", "sfdc_to_marketo", hours(50, 2)))
        insert_frame(
            con,
            "sync_stats",
            stats("prod", "throughput", "marketo_to_sfdc", hours(20, 0.5) + hours(0, 1.5)),
        )
    summary = run_checks(store, "prod", NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition, t.severity) for t in summary.transitions] == [
        ("sync", "opened", "warning")
    ]
    sync_lead = {
        "marketoGUID": "a-1",
        "leadId": 1001,
        "activityDate": (NOW - timedelta(minutes=3)).isoformat(),
        "activityTypeId": 19,
        "primaryAttributeValue": "Lead",
    }
    with store.write() as con:
        store_activities(
            con,
            activity_frame([sync_lead], instance="prod", source="marketo_rest", received_at=NOW),
        )
    summary = run_checks(store, "prod", NOW, checks=[CHECK])
    assert [(t.subject, t.transition) for t in summary.transitions] == [("sync", "resolved")]


def test_silent_sync_through_the_runner_is_not_evaluated_on_an_empty_store(store: Store):
    summary = run_checks(store, "prod", NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert [n.subject for n in summary.not_evaluated] == ["sync"]


def test_silent_sync_stays_silent_on_the_demo_workspace(demo_store: Store):
    summary = run_checks(demo_store, "demo", DEMO_NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert summary.findings == 0
    assert summary.not_evaluated == []
