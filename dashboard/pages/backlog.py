"""Backlog & throughput per object and direction, with drain-time estimates and spikes."""

from __future__ import annotations

import json
import math

import plotly.graph_objects as go
import streamlit as st

from dashboard import data
from dashboard.context import (
    View,
    demo_banner,
    download,
    keep_in_url,
    run_page,
    show_table,
    url_choice,
)
from dashboard.plan_panel import render_plan_panel
from monitor.health import with_drain_estimates
from monitor.vocabulary import DIRECTION_LABELS
from monitor.vocabulary.text import markdown_literal

DIRECTIONS = DIRECTION_LABELS


def _drain_text(hours: float) -> str:
    if hours == 0:
        return "clear"
    if math.isnan(hours):
        return "unknown (no throughput measured)"
    if math.isinf(hours):
        return "not draining"
    return f"{hours:.1f} h"


def render(view: View) -> None:
    st.title("Backlog & throughput")
    demo_banner(view)
    latest = with_drain_estimates(data.load("backlog_latest", **view.params()))
    if latest.empty:
        st.info(
            "No backlog or throughput data yet. Import a sync-stats CSV or a Sync Status "
            "export on the Sources page."
        )
        return
    table = latest.assign(
        direction=latest["direction"].map(DIRECTIONS).fillna(latest["direction"]),
        drain=[
            _drain_text(h)
            + (f" at the {basis} pace" if h and h == h and h != math.inf else "")
            + (f"; objects are served in turn, also waiting: {others}" if others else "")
            for h, basis, others in zip(
                latest["drain_hours"],
                latest["drain_basis"],
                latest["shares_sync_with"],
                strict=True,
            )
        ],
    )
    shown = table[
        [
            "object",
            "direction",
            "backlog",
            "recent_throughput_per_hour",
            "throughput_per_hour",
            "drain",
            "ts",
            "provenance",
        ]
    ]
    st.subheader("Now")
    show_table(
        shown,
        "backlog-now",
        column_config={
            "recent_throughput_per_hour": st.column_config.NumberColumn(
                "records/hour (last 2 h, while waiting)", format="%.0f"
            ),
            "throughput_per_hour": st.column_config.NumberColumn(
                "records/hour (24 h avg)", format="%.0f"
            ),
            "drain": st.column_config.TextColumn("time to drain", width="large"),
            "ts": "as of",
        },
    )

    objects = sorted(latest["object"].unique())
    render_plan_panel(view, objects)
    object_name = url_choice("object", objects, objects[0])
    object_name = st.selectbox("Object", objects, index=objects.index(object_name), key="object")
    keep_in_url("object", object_name)
    direction = url_choice("direction", list(DIRECTIONS), "sfdc_to_marketo")
    direction = st.radio(
        "Direction",
        list(DIRECTIONS),
        format_func=DIRECTIONS.get,
        horizontal=True,
        index=list(DIRECTIONS).index(direction),
        key="direction",
    )
    keep_in_url("direction", direction)

    series = data.load("backlog_hourly", **view.params(object=object_name, direction=direction))
    spikes = data.load("finding_events", **view.params(check="backlog_spike"))
    spikes = spikes[spikes["subject"] == f"{object_name}/{direction}"]
    st.subheader(f"{object_name}: {DIRECTIONS[direction]}")
    if series.empty:
        st.caption("No samples in this range.")
        return
    fig = go.Figure()
    fig.add_scatter(
        x=series["hour"],
        y=series["backlog"],
        name="backlog (max per hour)",
        mode="lines",
        fill="tozeroy",
    )
    fig.add_scatter(x=series["hour"], y=series["throughput"], name="synced per hour", mode="lines")
    fig.add_scatter(
        x=series["hour"],
        y=series["inflow"],
        name="changed per hour (inflow)",
        mode="lines",
        line={"dash": "dot"},
    )
    for event in spikes.itertuples(index=False):
        color = "#d62728" if event.transition in ("opened", "reopened", "escalated") else "#2ca02c"
        fig.add_vline(x=event.changed_at, line_color=color, line_dash="dash")
        fig.add_annotation(
            x=event.changed_at,
            y=1,
            yref="paper",
            showarrow=False,
            text=f"spike {event.transition}",
            font={"color": color},
        )
    fig.update_layout(
        height=420, margin={"t": 20}, legend={"orientation": "h"}, yaxis_title="records"
    )
    st.plotly_chart(fig, key="backlog-chart")
    st.caption(
        f"Provenance: {', '.join(sorted(set(series['provenance'].dropna())))} · "
        "dashed lines mark backlog-spike findings opening (red) and resolving (green)."
    )
    download(series, f"backlog-{object_name}-{direction}", key="dl-backlog-series")

    st.subheader("Who changed the records (why a spike happens)")
    modifiers = data.load("top_modifiers", **view.params(object=object_name))
    if modifiers.empty:
        st.caption("No change attribution recorded for this object in the range.")
    else:
        show_table(modifiers, f"modifiers-{object_name}")
    for event in spikes[spikes["transition"] == "opened"].itertuples(index=False):
        cause = (json.loads(event.evidence or "{}") or {}).get("likely_cause")
        if cause:
            st.markdown(
                f"**Spike at {event.changed_at:%Y-%m-%d %H:%M} UTC** — likely cause: "
                f"{markdown_literal(cause['modifier'])} ({cause['changes']:,} changes"
                + (f", field {markdown_literal(cause['field'])}" if cause.get("field") else "")
                + ")"
            )
    _marketo_activity(view)


def _marketo_activity(view: View) -> None:
    """What Marketo logged about the sync (REST collector, Data Streams): per day and type, and
    which fields change most and why (Change Data Value by Source and Reason)."""
    st.subheader("Marketo sync activity")
    daily = data.load("marketo_activity_daily", **view.params())
    if daily.empty:
        st.caption(
            "No Marketo activity collected in the range: connect the Marketo REST API "
            "(`collect --source marketo`) or Data Streams (`serve-streams`)."
        )
        return
    fig = go.Figure(
        [
            go.Bar(x=rows["day"], y=rows["activities"], name=activity_type)
            for activity_type, rows in daily.groupby("activity_type")
        ]
    )
    fig.update_layout(barmode="stack", height=320, margin={"t": 10}, yaxis_title="activities")
    st.plotly_chart(fig, key="marketo-activity-chart")
    download(daily, "marketo-activity-daily", key="dl-marketo-activity-daily")
    changes = data.load("marketo_changes_by_source", **view.params(limit=20))
    if not changes.empty:
        st.caption("Field changes by source and reason (Change Data Value)")
        show_table(changes, "marketo-changes-by-source")


run_page(render)
