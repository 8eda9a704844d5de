"""api_budget: usage samples -> expected findings, including the explicit no-alert cases, plus
a run through the real runner on a DuckDB file fed by the collector's /limits write path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from checks import api_budget
from checks.base import NotEvaluated, check_from_module
from monitor.collectors.salesforce.schema import write_limits
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.api_consumers import replace_consumer_days
from monitor.store.facts import insert_frame
from tests.checks.harness import Case, judge, scenario
from tests.conftest import REAL_FIXTURES

REAL = REAL_FIXTURES / "salesforce"
CHECK = check_from_module(api_budget)
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
SALESFORCE = "salesforce DailyApiRequests"
MARKETO = "marketo daily_api_calls"


def samples(
    *points: tuple[datetime, float],
    source: str = "salesforce",
    metric: str = "DailyApiRequests",
    quota: float = 100_000.0,
) -> pd.DataFrame:
    """An api_budget_samples frame: (ts, used) points of one source and metric."""
    frame = pd.DataFrame(
        {
            "source": source,
            "metric": metric,
            "ts": pd.to_datetime([p[0] for p in points], utc=True).astype("datetime64[us, UTC]"),
            "used": [float(p[1]) for p in points],
            "quota": quota,
        }
    )
    return frame


def hourly(used: list[float], *, end: datetime = NOW, **kwargs: Any) -> pd.DataFrame:
    """Hourly samples ending at `end`, oldest first."""
    start = end - timedelta(hours=len(used) - 1)
    return samples(*((start + timedelta(hours=i), u) for i, u in enumerate(used)), **kwargs)


def marketo(used: list[float], **kwargs: Any) -> pd.DataFrame:
    return hourly(used, source="marketo", metric="daily_api_calls", quota=50_000.0, **kwargs)


def usage(*frames: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The check's facts: the samples of every frame, or none."""
    return {"usage": pd.concat(frames, ignore_index=True) if frames else samples()}


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


CASES = [
    scenario(
        "stays_silent_at_40_percent", hourly([30_000, 35_000, 40_000]), {SALESFORCE: "silent"}
    ),
    scenario(
        "stays_silent_just_below_warn_share", hourly([49_000, 49_999]), {SALESFORCE: "silent"}
    ),
    scenario("warns_at_exactly_warn_share", hourly([45_000, 50_000]), {SALESFORCE: "warning"}),
    scenario("is_critical_at_critical_share", hourly([70_000, 75_000]), {SALESFORCE: "critical"}),
    scenario(
        "is_critical_when_the_quota_is_already_exceeded",
        hourly([99_000, 104_000]),
        {SALESFORCE: "critical"},
    ),
    scenario("warns_on_the_marketo_quota_too", marketo([20_000, 30_000]), {MARKETO: "warning"}),
    scenario(
        "stays_silent_on_marketo_at_30_percent", marketo([10_000, 15_000]), {MARKETO: "silent"}
    ),
    scenario(
        "follows_a_lower_warn_share",
        hourly([30_000, 40_000]),
        {SALESFORCE: "warning"},
        warn_share=0.4,
    ),
    scenario(
        "does_not_judge_a_sample_older_than_recent_hours",
        hourly([90_000, 95_000], end=NOW - timedelta(hours=25)),
        {SALESFORCE: "not_evaluated"},
    ),
    scenario(
        "judges_a_single_sample_a_few_hours_old",
        hourly([90_000], end=NOW - timedelta(hours=3)),
        {SALESFORCE: "critical"},
    ),
    scenario(
        "ignores_a_stored_limit_that_is_not_in_metrics",
        hourly([14_000, 14_500], metric="DailyBulkApiBatches", quota=15_000.0),
        {"salesforce DailyBulkApiBatches": "silent"},
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_api_budget_scenario(case: Case):
    assert evaluate(usage(case.facts), **case.settings).outcomes(*case.expect) == case.expect


def test_api_budget_judges_another_limit_only_when_added_to_metrics():
    bulk = hourly([14_000, 14_500], metric="DailyBulkApiBatches", quota=15_000.0)
    results = evaluate(usage(bulk), metrics=["DailyBulkApiBatches"])
    assert results.outcome("salesforce DailyBulkApiBatches") == "critical"


def test_api_budget_without_any_sample_is_not_evaluated_for_both_quotas():
    results = evaluate(usage())
    assert [(r.subject, r.reason) for r in results if isinstance(r, NotEvaluated)] == [
        (SALESFORCE, "no DailyApiRequests sample with a quota in the last 24 h"),
        (MARKETO, "no daily_api_calls sample with a quota in the last 24 h"),
    ]
    assert not results.findings


def test_api_budget_finding_names_usage_share_reset_and_owner_per_source():
    results = evaluate(usage(hourly([60_000, 80_000]), marketo([20_000, 40_000])))
    salesforce = results.finding(SALESFORCE)
    assert salesforce.owner == "Salesforce admin"
    assert salesforce.evidence | {"forecast": None} == {
        "source": "salesforce",
        "metric": "DailyApiRequests",
        "used": 80_000.0,
        "quota": 100_000.0,
        "share": 0.8,
        "sampled_at": "2026-11-20 12:30:00+00:00",
        "resets": "rolling 24 hours",
        "forecast": None,
        "outlook": None,  # no earlier days to go by
        "growing_consumers": None,  # no consumer data
    }
    assert "80,000 of 100,000 calls (80%)" in salesforce.detail
    assert "80%" in salesforce.title
    mkto = results.finding(MARKETO)
    assert mkto.owner == "Marketo admin"
    assert mkto.severity == "critical"
    assert mkto.evidence["resets"] == "daily at 00:00 US Central time (America/Chicago)"


def test_api_budget_forecasts_the_hour_the_quota_runs_out():
    # 5,000 calls an hour since 10:30: the remaining 40,000 last 8 hours, until 20:30 UTC.
    finding = evaluate(usage(hourly([50_000, 55_000, 60_000]))).finding(SALESFORCE)
    forecast = finding.evidence["forecast"]
    assert forecast["rate_per_hour"] == 5_000.0
    assert forecast["samples"] == 3
    assert forecast["window_start"] == "2026-11-20 10:30:00+00:00"
    assert forecast["exhausted_at"] == "2026-11-20 20:30:00+00:00"
    assert forecast["exhausted_hour_utc"] == 20
    assert forecast["window_hours"] == 2.0
    assert "last 2.0 h" in forecast["assumption"]
    assert "last 2.0 h (5,000 calls/h) the quota runs out at about 20:30 UTC" in finding.detail


def test_api_budget_forecast_says_the_quota_lasts_the_day_at_a_slow_rate():
    finding = evaluate(usage(hourly([58_000, 59_000, 60_000]))).finding(SALESFORCE)
    forecast = finding.evidence["forecast"]
    assert forecast["rate_per_hour"] == 1_000.0
    assert forecast["exhausted_at"] is None
    assert forecast["exhausted_hour_utc"] is None
    assert "lasts past the end of the day (UTC)" in finding.detail


def test_api_budget_says_when_the_quota_is_already_used_up():
    finding = evaluate(usage(hourly([99_000, 104_000]))).finding(SALESFORCE)
    assert finding.evidence["share"] == 1.04
    assert "The quota is used up" in finding.detail
    assert "runs out" not in finding.detail


def test_api_budget_has_no_forecast_from_a_single_sample():
    finding = evaluate(usage(hourly([90_000]))).finding(SALESFORCE)
    assert finding.evidence["forecast"] is None


def test_api_budget_has_no_forecast_when_usage_is_not_rising():
    # Salesforce's rolling window: yesterday's calls age out faster than new ones come in.
    finding = evaluate(usage(hourly([64_000, 62_000, 60_000]))).finding(SALESFORCE)
    assert finding.evidence["forecast"] is None
    assert "not rising" in finding.detail


def test_api_budget_forecast_measures_only_since_the_marketo_reset():
    # 00:00 US Central is 06:00 UTC in November: usage falls back, then climbs 10,000 an hour.
    end = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    climbing = marketo([48_000, 49_000, 49_500, 0, 10_000, 20_000, 30_000], end=end)
    results = evaluate(usage(climbing), now=end, forecast_hours=6)
    forecast = results.finding(MARKETO).evidence["forecast"]
    assert forecast["window_start"] == "2026-11-20 06:00:00+00:00"
    assert forecast["rate_per_hour"] == 10_000.0
    assert forecast["exhausted_at"] == "2026-11-20 11:00:00+00:00"


def test_api_budget_forecast_uses_only_samples_of_the_same_utc_day():
    end = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)
    across_midnight = samples(
        (end - timedelta(hours=2), 20_000),  # yesterday: a much slower pace
        (end - timedelta(minutes=30), 59_000),
        (end, 60_000),
    )
    forecast = evaluate(usage(across_midnight), now=end).finding(SALESFORCE).evidence["forecast"]
    assert forecast["samples"] == 2
    assert forecast["rate_per_hour"] == 2_000.0


def test_api_budget_forecast_hours_sets_the_rate_window():
    # Slow all morning, then a burst in the last hour.
    burst = usage(hourly([50_000, 51_000, 52_000, 53_000, 63_000]))
    default = evaluate(burst).finding(SALESFORCE).evidence["forecast"]
    short = evaluate(burst, forecast_hours=1).finding(SALESFORCE).evidence["forecast"]
    assert default["rate_per_hour"] == 4_000.0
    assert short["rate_per_hour"] == 10_000.0
    assert short["exhausted_hour_utc"] == 16


def limits_payload(api_requests_used: int) -> dict[str, Any]:
    """The real /limits response of a dev org, with the API requests used set."""
    limits = json.loads((REAL / "limits_response_devorg.json").read_text(encoding="utf-8"))
    limits["DailyApiRequests"]["Remaining"] = limits["DailyApiRequests"]["Max"] - api_requests_used
    # Another limit close to its maximum: stored, but not one of the judged metrics.
    limits["DailyAsyncApexExecutions"]["Remaining"] = 1
    return limits


def test_api_budget_through_the_runner_opens_and_resolves_on_stored_limits(tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    marketo_usage = marketo([5_000, 6_000]).assign(instance=INSTANCE)
    with store.write() as con:
        # 15,000 a day: 9,000, 10,500 then 12,000 used (80%) at 12:30 UTC.
        for hours_ago, used in ((2, 9_000), (1, 10_500), (0, 12_000)):
            write_limits(con, INSTANCE, NOW - timedelta(hours=hours_ago), limits_payload(used))
        # A sample after NOW (a later collection) must not be judged in this run.
        write_limits(con, INSTANCE, NOW + timedelta(hours=1), limits_payload(14_900))
        insert_frame(con, "api_usage", marketo_usage)

    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])

    assert summary.failed_checks == {}
    assert [(t.subject, t.transition, t.severity) for t in summary.transitions] == [
        (SALESFORCE, "opened", "critical")
    ]
    opened = store.query("findings_open", instance=INSTANCE)
    assert opened["subject"].tolist() == [SALESFORCE]
    evidence = json.loads(opened["evidence"].iloc[0])
    assert evidence["used"] == 12_000.0
    assert evidence["forecast"]["rate_per_hour"] == 1_500.0
    assert evidence["forecast"]["exhausted_at"] == "2026-11-20 14:30:00+00:00"

    later = NOW + timedelta(hours=5)
    with store.write() as con:
        write_limits(con, INSTANCE, later, limits_payload(4_000))  # calls aged out
        insert_frame(con, "api_usage", marketo([7_000], end=later).assign(instance=INSTANCE))
    summary = run_checks(store, INSTANCE, later, checks=[CHECK])
    assert [(t.subject, t.transition) for t in summary.transitions] == [(SALESFORCE, "resolved")]
    assert store.query("findings_open", instance=INSTANCE).empty


def test_api_budget_through_the_runner_is_not_evaluated_on_an_empty_store(tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert summary.findings == 0
    assert sorted(n.subject for n in summary.not_evaluated) == [MARKETO, SALESFORCE]


# The outlook: the same hours of earlier days forecast the rest of today.
def marketo_day(day: datetime, *, pace: float = 1_000.0, until: datetime | None = None) -> list:
    """(ts, used) hourly readings of one Marketo day (from 06:00 UTC, 00:00 US Central in
    November): `pace` calls an hour, plus a 20,000-call batch between 20:00 and 21:00 UTC."""
    start = day.replace(hour=6, minute=0)
    points, used = [], 0.0
    for h in range(24):
        ts = start + timedelta(hours=h)
        if until is not None and ts > until:
            break
        points.append((ts, used))
        used += pace + (20_000 if ts.hour == 20 else 0)
    return points


def marketo_week(today_pace: float, *, now: datetime) -> dict[str, pd.DataFrame]:
    """Seven ordinary earlier days, then today until `now` at `today_pace` calls an hour."""
    today = now.replace(hour=0, minute=0)
    earlier = [p for k in range(7, 0, -1) for p in marketo_day(today - timedelta(days=k))]
    today_points = marketo_day(today, pace=today_pace, until=now)
    frame = samples(
        *earlier, *today_points, source="marketo", metric="daily_api_calls", quota=50_000.0
    )
    return {"usage": frame[frame["ts"] > now - timedelta(hours=24)], "history": frame}


MIDDAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_api_budget_outlook_warns_on_the_hour_a_doubled_pace_exhausts_marketo():
    # Today runs 2,000 calls/h since the 06:00 UTC reset (12,000 by noon, 24 %); earlier days
    # ran 1,000. Expected: 12,000 + 8 h x (1,000 usual + 1,000 extra) by 20:00 = 28,000, then
    # the usual 20,000 batch plus 2,000 reach the 50,000 quota at 21:00 UTC, 9 h before the
    # reset at 06:00 UTC.
    results = evaluate(marketo_week(2_000.0, now=MIDDAY), now=MIDDAY)
    finding = results.finding(MARKETO)
    assert finding.severity == "warning"
    ahead = finding.evidence["outlook"]
    assert ahead["runs_out_at"] == "2026-11-20 21:00:00+00:00"
    assert ahead["hours_left"] == 9.0
    assert ahead["resets_at"] == "2026-11-21 06:00:00+00:00"
    assert ahead["days"] == 7
    assert ahead["extra_rate_per_hour"] == 1_000.0
    assert finding.title == "marketo daily_api_calls: forecast to run out at 21:00 UTC"
    assert "runs out at about 2026-11-20 21:00 UTC, before it resets" in finding.detail
    assert "1,000 calls/h above them" in finding.detail


def test_api_budget_outlook_stays_silent_on_an_ordinary_day():
    # Same pace as every earlier day: 6,000 by noon, 44,000 by the reset, under 50,000.
    results = evaluate(marketo_week(1_000.0, now=MIDDAY), now=MIDDAY)
    assert results.outcome(MARKETO) == "silent"


def test_api_budget_outlook_needs_min_days_of_earlier_readings():
    facts = marketo_week(2_000.0, now=MIDDAY)
    assert evaluate(facts, now=MIDDAY, min_days=8).outcome(MARKETO) == "silent"
    two_days = facts["history"][facts["history"]["ts"] > MIDDAY - timedelta(days=2, hours=8)]
    only_two = {"usage": facts["usage"], "history": two_days}
    assert evaluate(only_two, now=MIDDAY).outcome(MARKETO) == "silent"


def test_api_budget_outlook_warns_on_a_growing_salesforce_integration():
    # The org's rolling 24-hour total sat at 40,000 all week; since 09:30 an integration adds a
    # net 3,000 calls an hour (49,000 at 12:30, 49 %). At that pace the remaining 51,000 last
    # 17 hours: the pool runs out at 05:30 UTC tomorrow, inside the rolling 24 hours.
    flat = [(NOW - timedelta(hours=h), 40_000.0) for h in range(24 * 8, 3, -1)]
    growing = [(NOW - timedelta(hours=h), 49_000.0 - 3_000 * h) for h in (3, 2, 1, 0)]
    frame = samples(*flat, *growing)
    facts = {"usage": frame[frame["ts"] > NOW - timedelta(hours=24)], "history": frame}
    finding = evaluate(facts).finding(SALESFORCE)
    assert finding.severity == "warning"
    ahead = finding.evidence["outlook"]
    assert ahead["runs_out_at"] == "2026-11-21 05:30:00+00:00"
    assert ahead["hours_left"] == 17.0
    assert ahead["extra_rate_per_hour"] == 3_000.0
    # Flat all week and today: nothing to say.
    steady = samples(*flat, *[(NOW - timedelta(hours=h), 40_000.0) for h in (3, 2, 1, 0)])
    calm = {"usage": steady[steady["ts"] > NOW - timedelta(hours=24)], "history": steady}
    assert evaluate(calm).outcome(SALESFORCE) == "silent"


# Who grows fastest: the ApiTotalUsage event logs' shares per consumer and day.
def consumer_days(days: dict[str, dict[tuple[str, str], int]]) -> pd.DataFrame:
    """An api_consumer_recent frame: {day: {(consumer, kind): calls}}."""
    rows = []
    for day, calls in days.items():
        total = sum(calls.values())
        rows += [(day, name, kind, n, n / total) for (name, kind), n in calls.items()]
    frame = pd.DataFrame(rows, columns=["day", "consumer", "kind", "calls", "share"])
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


SYNC = ("Marketo sync user", "marketo_sync")
WEBINAR = ("Webinar Connector", "integration")
LOADER = ("DataLoaderBulk/59.0", "integration")
GROWING = {
    # The webinar connector went from a tenth of the calls to half; Data Loader appeared.
    "2026-11-17": {SYNC: 9_000, WEBINAR: 1_000},
    "2026-11-18": {SYNC: 9_000, WEBINAR: 1_000},
    "2026-11-19": {SYNC: 8_000, WEBINAR: 10_000, LOADER: 2_000},
}


def test_api_budget_names_the_consumers_growing_fastest():
    facts = usage(hourly([60_000, 80_000])) | {"consumers": consumer_days(GROWING)}
    finding = evaluate(facts).finding(SALESFORCE)
    grown = finding.evidence["growing_consumers"]
    assert [(g["consumer"], g["kind"]) for g in grown] == [WEBINAR, LOADER]
    assert grown[0] == {
        "consumer": "Webinar Connector",
        "kind": "integration",
        "day": "2026-11-19",
        "calls": 10_000,
        "share": 0.5,
        "usual_share": 0.1,
        "earlier_days": 2,
    }
    assert grown[1]["usual_share"] == 0.0  # no call on the earlier days
    assert (
        "Growing fastest on 2026-11-19 (UTC, from the event logs; against the 2 days before): "
        "Webinar Connector 50% of the day's calls (10,000; usually 10%), DataLoaderBulk/59.0 10%"
    ) in finding.detail


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ({}, None),  # no event logs
        ({"2026-11-19": GROWING["2026-11-19"]}, None),  # one day: nothing to compare
        ({"2026-11-18": {SYNC: 5, WEBINAR: 5}, "2026-11-19": {SYNC: 5, WEBINAR: 5}}, []),
    ],
)
def test_api_budget_names_no_consumer_without_growth_to_show(days, expected):
    facts = usage(hourly([60_000, 80_000]), marketo([20_000, 40_000]))
    facts["consumers"] = consumer_days(days)
    results = evaluate(facts)
    finding = results.finding(SALESFORCE)
    assert finding.evidence["growing_consumers"] == expected
    assert "Growing fastest" not in finding.detail
    # Consumer data is Salesforce's: a Marketo finding never names one.
    assert results.finding(MARKETO).evidence["growing_consumers"] is None


def test_api_budget_reads_the_stored_consumer_shares_through_its_query(tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        for hours_ago, used in ((1, 10_500), (0, 12_000)):
            write_limits(con, INSTANCE, NOW - timedelta(hours=hours_ago), limits_payload(used))
        older = {"2026-11-01": {SYNC: 1, WEBINAR: 99}}  # past lookback_days: not read
        shares = consumer_days(older | GROWING).assign(collected_at=NOW)
        replace_consumer_days(con, INSTANCE, shares)
    finding = judge(CHECK, store, now=NOW, instance=INSTANCE).finding(SALESFORCE)
    grown = finding.evidence["growing_consumers"]
    assert [g["consumer"] for g in grown] == ["Webinar Connector", "DataLoaderBulk/59.0"]
    assert grown[0]["earlier_days"] == 2
