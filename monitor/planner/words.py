"""A plan in words, as the CLI prints it and the Backlog page shows it (times in UTC)."""

from __future__ import annotations

from datetime import datetime

from monitor.planner import Plan
from monitor.vocabulary import DIRECTION_LABELS


def _when(moment: datetime | None) -> str:
    return "not within 14 days" if moment is None else f"{moment:%a %Y-%m-%d %H:%M} UTC"


def _span(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "unknown"
    return f"{low:,.1f} h" if abs(high - low) < 0.05 else f"{low:,.1f} to {high:,.1f} h"


def plan_lines(plan: Plan) -> list[str]:
    """The answer first, then who waits, the best start, and the basis of every figure."""
    direction = DIRECTION_LABELS.get(plan.direction, plan.direction)
    head = f"{plan.records:,} {plan.object} updates starting {_when(plan.start)} ({direction})" + (
        f", field {plan.field_name}" if plan.field_name else ""
    )
    if plan.status != "estimated":
        return [head, f"Fully synced: unknown ({plan.reason})."]
    lines = [
        head,
        f"Fully synced: about {_when(plan.synced_at['estimate'])} "
        f"(range {_when(plan.synced_at['earliest'])} to {_when(plan.synced_at['latest'])}; "
        f"{_span(plan.hours['earliest'], plan.hours['latest'])} after the start).",
    ]
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
        lines.append(
            f"  {item['object']}: median {item['median_rate_per_hour']:,.0f} records/h "
            f"(range {low:,.0f} to {high:,.0f}) from {item['draining_hours']:,} hours with "
            f"records waiting, {item['days'][0]} to {item['days'][1]}"
            + (", rates borrowed from the planned object" if item["borrowed"] else "")
        )
    lines += [f"Assumes: {text}." for text in plan.assumptions]
    return lines
