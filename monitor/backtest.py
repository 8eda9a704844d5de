"""Backtest: replay checks over stored history as the scheduler would have run them.

A cycle every `every` (the collection interval) from `start` to `until`; at each cycle a check
says what it would have said then, with only the data available then (each input as of its
anchor's data time, as the runner reads it). The findings lifecycle of the runner turns those
answers into episodes: a subject opens with its first finding, stays one episode while the check
keeps reporting it (or cannot judge it: "not enough data" never resolves a problem), and is
resolved at the first cycle that no longer reports it.

Checks with a `replay` (backlog_spike) load their inputs once over the whole span and answer
every cycle in one vectorised pass; the others are evaluated at every cycle (`naive`), which is
also how the fast path is tested and benchmarked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from checks import REGISTRY, get_check
from checks.base import SEVERITIES, Check, Finding, NotEvaluated
from monitor.calendar import LOOKBACK, BusinessCalendar
from monitor.runner import (
    coverage_ends,
    evaluate_check,
    judged_per_object,
    resolve_object_settings,
    resolve_settings,
)
from monitor.store import Store
from queries import run_query

Timeline = dict[str, dict[int, Finding | NotEvaluated]]


@dataclass
class Episode:
    """One finding from the cycle it opened to the cycle it resolved (None: still open)."""

    check: str
    subject: str
    opened_at: datetime
    resolved_at: datetime | None
    severity: str  # the highest severity it reached
    title: str  # as the finding was titled when it opened
    peak: float | None = None  # the highest `peak` its evidence reported, if it has one

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "subject": self.subject,
            "opened_at": self.opened_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "severity": self.severity,
            "title": self.title,
            "peak": self.peak,
        }


def cycles(start: datetime, until: datetime, every: timedelta) -> list[datetime]:
    """The moments the scheduler would have run the checks at: start, start + every, ..."""
    count = int((until - start) / every)
    return [start + i * every for i in range(count + 1)]


def episodes_from(check_id: str, timeline: Timeline, moments: list[datetime]) -> list[Episode]:
    """The runner's lifecycle over per-cycle outcomes (silent cycles are absent)."""
    episodes: list[Episode] = []
    for subject in sorted(timeline):
        outcomes = timeline[subject]
        current: Episode | None = None
        previous = -2
        for index in sorted(outcomes):
            if current is not None and index != previous + 1:
                current.resolved_at = moments[previous + 1]
                current = None
            outcome = outcomes[index]
            previous = index
            if not isinstance(outcome, Finding):
                continue  # not evaluated: the state stays as it was
            if current is None:
                current = Episode(
                    check_id, subject, moments[index], None, outcome.severity, outcome.title
                )
                episodes.append(current)
            if SEVERITIES.index(outcome.severity) > SEVERITIES.index(current.severity):
                current.severity = outcome.severity
            peak = outcome.evidence.get("peak")
            if isinstance(peak, int | float) and not isinstance(peak, bool):
                current.peak = max(current.peak or peak, float(peak))
        if current is not None and previous + 1 < len(moments):
            current.resolved_at = moments[previous + 1]
    return sorted(episodes, key=lambda e: (e.opened_at, e.check, e.subject))


@dataclass(frozen=True)
class Replay:
    """One check replayed over one instance's cycles: what both ways of replaying read."""

    con: duckdb.DuckDBPyConnection
    check: Check
    settings: dict[str, Any]
    object_settings: dict[str, dict[str, Any]]
    instance: str
    moments: list[datetime]
    calendar: pd.DataFrame | None = None


def naive_timeline(replay: Replay) -> Timeline:
    """Evaluate the check at every cycle, reading its inputs as the runner would then."""
    timeline: Timeline = {}
    for index, moment in enumerate(replay.moments):
        coverage = coverage_ends(replay.con, replay.instance, moment)
        for outcome in evaluate_check(
            replay.con,
            replay.check,
            replay.settings,
            replay.object_settings,
            replay.instance,
            moment,
            coverage,
            replay.calendar,
        ):
            timeline.setdefault(outcome.subject, {})[index] = outcome
    return timeline


def _widened(check: Check, settings: dict[str, Any], span: timedelta) -> dict[str, Any]:
    """Settings whose look-back query parameters (…_days, …_hours) also cover `span`, so one read
    holds every cycle's data; the check itself still judges with `settings`."""
    wide = dict(settings)
    for spec in check.inputs.values():
        for name in spec.params_from_settings.values():
            if name.endswith("_days"):
                wide[name] = settings[name] + math.ceil(span / timedelta(days=1))
            elif name.endswith("_hours"):
                wide[name] = settings[name] + math.ceil(span / timedelta(hours=1))
    return wide


def fast_timeline(replay: Replay) -> Timeline:
    """The check's own replay over inputs read once for the whole span."""
    check, moments = replay.check, replay.moments
    assert check.replay is not None
    span = moments[-1] - moments[0]

    def replayed(values: dict[str, Any]) -> list[tuple[str, dict[int, Finding | NotEvaluated]]]:
        wide = _widened(check, values, span)
        data = {
            name: run_query(
                replay.con,
                spec.query,
                instance=replay.instance,
                now=moments[-1],
                **{param: wide[name] for param, name in spec.params_from_settings.items()},
            )
            for name, spec in check.inputs.items()
        }
        if replay.calendar is not None:
            data["calendar"] = replay.calendar.copy()
        return list(check.replay(data, values, moments).items())

    return dict(
        judged_per_object(
            replay.settings, replay.object_settings, replayed, subject=lambda item: item[0]
        )
    )


def backtest(
    store: Store,
    instance: str,
    start: datetime,
    until: datetime,
    *,
    check_ids: list[str] | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    every: timedelta = timedelta(minutes=5),
    naive: bool = False,
    calendar: BusinessCalendar | None = None,
) -> list[Episode]:
    """Every episode the checks would have opened between `start` and `until`; with a business
    calendar, planned windows are muted and left out of the baselines as the runner does."""
    checks = [get_check(c) for c in check_ids] if check_ids else list(REGISTRY)
    overrides = overrides or {}
    moments = cycles(start, until, every)
    windows = None
    if calendar is not None:
        windows = calendar.windows(instance, start - LOOKBACK, until + timedelta(days=1))
    episodes: list[Episode] = []
    with store.read() as con:
        for check in checks:
            settings = resolve_settings(check, overrides)
            object_settings = resolve_object_settings(check, overrides)
            timeline = (naive_timeline if naive or check.replay is None else fast_timeline)(
                Replay(con, check, settings, object_settings, instance, moments, windows)
            )
            episodes += episodes_from(check.id, timeline, moments)
    return sorted(episodes, key=lambda e: (e.opened_at, e.check, e.subject))


def data_span(store: Store, instance: str) -> datetime | None:
    """The newest stored data time of the instance, whatever the clock says (where a replay ends
    by default: a store imported from elsewhere may run ahead of this machine's clock)."""
    with store.read() as con:
        ends = coverage_ends(con, instance, datetime(9999, 12, 31, tzinfo=UTC))
    return max(ends.values()) if ends else None
