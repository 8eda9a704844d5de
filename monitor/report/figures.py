"""A week's headline figures, compared with the week before: the week-over-week table and the
summary's "better" and "worse" lists.

Every figure comes from the frames of the dashboard's own queries (monitor/report/load.py), so
it equals what the dashboard shows for the same range. A figure whose source delivered nothing
is None ("no data"), never 0: a week without a Sync Status import has unknown failures, not none.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from monitor.health import health_score
from monitor.incidents import by_severity, finding_records, group_findings
from monitor.report import text
from monitor.report.context import coverage_rows
from monitor.vocabulary import DAILY_API_METRICS

OPENING = ("opened", "reopened")
WORSENING = ("opened", "reopened", "escalated")


@dataclass(frozen=True)
class Figure:
    """One headline figure; `better` says which way is good (None: neither)."""

    key: str
    label: str
    better: str | None  # "lower" | "higher" | None
    decimals: int = 0
    # Changes within this share of the larger value are "same": noise is neither.
    tolerance: float = 0.0


FIGURES = [
    Figure("health_score", "Health score (end of week)", "higher"),
    Figure("open_critical", "Open critical incidents (end of week)", "lower"),
    Figure("open_incidents", "Open incidents (end of week)", "lower"),
    Figure("open_findings", "Open findings (end of week)", "lower"),
    Figure("findings_opened", "Findings opened or reopened", "lower"),
    Figure("findings_resolved", "Findings resolved", "higher"),
    Figure("sync_errors", "Sync errors", "lower"),
    Figure("permission_errors", "Permission errors", "lower"),
    Figure("validation_errors", "Validation errors", "lower"),
    Figure("data_quality_errors", "Data-quality errors", "lower"),
    Figure("peak_backlog", "Peak backlog, all objects (records)", "lower", tolerance=0.1),
    Figure("records_synced", "Records synced", None),
    Figure("records_changed", "Records changed in Salesforce (inflow)", None),
    Figure("failed_sync_steps", "Failed or incomplete Sync Status steps", "lower"),
    Figure("salesforce_api_peak", "Salesforce API peak (% of daily quota)", "lower", 1, 0.1),
    Figure("marketo_api_peak", "Marketo API peak (% of daily quota)", "lower", 1, 0.1),
    Figure("failed_collections", "Failed collection runs", "lower"),
]
FIGURES_BY_KEY = {figure.key: figure for figure in FIGURES}
# API metrics whose share of the daily quota is the headline (the api_budget check's defaults).
API_METRICS = DAILY_API_METRICS


def open_by_severity(open_findings: pd.DataFrame) -> dict[str, int]:
    """{severity: open incidents} of a findings_open_at frame: findings that share a cause
    count once (monitor/incidents), as on the dashboard."""
    if open_findings.empty:
        return {}
    return by_severity(group_findings(finding_records(open_findings, instance="")))


def _api_peak(api_daily: pd.DataFrame, source: str) -> float | None:
    rows = api_daily[(api_daily["source"] == source) & (api_daily["metric"] == API_METRICS[source])]
    shares = rows["peak_share"].dropna()
    return round(float(shares.max()) * 100, 1) if len(shares) else None


def week_figures(frames: dict[str, pd.DataFrame]) -> dict[str, float | None]:
    """The headline figures of one week from its frames (see PREVIOUS_WEEK_KEYS)."""
    coverage = frames["coverage"]
    by_severity = open_by_severity(frames["open_at_end"])
    events = frames["events"]
    errors = frames["errors_daily"]
    per_category = (
        errors.groupby("category")["errors"].sum() if len(errors) else pd.Series(dtype=float)
    )
    has_errors_source = coverage_rows(coverage, "sync_errors", "rows_to_date") > 0
    has_stats = coverage_rows(coverage, "sync_stats", "rows_in_range") > 0
    hourly = frames["backlog_hourly"]
    steps = frames["sync_steps"]
    runs = frames["runs"]

    def errors_of(category: str | None) -> float | None:
        if not has_errors_source:
            return None
        if category is None:
            return float(per_category.sum()) if len(per_category) else 0.0
        return float(per_category.get(category, 0))

    return {
        "health_score": float(health_score(by_severity)),
        "open_critical": float(by_severity.get("critical", 0)),
        "open_incidents": float(sum(by_severity.values())),
        "open_findings": float(len(frames["open_at_end"])),
        "findings_opened": float(events["transition"].isin(OPENING).sum()),
        "findings_resolved": float((events["transition"] == "resolved").sum()),
        "sync_errors": errors_of(None),
        "permission_errors": errors_of("permission"),
        "validation_errors": errors_of("validation"),
        "data_quality_errors": errors_of("data_quality"),
        "peak_backlog": (
            float(frames["backlog_total"]["backlog"].max())
            if has_stats and len(frames["backlog_total"])
            else None
        ),
        "records_synced": float(hourly["throughput"].sum()) if has_stats else None,
        "records_changed": float(hourly["inflow"].sum()) if has_stats else None,
        "failed_sync_steps": float(steps["failed_steps"].sum()) if len(steps) else None,
        "salesforce_api_peak": _api_peak(frames["api_daily"], "salesforce"),
        "marketo_api_peak": _api_peak(frames["api_daily"], "marketo"),
        "failed_collections": float(runs["failed"].sum()) if len(runs) else None,
    }


def _trend(figure: Figure, this: float | None, last: float | None) -> str:
    if figure.better is None or this is None or last is None:
        return ""
    difference = abs(round(this - last, figure.decimals))
    if difference == 0 or difference <= figure.tolerance * max(abs(this), abs(last)):
        return "same"
    rose = this > last
    return "better" if rose == (figure.better == "higher") else "worse"


def deltas_table(this: dict[str, float | None], last: dict[str, float | None]) -> pd.DataFrame:
    """Week over week: one row per figure, with the change and whether it got better."""
    rows = []
    for figure in FIGURES:
        now, before = this[figure.key], last[figure.key]
        change = None if now is None or before is None else round(now - before, figure.decimals)
        rows.append(
            {
                "figure": figure.label,
                "this week": now,
                "last week": before,
                "change": change,
                "trend": _trend(figure, now, before),
            }
        )
    return pd.DataFrame(rows, columns=["figure", "this week", "last week", "change", "trend"])


def _sentence(figure: Figure, this: float, last: float) -> str:
    return (
        f"{figure.label}: {text.number(this, figure.decimals)} "
        f"(last week {text.number(last, figure.decimals)}, "
        f"{text.signed(this - last, figure.decimals)})"
    )


MAX_ITEMS = 12


def better_and_worse(
    this: dict[str, float | None],
    last: dict[str, float | None],
    events: pd.DataFrame,
) -> tuple[list[str], list[str]]:
    """What got better and what got worse: changed figures, then findings resolved (better)
    and opened, reopened or escalated (worse) in the week."""
    better, worse = [], []
    for figure in FIGURES:
        trend = _trend(figure, this[figure.key], last[figure.key])
        if trend == "better":
            better.append(_sentence(figure, this[figure.key], last[figure.key]))
        elif trend == "worse":
            worse.append(_sentence(figure, this[figure.key], last[figure.key]))
    for event in events.itertuples(index=False):
        what = f"{event.check_id} · {event.subject}: {event.title}"
        if event.transition == "resolved":
            better.append(f"Resolved: {what}")
        elif event.transition in WORSENING:
            worse.append(f"{event.transition.capitalize()} ({event.severity}): {what}")
    return _capped(better), _capped(worse)


def _capped(items: list[str]) -> list[str]:
    if len(items) <= MAX_ITEMS:
        return items
    rest = len(items) - (MAX_ITEMS - 1)
    return [*items[: MAX_ITEMS - 1], f"… and {rest} more (Ops: findings opened and resolved)"]
