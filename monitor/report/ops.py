"""The ops section: API budget use (Salesforce and Marketo) and by consumer, source health,
findings opened and resolved, and the week-over-week figures."""

from __future__ import annotations

import pandas as pd

from checks import get_check
from monitor.consumers import consumer_table
from monitor.report import charts, text
from monitor.report.context import DATA_NAMES, Context, notes
from monitor.report.figures import deltas_table
from monitor.report.model import Chart, Section, Table
from monitor.runner import resolve_settings
from monitor.vocabulary.api_consumers import API_CONSUMERS_UNAVAILABLE

API_SOURCES = {"salesforce": "Salesforce", "marketo": "Marketo"}
API_HOW = {
    "salesforce": "The Salesforce collector reads it from every reply (python -m monitor collect).",
    "marketo": "The Marketo collector reads /stats/usage.json.",
}


def api_table(daily: pd.DataFrame) -> pd.DataFrame:
    """Per source and metric: the week's highest share of the daily quota and when."""
    columns = ["source", "metric", "peak % of quota", "peak used", "quota", "peak day"]
    if daily.empty:
        return pd.DataFrame(columns=columns)
    ordered = daily.assign(_share=daily["peak_share"].fillna(-1))
    peaks = ordered.loc[ordered.groupby(["source", "metric"])["_share"].idxmax()]
    return pd.DataFrame(
        {
            "source": peaks["source"],
            "metric": peaks["metric"],
            "peak % of quota": (peaks["peak_share"] * 100).round(1),
            "peak used": peaks["peak_used"],
            "quota": peaks["quota"],
            "peak day": peaks["day"].dt.strftime("%Y-%m-%d"),
        },
        columns=columns,
    ).sort_values(["source", "metric"], ignore_index=True)


def source_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """What each source delivered: rows this week, rows to date, newest fact."""
    return pd.DataFrame(
        {
            "data": coverage["data"].map(DATA_NAMES).fillna(coverage["data"]),
            "source": coverage["source"],
            "rows this week": coverage["rows_in_range"],
            "rows to date": coverage["rows_to_date"],
            "newest fact": coverage["last_fact"],
        },
        columns=["data", "source", "rows this week", "rows to date", "newest fact"],
    )


def runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    return text.spaced_headings(runs).rename(columns={"api calls": "API calls"})


def events_table(events: pd.DataFrame) -> pd.DataFrame:
    chosen = events[["changed_at", "transition", "severity", "check_id", "subject", "title"]]
    return chosen.rename(columns={"changed_at": "when", "check_id": "check"})


def _transition_counts(events: pd.DataFrame) -> str:
    if events.empty:
        return ""
    counts = events["transition"].value_counts()
    return "This week: " + ", ".join(f"{count} {name}" for name, count in counts.items()) + "."


def _api_notes(context: Context) -> list[str]:
    """A sentence per API source that never reported, or not in this week."""
    found = []
    for source, name in API_SOURCES.items():
        if not context.has_source("api_usage", source):
            found.append(
                f"{name} API usage: none had been recorded for this instance by the end of "
                f"{context.week}. {API_HOW[source]}"
            )
        elif not context.has_in_week("api_usage", source):
            found.append(f"{name} API usage: none recorded in {context.week}.")
    return found


def build(
    context: Context, figures: dict[str, float | None], previous: dict[str, float | None]
) -> Section:
    """The ops section of one instance."""
    frames = context.frames
    budget = resolve_settings(get_check("api_budget"), context.check_overrides)
    section = Section(
        "ops",
        "API budget, sources and findings",
        "Ops",
        notes=notes(
            *_api_notes(context),
            None
            if context.has_source("collection_runs")
            else f"Collections: no collection run had been recorded by the end of {context.week}; "
            "this instance's data comes from imports (or the demo).",
        ),
    )
    daily = frames["api_daily"]
    if daily["peak_share"].notna().any():
        section.blocks.append(
            Chart(
                "api-budget",
                "Daily API use: each day's peak share of the quota",
                charts.api_chart(
                    daily, context.window, budget["warn_share"], budget["critical_share"]
                ),
                note="Lines at the api_budget check's warning and critical shares.",
            )
        )
    events = frames["events"]
    section.blocks += [
        Table(
            "api-budget",
            "API budget use (Salesforce and Marketo)",
            api_table(daily),
            "No API usage recorded this week.",
        ),
        Table(
            "api-consumers",
            "Salesforce API use by consumer",
            consumer_table(frames["api_consumers"])
            if not frames["api_consumers"].empty
            else pd.DataFrame(),
            API_CONSUMERS_UNAVAILABLE,
            note="Calls counted against the daily limit, from Salesforce's ApiTotalUsage event "
            "logs (one file per UTC day); shares of the week's and of its last day's calls.",
        ),
        Table(
            "source-health",
            "Source health: what each source delivered",
            source_table(frames["coverage"]),
            "No source has delivered anything for this instance yet.",
        ),
        Table(
            "collection-runs",
            "Collection runs this week",
            runs_table(frames["runs"]),
            "No collection run this week.",
        ),
        Table(
            "findings-opened-resolved",
            "Findings opened and resolved",
            events_table(events),
            "No finding opened, changed or resolved this week.",
            note=_transition_counts(events),
        ),
        Table(
            "week-over-week",
            "Week over week",
            deltas_table(figures, previous),
            "",
            note="A dash: the source delivered no data that week.",
            html_rows=50,
        ),
    ]
    return section
