"""preview: one check's backtest with settings being edited, next to the saved settings, with
the series and the band it judged; the same episodes as the backtest verb with --set."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from monitor.config import Config
from monitor.errors import ConfigError
from monitor.preview import preview
from monitor.store import Store
from tests.backtest.test_backtest import SUBJECT, eventful_series
from tests.checks.test_backlog_spike import INSTANCE, NOW
from tests.test_cli import monitor

SINCE = NOW - timedelta(hours=36)


def cli_episodes(store: Store, *assignments: str) -> list[dict]:
    args = ["backtest", "--check", "backlog_spike", "--json"]
    args += ["--from", SINCE.isoformat(), "--until", NOW.isoformat()]
    for assignment in assignments:
        args += ["--set", assignment]
    result = monitor(*args, db=store.path)
    assert result.returncode == 0, result.stderr
    return [{k: v for k, v in e.items() if k != "instance"} for e in json.loads(result.stdout)]


def test_preview_episodes_are_the_backtest_verbs_with_the_same_settings(replay_store: Store):
    config = Config(db=str(replay_store.path))
    edited = {"spike_min_records": 8000}
    shown = preview(replay_store, config, INSTANCE, "backlog_spike", edited, SINCE, NOW)
    assert [e.as_json() for e in shown.episodes] == cli_episodes(
        replay_store, "spike_min_records=8000"
    )
    assert [e.as_json() for e in shown.saved_episodes] == cli_episodes(replay_store)
    # The stricter setting keeps only the critical flood still running; the saved ones see 3.
    assert [e.severity for e in shown.episodes] == ["critical"]
    assert len(shown.saved_episodes) == 3


def test_preview_draws_the_series_in_range_and_the_band_learnt_with_the_edited_settings(
    replay_store: Store,
):
    config = Config(db=str(replay_store.path))
    loose = preview(replay_store, config, INSTANCE, "backlog_spike", {}, SINCE, NOW)
    samples = eventful_series()
    in_range = samples[samples["ts"] >= SINCE]
    assert set(loose.series["subject"]) == set(loose.band["subject"]) == {SUBJECT}
    assert list(loose.series["value"]) == pytest.approx(list(in_range["value"]))
    assert list(loose.band["ts"]) == list(loose.series["ts"])
    judged = loose.band.dropna()
    assert len(judged) == len(loose.band)  # 16 days of history: every sample is judged
    assert (judged["spike_above"] > judged["expected"]).all()
    # The band is learnt with the edited settings: a spike must now clear 8,000 records above
    # the baseline, well above the saved settings' threshold.
    strict = preview(
        replay_store, config, INSTANCE, "backlog_spike", {"spike_min_records": 8000}, SINCE, NOW
    )
    assert (strict.band["spike_above"] >= strict.band["expected"] + 8000 - 1e-6).all()
    assert strict.band["spike_above"].min() > loose.band["spike_above"].max()


def test_preview_filters_by_object_and_direction(replay_store: Store):
    config = Config(db=str(replay_store.path))
    other = preview(
        replay_store, config, INSTANCE, "backlog_spike", {}, SINCE, NOW, object_name="Contact"
    )
    assert other.episodes == other.saved_episodes == [] and other.series.empty
    lead = preview(
        replay_store, config, INSTANCE, "backlog_spike", {}, SINCE, NOW, direction="sfdc_to_marketo"
    )
    assert len(lead.episodes) == 3 and set(lead.series["subject"]) == {SUBJECT}


def test_preview_names_an_unknown_setting(replay_store: Store):
    config = Config(db=str(replay_store.path))
    with pytest.raises(ConfigError, match="unknown setting 'nope'"):
        preview(replay_store, config, INSTANCE, "backlog_spike", {"nope": 1}, SINCE, NOW)


def test_a_check_without_a_fast_replay_is_previewed_on_fewer_cycles():
    from monitor.preview import SLOW_CYCLES, cadence

    interval = timedelta(minutes=5)
    assert cadence("backlog_spike", NOW - timedelta(days=7), NOW, interval) == interval
    week = cadence("stale_data", NOW - timedelta(days=7), NOW, interval)
    assert week == timedelta(days=7) / SLOW_CYCLES
    assert cadence("stale_data", NOW - timedelta(hours=2), NOW, interval) == interval
