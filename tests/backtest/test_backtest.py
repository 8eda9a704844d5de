"""backtest: a replay over stored history gives the episodes the scheduler would have seen.

The fast replay (one baseline pass, one walk a day) is held to the naive one (the runner's
evaluate at every cycle, reading the store as of that cycle) on the same small series."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitor.backtest import backtest
from monitor.store import Store
from monitor.store.facts import insert_frame
from tests.checks.test_backlog_spike import INSTANCE, NOW, backlog_samples, stats_rows
from tests.test_cli import monitor

SUBJECT = "Lead/sfdc_to_marketo"


def eventful_series() -> pd.DataFrame:
    """16 days of Lead backlog ending at NOW with, in its last 36 hours: a two-hour flood, a
    single-sample blip, a flood that drains and comes back within the cooldown, and a flood
    still running at the end."""
    frame = backlog_samples(16)
    ts = frame["ts"]

    def add(start: pd.Timestamp, minutes: int, records: float) -> None:
        mask = (ts >= start) & (ts < start + timedelta(minutes=minutes))
        frame.loc[mask, "value"] += records

    add(pd.Timestamp(NOW) - timedelta(hours=34), 120, 4000)
    add(pd.Timestamp(NOW) - timedelta(hours=28), 5, 20000)  # a blip: never an episode
    add(pd.Timestamp(NOW) - timedelta(hours=20), 30, 5000)
    add(pd.Timestamp(NOW) - timedelta(hours=19), 30, 5000)  # within the 6 h cooldown
    add(pd.Timestamp(NOW) - timedelta(minutes=40), 60, 12000)
    return frame


def test_fast_replay_gives_the_same_episodes_as_evaluating_every_cycle(replay_store: Store):
    start = NOW - timedelta(hours=36)
    every = timedelta(minutes=20)
    both = [
        backtest(
            replay_store,
            INSTANCE,
            start,
            NOW,
            check_ids=["backlog_spike"],
            every=every,
            naive=naive,
        )
        for naive in (False, True)
    ]
    assert both[0] == both[1]
    episodes = both[0]
    # The first flood, the drained-and-back flood as one episode, and the one still open.
    assert len(episodes) == 3
    assert [e.subject for e in episodes] == [SUBJECT] * 3
    first, second, last = episodes
    assert first.opened_at - (NOW - timedelta(hours=34)) <= 2 * timedelta(minutes=20)
    assert first.resolved_at is not None and first.resolved_at < NOW - timedelta(hours=31)
    assert second.opened_at < NOW - timedelta(hours=19)
    assert last.resolved_at is None and last.severity == "critical"
    assert last.peak == pytest.approx(eventful_series()["value"].iloc[-8:].max())


def test_backtest_cli_prints_episodes_as_json_and_applies_set_to_the_replay_only(
    replay_store: Store,
):
    args = ["backtest", "--check", "backlog_spike", "--since", "36h", "--json", "--every", "30"]
    result = monitor(*args, db=replay_store.path)
    assert result.returncode == 0, result.stderr
    episodes = json.loads(result.stdout)
    assert len(episodes) == 3
    assert set(episodes[0]) >= {"check", "subject", "opened_at", "resolved_at", "severity", "title"}
    assert episodes[-1]["resolved_at"] is None
    assert "Lead backlog" in episodes[0]["title"]
    # Raising the bar above every flood but the last leaves one episode.
    strict = monitor(*args, "--set", "spike_min_records=8000", db=replay_store.path)
    assert strict.returncode == 0, strict.stderr
    assert [e["severity"] for e in json.loads(strict.stdout)] == ["critical"]
    text = monitor(*args[:-3], db=replay_store.path)
    assert text.returncode == 0, text.stderr
    assert "still open" in text.stdout and text.stdout.strip().endswith("3 episodes")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "no_such=1"], "no setting 'no_such'"),
        (["--check", "nope"], "no check 'nope'"),
    ],
)
def test_backtest_cli_names_a_bad_option_in_one_line(replay_store: Store, args, message):
    result = monitor("backtest", "--check", "backlog_spike", *args, db=replay_store.path)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_quiet_series_has_no_episode(tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        insert_frame(con, "sync_stats", stats_rows(backlog_samples(16), "reported"))
    assert (
        backtest(
            store,
            INSTANCE,
            NOW - timedelta(days=3),
            NOW,
            check_ids=["backlog_spike"],
            every=timedelta(minutes=5),
        )
        == []
    )


def test_backtest_with_a_month_end_entry_keeps_the_month_end_loads_quiet(tmp_path: Path):
    from monitor.calendar import BusinessCalendar
    from monitor.config.calendar import parse_calendar
    from tests.checks.test_backlog_spike_calendar import MONTH_END, month_end_series

    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        insert_frame(con, "sync_stats", stats_rows(month_end_series(80), "reported"))
    calendar = BusinessCalendar(tuple(parse_calendar(MONTH_END, "monitor.toml", "UTC")))

    def replayed(start=NOW - timedelta(days=55), until=NOW, every=30, **options):
        return backtest(
            store,
            INSTANCE,
            start,
            until,
            check_ids=["backlog_spike"],
            every=timedelta(minutes=every),
            **options,
        )

    # Without the entry: the September and October closes (28 days in).
    opened = [e.opened_at for e in replayed()]
    assert [(t.month, t.day) for t in opened] == [(9, 29), (10, 30)]
    assert replayed(calendar=calendar) == []
    # The naive replay (evaluate at every cycle) sees the calendar the same way (a few cycles
    # over October's close: it reads the store at every one).
    close = {"start": datetime(2026, 10, 30, 1, tzinfo=UTC), "every": 600}
    close["until"] = close["start"] + timedelta(hours=30)
    assert len(replayed(**close, naive=True)) == 1
    assert replayed(**close, calendar=calendar, naive=True) == []


def test_fast_replay_equals_the_naive_one_over_a_learnt_month_end_close(tmp_path: Path):
    # October's close is learnt from August's and September's (month_history_days reads them
    # in both replays); a flood on top of it is one episode, judged against the close's level.
    from tests.checks.test_backlog_spike_month_end import OCTOBER_CLOSE, close_series

    series = close_series()
    flood = (series["ts"] >= OCTOBER_CLOSE) & (series["ts"] < OCTOBER_CLOSE + timedelta(hours=1))
    series.loc[flood, "value"] += 8000
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        insert_frame(con, "sync_stats", stats_rows(series, "reported"))
    start = OCTOBER_CLOSE - timedelta(hours=3)
    both = [
        backtest(
            store,
            INSTANCE,
            start,
            start + timedelta(hours=8),
            check_ids=["backlog_spike"],
            every=timedelta(minutes=30),
            naive=naive,
        )
        for naive in (False, True)
    ]
    assert both[0] == both[1]
    [episode] = both[0]
    assert episode.opened_at - OCTOBER_CLOSE <= timedelta(minutes=30)
    assert "on the last day of the month" in episode.title
