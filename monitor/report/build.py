"""Build a weekly report: read each instance's week with the dashboard's queries, then assemble
its sections by audience."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from monitor.errors import ReportError
from monitor.health import health_score
from monitor.report import marketo, ops, salesforce, summary
from monitor.report.context import Context
from monitor.report.figures import better_and_worse, open_by_severity, week_figures
from monitor.report.load import PREVIOUS_WEEK_KEYS, load_window
from monitor.report.model import Health, InstanceReport, Report, Table
from monitor.report.weeks import Week, last_complete_week, parse_week, window_of
from monitor.store import Store

ALL = "all"


def resolve_week(week: str | Week | None, now: datetime) -> Week:
    """`2026-W47`, a Week, or None for the last complete week before `now`."""
    if week is None or week == "":
        return last_complete_week(now)
    if isinstance(week, Week):
        return week
    try:
        return parse_week(week)
    except ValueError as exc:
        raise ReportError(str(exc)) from None


def _instances(store: Store, wanted: str | None) -> pd.DataFrame:
    known = store.query("instances")
    if wanted is None:
        return known
    chosen = known[known["instance"] == wanted]
    if chosen.empty:
        names = ", ".join(known["instance"]) or "none yet"
        raise ReportError(f"unknown instance {wanted!r} (known: {names})")
    return chosen


def _health(context: Context) -> Health:
    now = open_by_severity(context.frames["open_at_end"])
    before = open_by_severity(context.previous_frames["open_at_end"])
    return Health(health_score(now), health_score(before), now, before)


def assemble(context: Context, label: str, is_demo: bool) -> InstanceReport:
    """One instance's report from its frames."""
    figures = week_figures(context.frames)
    previous = week_figures(context.previous_frames)
    better, worse = better_and_worse(figures, previous, context.frames["events"])
    health = _health(context)
    return InstanceReport(
        instance=context.instance,
        label=label,
        is_demo=is_demo,
        has_data=context.has_data,
        health=health,
        better=better,
        worse=worse,
        figures=figures,
        previous_figures=previous,
        sections=[
            summary.build(context, health, figures, previous, better, worse),
            marketo.build(context),
            salesforce.build(context),
            ops.build(context, figures, previous),
        ],
    )


def fleet_table(reports: list[InstanceReport]) -> Table:
    """One row per instance: the numbers to compare across a fleet."""
    frame = pd.DataFrame(
        [
            {
                "instance": r.instance,
                "label": r.label,
                "health score": r.health.score,
                "change": r.health.change,
                "critical incidents": r.health.open_by_severity.get("critical", 0),
                "open incidents": sum(r.health.open_by_severity.values()),
                "sync errors": r.figures["sync_errors"],
                "peak backlog": r.figures["peak_backlog"],
                "data this week": r.has_data,
            }
            for r in reports
        ],
        columns=[
            "instance",
            "label",
            "health score",
            "change",
            "critical incidents",
            "open incidents",
            "sync errors",
            "peak backlog",
            "data this week",
        ],
    )
    return Table("fleet", "Instances", frame, "The store holds no instance yet.")


def build_report(
    store: Store,
    *,
    week: str | Week | None,
    instance: str | None,
    now: datetime,
    check_overrides: dict[str, dict[str, Any]] | None = None,
) -> Report:
    """The report of `week` (default: the last complete week before `now`) for one instance,
    or all of them when `instance` is None. `check_overrides` is monitor.toml's [checks]."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    chosen = resolve_week(week, now)
    try:
        window = window_of(chosen, now)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    previous = window_of(chosen.previous(), now)
    reports = []
    for row in _instances(store, instance).itertuples(index=False):
        # One short read burst per instance: a long report must not hold the writers off.
        with store.read() as con:
            frames = load_window(con, row.instance, window)
            previous_frames = load_window(con, row.instance, previous, PREVIOUS_WEEK_KEYS)
        context = Context(
            row.instance, window, previous, frames, previous_frames, check_overrides or {}
        )
        reports.append(assemble(context, str(row.label or row.instance), bool(row.is_demo)))
    return Report(
        window=window,
        previous=previous,
        scope=instance or ALL,
        generated_at=now,
        instances=reports,
        fleet=fleet_table(reports),
    )
