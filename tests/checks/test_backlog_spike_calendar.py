"""backlog_spike with the business calendar: a month-end load on the last two days of every
month is quiet with a month-end entry (muted, and left out of later baselines) and fires without.

The check also learns a month-end load from two earlier months on its own
(tests/checks/test_backlog_spike_month_end.py); these tests are about the calendar, so the
moments judged without an entry either have one earlier month only or judge with
`month_history_days=0` (no month-end baseline).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from monitor.config.calendar import parse_calendar, windows
from tests.checks.harness import SILENT, judge
from tests.checks.test_backlog_spike import CHECK, NO_CHANGES, SUBJECT, backlog_samples

MONTH_END_LOAD = 5000.0  # records the month-end close adds to the queue
MONTH_END = ({"name": "Month-end close", "every": "month-end", "days": 2},)


def month_end_series(days: int = 100) -> pd.DataFrame:
    """`days` of Lead backlog ending at NOW, with the month-end close's load on the last two
    (UTC) days of every month."""
    frame = backlog_samples(days)
    last_day = frame["ts"].dt.days_in_month
    is_month_end = frame["ts"].dt.day > last_day - 2
    frame.loc[is_month_end, "value"] += MONTH_END_LOAD
    return frame


def calendar_of(tables, start: datetime, end: datetime, *, instance: str = "prod"):
    """The windows the runner hands the check, from [[calendar]] tables as monitor.toml has them."""
    return windows(parse_calendar(tables, "monitor.toml", "UTC"), instance, start, end)


def judged_at(moment: datetime, tables=(), **settings) -> str:
    series = month_end_series()
    facts = {"backlog": series[series["ts"] <= moment], "changes": NO_CHANGES}
    if tables:
        facts["calendar"] = calendar_of(tables, moment - timedelta(days=120), moment)
    return judge(CHECK, facts, now=moment, **settings).outcome(SUBJECT)


NO_MONTH_BASELINE = {"month_history_days": 0}


DURING_CLOSE = [
    datetime(2026, 10, 30, 2, 30, tzinfo=UTC),  # an hour into October's close
    datetime(2026, 10, 31, 15, 0, tzinfo=UTC),
    datetime(2026, 9, 30, 8, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", DURING_CLOSE)
def test_a_month_end_load_fires_without_a_calendar_entry(moment):
    assert judged_at(moment, **NO_MONTH_BASELINE) in ("warning", "critical")


def test_with_one_earlier_month_only_the_load_fires_without_an_entry_by_default():
    # September's close has only August's before it in the series: not yet learnt.
    assert judged_at(DURING_CLOSE[2]) in ("warning", "critical")


@pytest.mark.parametrize("moment", DURING_CLOSE)
def test_a_month_end_entry_keeps_the_month_end_load_quiet(moment):
    assert judged_at(moment, MONTH_END) == SILENT


def test_after_the_close_the_baseline_has_not_learnt_the_load():
    # The morning after October's close: back to normal, silent either way...
    after = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert judged_at(after, MONTH_END) == SILENT
    # ... and a real flood then is still a spike: the close's samples did not widen the band.
    series = month_end_series()
    series = series[series["ts"] <= after].copy()
    series.loc[series.index[-12:], "value"] += 4000
    facts = {
        "backlog": series,
        "changes": NO_CHANGES,
        "calendar": calendar_of(MONTH_END, after - timedelta(days=120), after),
    }
    assert judge(CHECK, facts, now=after).outcome(SUBJECT) in ("warning", "critical")


def test_an_entry_for_another_object_does_not_quiet_lead():
    contact_only = ({**MONTH_END[0], "object": "Contact"},)
    assert judged_at(DURING_CLOSE[1], contact_only, **NO_MONTH_BASELINE) in ("warning", "critical")
