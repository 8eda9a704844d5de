"""The summary section (everyone): health score and its change, open criticals, what got better
and worse, and the week's sync errors."""

from __future__ import annotations

import pandas as pd

from monitor.incidents import finding_records, group_findings, impact_text
from monitor.report import charts, text
from monitor.report.context import Context, notes
from monitor.report.model import Bullets, Chart, Figures, Health, Section, Table


def _change(value: float | None, previous: float | None) -> str:
    if value is None or previous is None:
        return "no data last week" if value is not None else ""
    return f"{text.signed(value - previous)} vs last week"


def headline(
    health: Health, figures: dict[str, float | None], previous: dict[str, float | None]
) -> Figures:
    """The numbers at the top of an instance's report."""
    return Figures(
        "headline",
        [
            ("Health score", f"{health.score} / 100", _change(health.score, health.previous_score)),
            (
                "Critical incidents",
                str(health.open_by_severity.get("critical", 0)),
                _change(
                    health.open_by_severity.get("critical", 0),
                    health.previous_open_by_severity.get("critical", 0),
                ),
            ),
            (
                "Warning incidents",
                str(health.open_by_severity.get("warning", 0)),
                _change(
                    health.open_by_severity.get("warning", 0),
                    health.previous_open_by_severity.get("warning", 0),
                ),
            ),
            (
                "Sync errors",
                text.number(figures["sync_errors"]),
                _change(figures["sync_errors"], previous["sync_errors"]),
            ),
        ],
    )


def open_incidents(open_at_end: pd.DataFrame) -> pd.DataFrame:
    """Incidents open at the end of the week (findings grouped by cause), worst first."""
    incidents = group_findings(finding_records(open_at_end, instance=""))
    return pd.DataFrame(
        {
            "severity": [i.severity for i in incidents],
            "incident": [i.title for i in incidents],
            "since": [
                f"{i.started_at:%Y-%m-%d %H:%M} UTC" if i.started_at else "—" for i in incidents
            ],
            "owner": [i.owner for i in incidents],
            "impact": [impact_text(i.impact) for i in incidents],
            "fix": [i.fix for i in incidents],
            "findings": [len(i.findings) for i in incidents],
        },
        columns=["severity", "incident", "since", "owner", "impact", "fix", "findings"],
    )


def open_criticals(open_at_end: pd.DataFrame) -> pd.DataFrame:
    """Critical findings open at the end of the week."""
    rows = open_at_end[open_at_end["severity"] == "critical"]
    chosen = rows[["check_id", "subject", "title", "owner", "opened_at"]]
    return chosen.rename(columns={"check_id": "check", "opened_at": "open since"})


def top_errors(by_code: pd.DataFrame) -> pd.DataFrame:
    """Sync errors by code and object (errors_by_code), as the Sync errors page lists them."""
    return by_code.rename(columns=text.ERROR_CODE_HEADINGS)


def build(
    context: Context,
    health: Health,
    figures: dict[str, float | None],
    previous: dict[str, float | None],
    better: list[str],
    worse: list[str],
) -> Section:
    """The summary section of one instance."""
    frames = context.frames
    week = context.window.week.label
    section = Section(
        "summary",
        "Summary",
        "everyone",
        notes=notes(
            None
            if context.has_data
            else f"No data was recorded for this instance in {week}: every figure below is "
            "empty or carried over from earlier weeks.",
        ),
    )
    section.blocks += [
        headline(health, figures, previous),
        Bullets("better", "What got better", better, "Nothing got better than last week."),
        Bullets("worse", "What got worse", worse, "Nothing got worse than last week."),
        Table(
            "open-incidents",
            "Open incidents at the end of the week (findings that share a cause count once)",
            open_incidents(frames["open_at_end"]),
            "No incident was open at the end of the week.",
        ),
        Table(
            "open-criticals",
            "Open critical findings at the end of the week",
            open_criticals(frames["open_at_end"]),
            "No critical finding was open at the end of the week.",
        ),
    ]
    daily = frames["errors_daily"]
    if len(daily):
        section.blocks.append(
            Chart(
                "errors-per-day", "Sync errors per day", charts.errors_chart(daily, context.window)
            )
        )
    section.blocks.append(
        Table(
            "errors-by-code",
            "Sync errors by code and object",
            top_errors(frames["errors_by_code"]),
            "No sync errors this week."
            if context.has_source("sync_errors")
            else "No sync errors have been imported or collected for this instance.",
            html_rows=10,
        )
    )
    return section
