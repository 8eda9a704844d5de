"""Preview: what one check would have said over a range with settings still being edited.

The Checks page's "try these settings" view (Grafana's alert-rule preview, for sync data): the
backtest of one check with the edited settings on top of the saved ones, next to the backtest
with the saved settings alone, and for backlog_spike the series it judged and the band it calls
normal (checks/backlog_spike.py `expected_band`, learnt with the edited settings). Nothing is
stored: both replays only read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks import get_check
from checks.base import subject_object
from monitor.backtest import Episode, backtest
from monitor.calendar import load_calendar
from monitor.config import Config
from monitor.store import Store
from queries import run_query

# A check without a fast replay is evaluated from the store at every cycle (a fraction of a second
# each): its preview replays at most this many cycles, spread over the range.
SLOW_CYCLES = 48
SERIES_COLUMNS = ["subject", "ts", "value"]
BAND_COLUMNS = ["subject", "ts", "expected", "spike_above"]


@dataclass
class Preview:
    """One check over [since, until]: its episodes with the edited and with the saved settings,
    and for a check with a series (backlog_spike) the series per subject (records) and the
    expected band at each sample (NaN where the check does not judge yet)."""

    check: str
    since: datetime
    until: datetime
    every: timedelta  # between replayed cycles
    episodes: list[Episode]
    saved_episodes: list[Episode]
    series: pd.DataFrame  # subject, ts, value; empty for a check without a series
    band: pd.DataFrame  # subject, ts, expected, spike_above


def edited_overrides(
    saved: dict[str, dict[str, Any]], check_id: str, edited: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """The saved [checks.*] tables with `edited` on top of the check's own table (as the
    backtest verb's --set does); a per-object table still wins for its object."""
    overrides = {check: dict(table) for check, table in saved.items()}
    overrides.setdefault(check_id, {}).update(edited)
    return overrides


def cadence(check_id: str, since: datetime, until: datetime, interval: timedelta) -> timedelta:
    """The collection interval for a check with a fast replay; for the others, coarser when the
    range holds more than SLOW_CYCLES intervals (whole minutes)."""
    if get_check(check_id).replay is not None:
        return interval
    minutes = math.ceil((until - since) / SLOW_CYCLES / timedelta(minutes=1))
    return max(interval, timedelta(minutes=minutes))


def _matches(subject: str, object_name: str | None, direction: str | None) -> bool:
    if object_name is not None and subject_object(subject) != object_name:
        return False
    return direction is None or subject.endswith(f"/{direction}")


def _backlog_series(
    store: Store,
    instance: str,
    overrides: dict[str, dict[str, Any]],
    since: datetime,
    until: datetime,
    object_name: str | None,
    direction: str | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The backlog samples of the chosen subjects in the range, and the band at each one,
    learnt as the check learns it (the training window before each sample included)."""
    from checks.backlog_spike import expected_band

    check = get_check("backlog_spike")
    base = check.resolve_settings(overrides.get(check.id))
    per_object = check.object_settings(overrides.get(check.id))
    longest = max(
        max(int(s["training_days"]), int(s["month_history_days"]))
        for s in [base, *per_object.values()]
    )
    days = longest + (until - since).days + 1
    with store.read() as con:
        samples = run_query(
            con,
            "backlog_series",
            instance=instance,
            now=until,
            training_days=days,
            month_history_days=0,  # `days` covers the month-end history too
        )
    samples["subject"] = samples["object"] + "/" + samples["direction"]
    series_parts, band_parts = [], []
    chosen = [s for s in samples["subject"].unique() if _matches(s, object_name, direction)]
    for subject in sorted(chosen):
        history = samples[samples["subject"] == subject][["ts", "value"]]
        shown = history[history["ts"] >= pd.Timestamp(since)]
        if shown.empty:
            continue
        settings = per_object.get(subject_object(subject), base)
        band = expected_band(history, settings, shown["ts"])
        series_parts.append(shown.assign(subject=subject)[SERIES_COLUMNS])
        band_parts.append(band.assign(subject=subject)[BAND_COLUMNS])
    series = pd.concat(series_parts) if series_parts else pd.DataFrame(columns=SERIES_COLUMNS)
    band = pd.concat(band_parts) if band_parts else pd.DataFrame(columns=BAND_COLUMNS)
    return series.reset_index(drop=True), band.reset_index(drop=True)


def preview(
    store: Store,
    config: Config,
    instance: str,
    check_id: str,
    edited: dict[str, Any],
    since: datetime,
    until: datetime,
    *,
    object_name: str | None = None,
    direction: str | None = None,
    every: timedelta | None = None,
) -> Preview:
    """Backtest `check_id` over [since, until] with `edited` settings on top of the saved ones
    (config.checks), and with the saved ones alone, every `every` (default: `cadence`) and with
    the business calendar, as `python -m monitor backtest --check <id> --set ...` replays it;
    episodes (and series) only for `object_name` and `direction` when given. Stores nothing;
    an unknown setting is a ConfigError naming it."""
    check = get_check(check_id)
    overrides = edited_overrides(config.checks, check_id, edited)
    check.resolve_settings(overrides.get(check_id))  # a bad setting fails before any replay
    interval = timedelta(minutes=config.salesforce_interval_minutes)
    every = every or cadence(check_id, since, until, interval)
    calendar = load_calendar(store, config)

    def replayed(values: dict[str, dict[str, Any]]) -> list[Episode]:
        found = backtest(
            store,
            instance,
            since,
            until,
            check_ids=[check_id],
            overrides=values,
            every=every,
            calendar=calendar,
        )
        return [e for e in found if _matches(e.subject, object_name, direction)]

    episodes = replayed(overrides)
    saved = replayed(config.checks)
    series = pd.DataFrame(columns=SERIES_COLUMNS)
    band = pd.DataFrame(columns=BAND_COLUMNS)
    if check_id == "backlog_spike":
        series, band = _backlog_series(
            store, instance, overrides, since, until, object_name, direction
        )
    return Preview(check_id, since, until, every, episodes, saved, series, band)
