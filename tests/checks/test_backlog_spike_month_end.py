"""backlog_spike learns a recurring month-end load without a calendar entry: once two earlier
months show it on the same day of the month, the load is normal there; a genuine flood on that
day (on top of the load, or at another hour) is still found; with one earlier month only, the
usual baseline judges (the load fires)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from checks.backlog_spike import expected_band
from tests.checks.harness import SILENT, judge
from tests.checks.test_backlog_spike import CHECK, NO_CHANGES, SUBJECT, backlog_samples

CLOSE_LOAD = 5000.0  # records the month-end close adds, 18:00-22:00 UTC on the last day
OCTOBER_CLOSE = datetime(2026, 10, 31, 19, 30, tzinfo=UTC)  # August's and September's before it
SEPTEMBER_CLOSE = datetime(2026, 9, 30, 19, 30, tzinfo=UTC)  # only August's before it
FIRES = ("warning", "critical")


def is_close(ts: pd.Series) -> pd.Series:
    return (ts.dt.day == ts.dt.days_in_month) & (ts.dt.hour >= 18) & (ts.dt.hour < 22)


def close_series(load: float = CLOSE_LOAD) -> pd.DataFrame:
    """110 days of Lead backlog ending at NOW (from early August) with the close's load."""
    frame = backlog_samples(110)
    frame.loc[is_close(frame["ts"]), "value"] += load
    return frame


def up_to(frame: pd.DataFrame, moment: datetime, flood: float = 0, samples: int = 12):
    """The samples known at `moment`, the last `samples` of them carrying `flood` more."""
    frame = frame[frame["ts"] <= moment].copy()
    frame.loc[frame.index[-samples:], "value"] += flood
    return frame


def judged(frame: pd.DataFrame, moment: datetime, **settings):
    return judge(CHECK, {"backlog": frame, "changes": NO_CHANGES}, now=moment, **settings)


def test_a_close_seen_in_two_earlier_months_is_normal_without_a_calendar_entry():
    assert judged(up_to(close_series(), OCTOBER_CLOSE), OCTOBER_CLOSE).outcome(SUBJECT) == SILENT


def test_without_the_month_end_baseline_the_same_close_fires():
    outcome = judged(up_to(close_series(), OCTOBER_CLOSE), OCTOBER_CLOSE, month_history_days=0)
    assert outcome.outcome(SUBJECT) in FIRES


def test_with_one_earlier_month_the_close_is_not_learnt_yet():
    outcome = judged(up_to(close_series(), SEPTEMBER_CLOSE), SEPTEMBER_CLOSE)
    assert outcome.outcome(SUBJECT) in FIRES
    [finding] = outcome.findings.values()
    assert finding.evidence["month_position"] is None


def test_a_flood_on_top_of_a_learnt_close_is_found_and_names_the_month_end_baseline():
    outcome = judged(up_to(close_series(), OCTOBER_CLOSE, flood=8000), OCTOBER_CLOSE)
    assert outcome.outcome(SUBJECT) in FIRES
    [finding] = outcome.findings.values()
    evidence = finding.evidence
    assert evidence["month_position"] == "the last day of the month"
    assert evidence["baseline_months"] == 2
    # The baseline is the close's level, not the usual evening's.
    assert evidence["baseline"] == pytest.approx(CLOSE_LOAD + 300, rel=0.2)
    assert "on the last day of the month" in finding.title
    assert f"{evidence['baseline']:,.0f}" in finding.detail
    assert "learnt from that day of the 2 months before" in finding.detail
    assert pd.Timestamp(evidence["start"]) == up_to(close_series(), OCTOBER_CLOSE)["ts"].iloc[-12]


def test_a_flood_at_another_hour_of_a_close_day_is_found():
    morning = OCTOBER_CLOSE.replace(hour=10)
    assert judged(up_to(close_series(), morning, flood=3000), morning).outcome(SUBJECT) in FIRES


def test_a_month_end_without_any_load_keeps_the_usual_sensitivity():
    # No close in this series: a flood on the last day of the month is found as on any day.
    plain = close_series(load=0)
    assert judged(up_to(plain, OCTOBER_CLOSE), OCTOBER_CLOSE).outcome(SUBJECT) == SILENT
    flood = judged(up_to(plain, OCTOBER_CLOSE, flood=3000), OCTOBER_CLOSE)
    assert flood.outcome(SUBJECT) in FIRES


def test_the_expected_band_follows_the_learnt_close():
    series = up_to(close_series(), OCTOBER_CLOSE + timedelta(hours=3))
    # 29 October: a third-to-last day, where no close ran. (30 October, a Friday, is the last
    # business day, like 30 September and 31 August with their closes: its band is wide too.)
    at = pd.Series(pd.to_datetime([OCTOBER_CLOSE - timedelta(days=2), OCTOBER_CLOSE], utc=True))
    band = expected_band(series[["ts", "value"]], CHECK.defaults(), at)
    days_before, close = band["expected"]
    assert days_before < 1000 < CLOSE_LOAD * 0.8 < close


def test_a_close_on_the_last_business_day_is_learnt_when_it_moves_to_a_friday():
    # Last business days: Mon 31 August, Wed 30 September, Fri 30 October (31 October is a
    # Saturday): by calendar day, 30 October is the second-to-last, where no close ran before.
    frame = backlog_samples(110)
    day = frame["ts"].dt.tz_localize(None).dt.normalize()
    last_business = day == day + pd.offsets.BMonthEnd(0)
    evening = (frame["ts"].dt.hour >= 18) & (frame["ts"].dt.hour < 22)
    frame.loc[last_business & evening, "value"] += CLOSE_LOAD
    friday_close = datetime(2026, 10, 30, 19, 30, tzinfo=UTC)
    assert judged(up_to(frame, friday_close), friday_close).outcome(SUBJECT) == SILENT
    flood = judged(up_to(frame, friday_close, flood=8000), friday_close)
    [finding] = flood.findings.values()
    assert finding.evidence["month_position"] == "the last business day of the month"
    assert "on the last business day of the month" in finding.title
