"""A plan in words, as the CLI prints it and the Backlog page shows it (times in UTC)."""

from __future__ import annotations

from datetime import datetime

from monitor.planner import Plan
from monitor.planner.fields import NO_SYNC, NOT_RECEIVED
from monitor.vocabulary import DIRECTION_LABELS


def _when(moment: datetime | None) -> str:
    return "not within 14 days" if moment is None else f"{moment:%a %Y-%m-%d %H:%M} UTC"


def _span(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "unknown"
    return f"{low:,.1f} h" if abs(high - low) < 0.05 else f"{low:,.1f} to {high:,.1f} h"


def _coverage(share: float | None) -> str:
    """What the range holds, in words: the share of past days' paces that clear within it."""
    if share is None:
        return "from percentiles of the measured hourly rates"
    return f"{round(share * 10)} in 10 runs at past days' paces clear in this window"


def plan_lines(plan: Plan) -> list[str]:
    """The answer first, then who waits, the best start, and the basis of every figure."""
    direction = DIRECTION_LABELS.get(plan.direction, plan.direction)
    head = f"{plan.records:,} {plan.object} updates starting {_when(plan.start)} ({direction})" + (
        f", field {plan.field_name}" if plan.field_name else ""
    )
    if plan.status == NO_SYNC:
        return [head, f"No sync queued: {plan.reason}."]
    if plan.status != "estimated":
        return [head, f"Fully synced: unknown ({plan.reason})."] + _field_lines(plan)
    if plan.synced_at["earliest"] == plan.synced_at["latest"]:
        # Every past day ran at the same pace: a range "between X and X" would read as a bug.
        answer = (
            f"Fully synced: about {_when(plan.synced_at['estimate'])} "
            f"({_span(plan.hours['estimate'], plan.hours['estimate'])} after the start; no "
            "spread: every past day measured ran at the same pace)."
        )
    else:
        answer = (
            f"Fully synced: about {_when(plan.synced_at['estimate'])}, likely between "
            f"{_when(plan.synced_at['earliest'])} and {_when(plan.synced_at['latest'])} "
            f"({_span(plan.hours['earliest'], plan.hours['latest'])} after the start; "
            f"{_coverage(plan.range_coverage)})."
        )
    lines = [head, answer]
    if plan.field_effect == NOT_RECEIVED:
        lines.append(f"Warning: {plan.field_note}")
    if plan.ahead:
        lines.append(
            "Served first (records waiting now): "
            + ", ".join(f"{a['object']} ({a['backlog']:,})" for a in plan.ahead)
        )
    for item in plan.waiting_behind:
        waits = item["waits_hours"]
        lines.append(
            f"{item['object']} waits behind it: about "
            f"{_span(waits['estimate'], waits['estimate'])} "
            f"(range {_span(waits['shortest'], waits['longest'])})."
        )
    if not plan.waiting_behind:
        lines.append("No other object of this direction waits behind it.")
    best = plan.best_start
    if best:
        lines.append(
            f"Best start in the next 7 days: {_when(best['start'])}, fully synced about "
            f"{_when(best['fully_synced_at'])} ({best['hours']:,.1f} h)."
        )
    lines.append("Basis:")
    for item in plan.basis:
        low, high = item["range_per_hour"]
        slow_day, fast_day = item["day_pace_range"]
        lines.append(
            f"  {item['object']}: median {item['median_rate_per_hour']:,.0f} records/h "
            f"(middle half {low:,.0f} to {high:,.0f}) from {item['draining_hours']:,} hours with "
            f"records waiting, {item['days'][0]} to {item['days'][1]}; its days ran at "
            f"{slow_day:.2f} to {fast_day:.2f} times the usual pace (10th to 90th percentile)"
            + (", rates borrowed from the planned object" if item["borrowed"] else "")
        )
    if plan.field_effect != NOT_RECEIVED:
        lines += _field_lines(plan)
    lines += [f"Assumes: {text}." for text in plan.assumptions]
    return lines


def _field_lines(plan: Plan) -> list[str]:
    """The changed field's effect, in the basis (a warning is said with the answer instead)."""
    if not plan.field_note:
        return []
    if plan.field_effect == NOT_RECEIVED:
        return [f"Warning: {plan.field_note}"]
    return [f"  Field: {plan.field_note}."]


def accuracy_rows(checks: list) -> list[dict[str, str]]:
    """One row per past spike (monitor/planner/accuracy.py), newest first, for people."""
    rows = []
    for check in reversed(checks):
        error = check.error_hours
        within = check.is_within_range
        rows.append(
            {
                "Object": check.object,
                "Direction": DIRECTION_LABELS.get(check.direction, check.direction),
                "Spike start": _when(check.started_at),
                "Records": f"{check.records:,}",
                "Predicted clear": (
                    _when(check.predicted) if check.predicted or not check.reason else "unknown"
                ),
                "Actual clear": _when(check.actual),
                "Error (h)": "unknown" if error is None else f"{error:+,.1f}",
                "Within range": "unknown" if within is None else ("yes" if within else "no"),
            }
        )
    return rows


def accuracy_line(summary: dict) -> str:
    """The planner's record in one sentence."""
    if not summary["spikes"]:
        return "No spike has drained in the last 90 days: nothing to compare the planner with yet."
    if not summary["estimated"]:
        return (
            f"{summary['spikes']:,} past spike(s), none of which the planner could have "
            "estimated (too little history at the time)."
        )
    return (
        f"Over {summary['estimated']:,} past spike(s) the planner's estimate was off by "
        f"{summary['mean_absolute_error_hours']:,.1f} h on average; the actual clear fell "
        f"within its stated range for {summary['share_within_range']:.0%} of them."
    )
