"""The Marketo admins' section: backlog and throughput per object and direction with spikes
marked, drain-time estimates, the busiest modifiers and failed sync cycles."""

from __future__ import annotations

import pandas as pd

from monitor.health import with_drain_estimates
from monitor.report import charts, text
from monitor.report.context import Context, notes
from monitor.report.model import Chart, Section, Table

SPIKE_CHECK = "backlog_spike"
BACKLOG_COLUMNS = [
    "object",
    "direction",
    "peak backlog",
    "peak at",
    "records synced",
    "records changed",
    "backlog at end",
    "records/hour (24 h avg)",
    "time to drain",
    "spike findings",
]


def _spike_text(events: pd.DataFrame) -> dict[str, str]:
    """Per `Object/direction` subject: its spike transitions in the week, oldest first."""
    spikes = events[events["check_id"] == SPIKE_CHECK]
    texts: dict[str, list[str]] = {}
    for event in spikes.itertuples(index=False):
        texts.setdefault(event.subject, []).append(
            f"{event.transition} {text.moment(event.changed_at)} ({event.severity})"
        )
    return {subject: "; ".join(items) for subject, items in texts.items()}


def backlog_table(hourly: pd.DataFrame, latest: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per object and direction: the week's peak, totals, and the drain estimate at
    the end of the week (monitor.health, as on the Backlog page)."""
    if hourly.empty:
        return pd.DataFrame(columns=BACKLOG_COLUMNS)
    ordered = hourly.sort_values(["object", "direction", "hour"])
    peaks = ordered.loc[
        ordered["backlog"].fillna(-1).groupby([ordered["object"], ordered["direction"]]).idxmax()
    ]
    totals = ordered.groupby(["object", "direction"], as_index=False).agg(
        synced=("throughput", "sum"), changed=("inflow", "sum")
    )
    table = peaks[["object", "direction", "backlog", "hour"]].merge(
        totals, on=["object", "direction"]
    )
    drain = with_drain_estimates(latest)[
        ["object", "direction", "backlog", "throughput_per_hour", "drain_hours"]
    ].rename(columns={"backlog": "backlog_end"})
    table = table.merge(drain, on=["object", "direction"], how="left")
    spikes = _spike_text(events)
    return pd.DataFrame(
        {
            "object": table["object"],
            "direction": table["direction"].map(charts.DIRECTIONS).fillna(table["direction"]),
            "peak backlog": table["backlog"],
            "peak at": table["hour"].where(table["backlog"] > 0),
            "records synced": table["synced"],
            "records changed": table["changed"],
            "backlog at end": table["backlog_end"],
            "records/hour (24 h avg)": table["throughput_per_hour"].round(0),
            "time to drain": [
                text.hours_text(h) if not pd.isna(b) else text.DASH
                for h, b in zip(table["drain_hours"], table["backlog_end"], strict=True)
            ],
            "spike findings": [
                spikes.get(f"{o}/{d}", "")
                for o, d in zip(table["object"], table["direction"], strict=True)
            ],
        },
        columns=BACKLOG_COLUMNS,
    ).sort_values(["peak backlog", "object"], ascending=[False, True], ignore_index=True)


def steps_table(steps: pd.DataFrame) -> pd.DataFrame:
    return steps.rename(
        columns={
            "failed_steps": "failed or incomplete steps",
            "failed_items": "failed items",
            "skipped_items": "skipped items",
            "last_failure": "last failure",
        }
    )


def build(context: Context) -> Section:
    """The Marketo admins' section of one instance."""
    frames = context.frames
    section = Section(
        "marketo",
        "Backlog, throughput and sync cycles",
        "Marketo admins",
        notes=notes(
            context.missing(
                "sync_stats",
                "Backlog and throughput",
                "Import Marketo's Sync Status or a sync-stats CSV, or connect Salesforce.",
            ),
            context.missing(
                "change_counts",
                "Who changed records",
                "The Salesforce collector records who changes synced records.",
            ),
            context.missing(
                "sync_cycles",
                "Sync cycles",
                "Import Marketo's Sync Status export (Admin > Salesforce > Sync Status) to see "
                "failed cycles.",
            ),
        ),
    )
    hourly = frames["backlog_hourly"]
    events = frames["events"]
    if len(hourly):
        spikes = events[events["check_id"] == SPIKE_CHECK]
        section.blocks.append(
            Chart(
                "backlog",
                "Backlog per object and direction (hourly maximum)",
                charts.backlog_chart(hourly, spikes, context.window),
                note="Dashed lines: backlog-spike findings opening (red) and resolving (green). "
                f"Provenance: {', '.join(sorted(set(hourly['provenance'].dropna())))}.",
            )
        )
    section.blocks += [
        Table(
            "backlog-by-object",
            "Backlog and throughput per object and direction",
            backlog_table(hourly, frames["backlog_latest"], events),
            "No backlog or throughput samples this week.",
            note="Time to drain: the backlog at the end of the week at the throughput of its "
            "last two hours while records waited (else the 24-hour average).",
        ),
        Table(
            "busiest-modifiers",
            "Busiest modifiers (who changed synced records)",
            text.spaced_headings(frames["modifiers"]),
            "No change attribution recorded this week.",
            html_rows=10,
        ),
        Table(
            "sync-cycles",
            "Sync Status steps per object and operation",
            steps_table(frames["sync_steps"]),
            "No Sync Status steps this week.",
        ),
    ]
    return section
