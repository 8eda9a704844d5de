"""backlog_spike: input series -> expected findings, including the explicit "no alert yet" cases.

Every series is built by `backlog_samples`: 5-minute samples with a daily rhythm and seeded noise,
ending at a pinned NOW (a Friday, 02:30 UTC, inside the hour of the nightly batch).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _pytest.mark import ParameterSet

from checks import get_check
from checks.base import NotEvaluated
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import insert_frame
from tests.checks.harness import Case, judge, scenario

CHECK = get_check("backlog_spike")
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # a Friday
SAMPLES_PER_DAY = 288  # one every 5 minutes
LEVEL = 300.0  # records in the queue at an average hour
SUBJECT = "Lead/sfdc_to_marketo"
INSTANCE = "prod"


def backlog_samples(
    days: float,
    *,
    level: float = LEVEL,
    object_name: str = "Lead",
    direction: str = "sfdc_to_marketo",
    seed: int = 2026,
) -> pd.DataFrame:
    """`days` of 5-minute backlog samples ending at NOW: busy afternoons, quiet nights, noise."""
    ts = pd.date_range(end=NOW, periods=int(days * SAMPLES_PER_DAY), freq="5min", unit="us")
    hour = np.asarray(ts.hour + ts.minute / 60)
    rhythm = 1 + 0.5 * np.sin((hour - 9) / 24 * 2 * np.pi)  # highest at 15:00 UTC
    noise = np.random.default_rng(seed).normal(0, 0.05 * level, len(ts))
    return pd.DataFrame(
        {
            "ts": ts,
            "object": object_name,
            "direction": direction,
            "value": np.clip(level * rhythm + noise, 0, None),
            "provenance": "reported",
        }
    )


def minute_of_day(frame: pd.DataFrame) -> pd.Series:
    return frame["ts"].dt.hour * 60 + frame["ts"].dt.minute


def with_flood(frame: pd.DataFrame, samples: int, records: float) -> pd.DataFrame:
    """The last `samples` samples carry `records` more (a mass update still draining)."""
    frame = frame.copy()
    frame.loc[frame.index[-samples:], "value"] += records
    return frame


def flooded(samples: int, records: float) -> pd.DataFrame:
    """An ordinary fortnight whose last `samples` samples carry `records` more."""
    return with_flood(backlog_samples(15), samples, records)


def with_extra(frame: pd.DataFrame, mask: pd.Series, records: float) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[mask, "value"] += records
    return frame


def with_nightly_batch(
    frame: pd.DataFrame, start: str, minutes: int, records: float = 6000
) -> pd.DataFrame:
    """A batch job that adds `records` every day from `start` (HH:MM UTC) for `minutes`."""
    hours, mins = map(int, start.split(":"))
    first = hours * 60 + mins
    since_start = (minute_of_day(frame) - first) % (24 * 60)
    return with_extra(frame, since_start < minutes, records)


def with_weekly_batch(frame: pd.DataFrame, records: float = 6000) -> pd.DataFrame:
    """A weekly re-scoring job: every Friday 00:00-04:00 UTC."""
    is_friday_night = (frame["ts"].dt.day_of_week == 4) & (frame["ts"].dt.hour < 4)
    return with_extra(frame, is_friday_night, records)


def ending_at(frame: pd.DataFrame, end: datetime) -> pd.DataFrame:
    return frame[frame["ts"] <= end].reset_index(drop=True)


def changes(*rows: tuple[datetime, str, str, str, int]) -> pd.DataFrame:
    """A changes_recent frame: (ts, object, modifier, field, changes) rows."""
    frame = pd.DataFrame(rows, columns=["ts", "object", "modifier", "field", "changes"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True).astype("datetime64[us, UTC]")
    frame["changes"] = frame["changes"].astype("int64")
    return frame


NO_CHANGES = changes()


def facts(backlog: pd.DataFrame, recorded: pd.DataFrame = NO_CHANGES) -> dict[str, pd.DataFrame]:
    """The check's inputs: backlog samples and the Salesforce changes recorded meanwhile."""
    return {"backlog": backlog, "changes": recorded}


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)


def flood(name: str, samples: int, records: float, expect: str, **settings: Any) -> ParameterSet:
    """A row whose facts are an ordinary fortnight with `records` more in its last `samples`
    samples."""
    return scenario(name, lambda: flooded(samples, records), expect, **settings)


CASES = [
    scenario("stays_silent_on_an_ordinary_day", lambda: backlog_samples(15), "silent"),
    # flood(name, samples flooded, records more in each, expected outcome, settings)
    flood("fires_on_a_flood_held_for_two_hours", 24, 3000, "warning"),
    flood("fires_once_the_flood_holds_for_exactly_for_cycles_samples", 2, 3000, "warning"),
    flood("no_alert_yet_on_the_first_spiking_sample", 1, 3000, "silent"),
    flood(
        "no_alert_yet_while_the_flood_is_shorter_than_for_cycles", 3, 3000, "silent", for_cycles=4
    ),
    scenario(
        "stays_silent_once_the_flood_has_drained",
        lambda: with_flood(with_flood(backlog_samples(15), 3, 3000), 2, -3000),
        "silent",
    ),
    flood("is_critical_at_critical_records", 24, 12000, "critical"),
    flood("is_a_warning_just_below_critical_records", 24, 9000, "warning"),
    scenario(
        "needs_min_history_days_even_during_a_flood",
        lambda: with_flood(backlog_samples(3), samples=24, records=9000),
        "not_evaluated",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_backlog_spike_scenario(case: Case):
    assert evaluate(facts(case.facts()), **case.settings).outcome(SUBJECT) == case.expect


def test_backlog_spike_finding_reports_start_peak_current_and_baseline():
    normal = backlog_samples(15)
    flood = normal.copy()
    ramp = np.array([1500, 4000, 6500, 5000, 4500, 4200])
    flood.loc[flood.index[-6:], "value"] += ramp
    [finding] = evaluate(facts(flood)).findings.values()
    evidence = finding.evidence
    last_six = flood.tail(6)
    assert finding.subject == SUBJECT
    assert finding.check == "backlog_spike"
    assert evidence["samples_spiking"] == 6
    assert pd.Timestamp(evidence["start"]) == last_six["ts"].iloc[0]
    assert evidence["peak"] == pytest.approx(last_six["value"].max())
    assert pd.Timestamp(evidence["peak_at"]) == last_six["ts"].iloc[2]
    assert evidence["current"] == pytest.approx(last_six["value"].iloc[-1])
    # The usual 02:xx level of the rhythm, learnt from the training days.
    assert evidence["baseline"] == pytest.approx(normal["value"].iloc[-1], rel=0.15)
    assert evidence["robust_z"] >= CHECK.defaults()["sensitivity_z"]
    assert evidence["likely_cause"] is None
    assert f"{evidence['current']:,.0f}" in finding.title


def test_backlog_spike_names_the_top_modifier_and_field_as_likely_cause():
    backlog = flooded(samples=12, records=4000)
    start = NOW - timedelta(minutes=55)
    recorded = changes(
        (start, "Lead", "ops.admin@acme.example (Data Loader)", "Lead_Score__c", 9000),
        (start + timedelta(minutes=20), "Lead", "Dana Whitfield", "Status", 40),
        # Bigger, but on another object or long before the spike: not the cause.
        (start, "Contact", "Nightly Enrichment", "Title", 50000),
        (start - timedelta(hours=5), "Lead", "Nightly Enrichment", "Industry", 70000),
    )
    [finding] = evaluate(facts(backlog, recorded)).findings.values()
    cause = finding.evidence["likely_cause"]
    assert cause == {
        "modifier": "ops.admin@acme.example (Data Loader)",
        "field": "Lead_Score__c",
        "changes": 9000,
        "share": round(9000 / 9040, 3),
    }
    assert "ops.admin@acme.example (Data Loader)" in finding.detail
    assert "Lead_Score__c" in finding.detail
    # The mass update as a cause other findings can share: who, which field, which day.
    assert finding.evidence["cause_key"] == (
        f"mass_update:ops.admin@acme.example (Data Loader)|Lead_Score__c|"
        f"{pd.Timestamp(finding.evidence['start']):%Y-%m-%d}"
    )


def test_backlog_spike_has_no_likely_cause_when_no_changes_of_that_object_are_recorded():
    backlog = flooded(samples=12, records=4000)
    recorded = changes((NOW - timedelta(minutes=30), "Contact", "Someone", "Title", 5000))
    [finding] = evaluate(facts(backlog, recorded)).findings.values()
    assert finding.evidence["likely_cause"] is None
    assert "cause_key" not in finding.evidence  # no known cause: an incident of its own
    assert "Likely cause" not in finding.detail


@pytest.mark.parametrize(
    "latest",
    [
        pytest.param(NOW, id="latest_samples_are_the_batch_peak"),
        pytest.param(NOW.replace(hour=2, minute=55), id="latest_sample_is_the_batch_end"),
        pytest.param(NOW - timedelta(hours=6), id="latest_samples_are_after_the_batch"),
    ],
)
def test_backlog_spike_ignores_nightly_batch_peak(latest: datetime):
    nightly = with_nightly_batch(backlog_samples(16), "02:00", minutes=60)
    assert evaluate(facts(ending_at(nightly, latest))).outcome(SUBJECT) == "silent"


def test_backlog_spike_still_fires_on_a_flood_on_top_of_the_nightly_batch():
    nightly = with_nightly_batch(backlog_samples(15), "02:00", minutes=60)
    # 6,000 (batch) + 8,000 (flood) is above critical_records.
    flood = with_flood(nightly, samples=6, records=8000)
    assert evaluate(facts(flood)).outcome(SUBJECT) == "critical"


def test_backlog_spike_ignores_a_nightly_batch_shorter_than_an_hour():
    nightly = with_nightly_batch(backlog_samples(15), "02:00", minutes=20)
    assert evaluate(facts(ending_at(nightly, NOW.replace(minute=10)))).outcome(SUBJECT) == "silent"


def test_backlog_spike_ignores_a_nightly_batch_that_straddles_the_hour():
    nightly = with_nightly_batch(backlog_samples(15), "01:40", minutes=40)
    assert evaluate(facts(ending_at(nightly, NOW.replace(minute=5)))).outcome(SUBJECT) == "silent"


@pytest.mark.parametrize(
    "samples_after_blip",
    [pytest.param(0, id="blip_is_the_latest_sample"), pytest.param(3, id="blip_15_min_ago")],
)
def test_backlog_spike_ignores_a_single_sample_blip(samples_after_blip: int):
    frame = backlog_samples(15)
    blip = frame.index[-1 - samples_after_blip]
    frame.loc[blip, "value"] += 20000
    assert evaluate(facts(frame), for_cycles=2).outcome(SUBJECT) == "silent"


@pytest.mark.parametrize(
    ("records", "expect"),
    [
        pytest.param(300, "silent", id="300_records_on_a_near_zero_baseline_stays_silent"),
        pytest.param(499, "silent", id="499_records_stays_silent"),
        pytest.param(800, "warning", id="800_records_fires"),
    ],
)
def test_backlog_spike_needs_spike_min_records_above_a_near_zero_baseline(records, expect):
    quiet = backlog_samples(15, level=2.0)
    flood = with_flood(quiet, samples=12, records=records)
    assert evaluate(facts(flood)).outcome(SUBJECT) == expect


def test_backlog_spike_not_enough_history_is_not_evaluated_not_a_finding():
    results = evaluate(facts(with_flood(backlog_samples(3), samples=24, records=9000)))
    assert len(results) == 1
    assert isinstance(results[0], NotEvaluated)
    assert results[0].subject == SUBJECT
    assert "3.0 days of history; needs 7" in results[0].reason


def test_backlog_spike_with_no_samples_at_all_is_not_evaluated():
    empty = backlog_samples(1).iloc[0:0]
    assert evaluate(facts(empty)) == [
        NotEvaluated("backlog_spike", "backlog", "no backlog samples collected yet")
    ]


def test_backlog_spike_is_not_evaluated_when_too_few_days_sampled_this_hour():
    # 10 days of history, but the collector only ran at 02:xx on the last 3 days.
    frame = backlog_samples(10)
    days_ago = (NOW - frame["ts"]).dt.days
    frame = frame[(frame["ts"].dt.hour != 2) | (days_ago < 3)].reset_index(drop=True)
    results = evaluate(facts(with_flood(frame, samples=6, records=9000)))
    assert results.outcome(SUBJECT) == "not_evaluated"
    assert "days of samples at this hour; needs 5" in results[0].reason


@pytest.mark.parametrize(
    "hours",
    [
        pytest.param(36, id="a_36_hour_incident_a_week_ago"),
        pytest.param(5 * 24, id="a_5_day_incident_a_third_of_the_training_window"),
    ],
)
def test_backlog_spike_training_excludes_an_earlier_incident(hours: int):
    normal = backlog_samples(15)
    began = NOW - timedelta(days=9)
    earlier = (normal["ts"] >= began) & (normal["ts"] < began + timedelta(hours=hours))
    incident_then = with_extra(normal, earlier, 4000)  # as big as today's
    incident_now = with_flood(incident_then, samples=12, records=4000)
    [finding] = evaluate(facts(incident_now)).findings.values()
    assert finding.evidence["baseline"] == pytest.approx(normal["value"].iloc[-1], rel=0.15)


def test_backlog_spike_judges_each_object_and_direction_on_its_own():
    lead = flooded(samples=12, records=4000)
    contact = backlog_samples(15, object_name="Contact", seed=1)
    push = backlog_samples(15, direction="marketo_to_sfdc", seed=2)
    results = evaluate(facts(pd.concat([lead, contact, push], ignore_index=True)))
    assert results.outcome("Lead/sfdc_to_marketo") == "warning"
    assert results.outcome("Contact/sfdc_to_marketo") == "silent"
    assert results.outcome("Lead/marketo_to_sfdc") == "silent"


@pytest.mark.parametrize(
    ("seasonality", "expect"),
    [
        pytest.param("hour_of_day", "warning", id="hour_of_day_sees_the_weekly_job_as_a_spike"),
        pytest.param("hour_of_week", "silent", id="hour_of_week_learns_the_weekly_job"),
    ],
)
def test_backlog_spike_seasonality_setting_on_a_weekly_pattern(seasonality: str, expect: str):
    weekly = with_weekly_batch(backlog_samples(43))
    # Six Fridays of history, all trained on: at least 5 distinct days per hour-of-week bucket.
    results = evaluate(
        facts(weekly), seasonality=seasonality, min_days_per_bucket=5, training_days=42
    )
    assert results.outcome(SUBJECT) == expect


def test_backlog_spike_hour_of_week_still_fires_on_a_flood_in_a_quiet_week_hour():
    weekly = with_weekly_batch(backlog_samples(43))
    flood = with_flood(ending_at(weekly, NOW - timedelta(hours=12)), samples=12, records=6000)
    results = evaluate(
        facts(flood), seasonality="hour_of_week", min_days_per_bucket=5, training_days=42
    )
    assert results.outcome(SUBJECT) == "warning"


def test_backlog_spike_hour_of_week_needs_weeks_of_history_per_bucket():
    # Two weeks give two samples-days per hour-of-week bucket: below min_days_per_bucket.
    weekly = with_flood(with_weekly_batch(backlog_samples(15)), samples=12, records=9000)
    assert evaluate(facts(weekly), seasonality="hour_of_week").outcome(SUBJECT) == "not_evaluated"


def stats_rows(frame: pd.DataFrame, provenance: str) -> pd.DataFrame:
    rows = frame.assign(instance=INSTANCE, metric="backlog", provenance=provenance)
    return rows[["instance", "ts", "object", "direction", "metric", "value", "provenance"]]


def test_backlog_spike_through_the_runner_reads_backlog_series_from_sync_stats(tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    flood = flooded(samples=12, records=4000)
    # Our own estimate disagrees on Contact; Marketo's reported figure must win.
    contact = backlog_samples(15, object_name="Contact", seed=3)
    contact_estimate = with_flood(contact, samples=12, records=9000)
    mass_update = pd.DataFrame(
        {
            "instance": INSTANCE,
            "ts": [NOW - timedelta(minutes=50)],
            "object": "Lead",
            "modifier": "ops.admin@acme.example (Data Loader)",
            "field": "Lead_Score__c",
            "changes": [8000],
            "provenance": "reported",
        }
    )
    with store.write() as con:
        insert_frame(con, "sync_stats", stats_rows(flood, "reported"))
        insert_frame(con, "sync_stats", stats_rows(contact, "reported"))
        insert_frame(con, "sync_stats", stats_rows(contact_estimate, "estimated"))
        insert_frame(con, "change_counts", mass_update)

    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])

    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [(SUBJECT, "opened")]
    spike = store.query("findings_open", instance=INSTANCE)
    assert spike["subject"].tolist() == [SUBJECT]
    assert '"modifier": "ops.admin@acme.example (Data Loader)"' in spike["evidence"].iloc[0]


def test_backlog_spike_through_the_runner_is_not_evaluated_on_a_young_store(tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        insert_frame(con, "sync_stats", stats_rows(backlog_samples(2), "reported"))
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.findings == 0
    assert [(n.subject, n.reason[:3]) for n in summary.not_evaluated] == [(SUBJECT, "2.0")]
    skipped = store.query("check_outcomes_skipped", instance=INSTANCE)
    assert skipped["subject"].tolist() == [SUBJECT]


def test_the_expected_band_is_the_line_the_check_fires_above():
    """The band the Backlog page draws is the check's own: a flood just above its upper edge
    for the last samples is a spike, just below it is not."""
    from checks.backlog_spike import expected_band

    history = backlog_samples(14)
    settings = CHECK.defaults()
    last = history["ts"].iloc[-settings["for_cycles"] :]
    band = expected_band(history, settings, last)
    assert (band["expected"] > 0).all()
    assert (band["spike_above"] > band["expected"]).all()

    def flooded(margin: float) -> pd.DataFrame:
        frame = history.copy()
        frame.loc[last.index, "value"] = band["spike_above"].to_numpy() + margin
        return frame

    assert evaluate(facts(flooded(+1))).outcome(SUBJECT) in ("warning", "critical")
    assert evaluate(facts(flooded(-1))).outcome(SUBJECT) == "silent"
