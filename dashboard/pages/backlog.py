"""Backlog & throughput per object and direction, with drain-time estimates and spikes."""

from __future__ import annotations

import json
import math

import plotly.graph_objects as go
import streamlit as st

from dashboard import data
from dashboard.charts import add_expected_band, lay_out_series
from dashboard.context import (
    View,
    demo_banner,
    download,
    keep_in_url,
    run_page,
    show_table,
    url_choice,
)
from dashboard.labels import NOTHING, local_time, number
from dashboard.plan_accuracy_panel import render_plan_accuracy_panel
from dashboard.plan_panel import render_plan_panel
from monitor.health import (
    backlog_now,
    band_training_days,
    expected_backlog,
    open_spike,
    with_drain_estimates,
)
from monitor.vocabulary import DIRECTION_LABELS
from monitor.vocabulary.palette import object_color, transition_color
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


def _number(value: object) -> float:
    """A plotted maximum as a float, 0 for none."""
    return 0.0 if value is None or value != value else float(value)


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
        # As text: a missing rate reads "—", never "None".
        recent_throughput_per_hour=latest["recent_throughput_per_hour"].map(number),
        throughput_per_hour=latest["throughput_per_hour"].map(number),
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
    total = backlog_now(latest)
    st.metric(
        "Backlog now (all objects)",
        f"{total:,.0f}" if total is not None else "—",
        help="The latest sample of each object and direction, summed (as on the Overview and "
        "in the report).",
    )
    show_table(
        shown,
        "backlog-now",
        column_config={
            "recent_throughput_per_hour": st.column_config.TextColumn(
                "records/hour (last 2 h, while waiting)",
                help="The sync's current pace: records synced per hour in the last two hours, "
                f"counting only while records waited. {NOTHING} when no records waited in the "
                "last two hours (or no throughput was measured): there is no recent pace.",
            ),
            "throughput_per_hour": st.column_config.TextColumn(
                "records/hour (24 h avg)",
                help=f"Records synced per hour over the last 24 hours; {NOTHING} if none "
                "was measured.",
            ),
            "drain": st.column_config.TextColumn("time to drain", width="large"),
            "ts": "as of",
        },
    )

    objects = sorted(latest["object"].unique())
    render_plan_panel(view, objects)
    render_plan_accuracy_panel(view)
    # Opened with no choice made (or from an incident): the open spike, not the first object.
    spike = open_spike(data.load("findings_open", instance=view.instance))
    first_object, first_direction = spike if spike and spike[0] in objects else (objects[0], "")
    object_name = url_choice("object", objects, first_object)
    object_name = st.selectbox("Object", objects, index=objects.index(object_name), key="object")
    keep_in_url("object", object_name)
    direction = url_choice("direction", list(DIRECTIONS), first_direction or "sfdc_to_marketo")
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
    zone = data.config().zone
    hours = series["hour"].dt.tz_convert(zone)
    overrides = data.config().checks.get("backlog_spike", {})
    training = data.load(
        "backlog_series",
        instance=view.instance,
        now=view.until,
        training_days=band_training_days(overrides),
        month_history_days=0,  # band_training_days covers it
    )
    training = training[(training["object"] == object_name) & (training["direction"] == direction)]
    band = expected_backlog(training, overrides, object_name, series["hour"])
    fig = go.Figure()
    if band["spike_above"].notna().any():
        add_expected_band(
            fig, hours, band, "expected (usual for the hour, up to the spike threshold)"
        )
    color = object_color(object_name)
    fig.add_scatter(
        x=hours,
        y=series["backlog"],
        name="backlog (peak per hour)",
        mode="lines",
        line={"color": color, "width": 2},
    )
    fig.add_scatter(
        x=hours,
        y=series["throughput"],
        name="synced per hour",
        mode="lines",
        line={"color": "#555555", "width": 1},
    )
    fig.add_scatter(
        x=hours,
        y=series["inflow"],
        name="changed per hour (inflow)",
        mode="lines",
        line={"dash": "dot", "color": "#555555", "width": 1},
    )
    for event in spikes.itertuples(index=False):
        mark = transition_color(event.transition)
        at = event.changed_at.tz_convert(zone)
        fig.add_vline(x=at, line_color=mark, line_dash="dash")
        fig.add_annotation(
            x=at,
            y=1,
            yref="paper",
            showarrow=False,
            text=f"spike {event.transition}",
            font={"color": mark},
        )
    lay_out_series(fig, "records (waiting, or per hour)", data.config().timezone)
    # Where the usual backlog of an hour swings widely (a nightly batch), the spike threshold
    # can be a hundred times the series: drawn in full it would flatten everything else, so the
    # chart is cut above the data and the caption says where the threshold really is.
    drawn = series[["backlog", "throughput", "inflow"]].max().max()
    top = max(_number(drawn), _number(band["expected"].max())) * 1.25
    cut = band["spike_above"].notna().any() and band["spike_above"].max() > top > 0
    if cut:
        fig.update_yaxes(range=[0, top])
    st.plotly_chart(fig, key="backlog-chart")
    st.caption(
        f"Provenance: {', '.join(sorted(set(series['provenance'].dropna())))} · "
        "dashed lines mark backlog-spike findings opening (red) and resolving (green); the grey "
        "band is what the backlog-spike check calls normal for the hour (learnt from the "
        "previous days): above it, the check counts a spike."
        + (
            f" The band is cut at the top of the chart: at its widest hour the check would call "
            f"up to {band['spike_above'].max():,.0f} records normal."
            if cut
            else ""
        )
    )
    download(series, f"backlog-{object_name}-{direction}", key="dl-backlog-series")

    st.subheader("Who changed the records (why a spike happens)")
    for event in spikes[spikes["transition"] == "opened"].itertuples(index=False):
        cause = (json.loads(event.evidence or "{}") or {}).get("likely_cause")
        if cause:
            st.markdown(
                f"**Spike at {local_time(event.changed_at, zone)}**: likely cause "
                f"{markdown_literal(cause['modifier'])} ({cause['changes']:,} changes"
                + (f", field {markdown_literal(cause['field'])}" if cause.get("field") else "")
                + ")"
            )
    modifiers = data.load("top_modifiers", **view.params(object=object_name))
    if modifiers.empty:
        st.caption("No change attribution recorded for this object in the range.")
    else:
        zone_name = data.config().timezone
        show_table(
            modifiers,
            f"modifiers-{object_name}",
            column_config={
                "modifier": "changed by",
                "field": st.column_config.TextColumn("field", width="medium"),
                "changes": st.column_config.NumberColumn("records changed", format="localized"),
                "first_change": st.column_config.DatetimeColumn(
                    f"first change ({zone_name})", timezone=zone_name, format="YYYY-MM-DD HH:mm"
                ),
                "last_change": st.column_config.DatetimeColumn(
                    f"last change ({zone_name})", timezone=zone_name, format="YYYY-MM-DD HH:mm"
                ),
            },
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
    # activity_counts are summed per UTC day (the store's sessions run in UTC).
    fig.update_layout(
        barmode="stack",
        height=320,
        margin={"t": 10},
        yaxis_title="activities per day",
        xaxis_title="day (UTC)",
    )
    st.plotly_chart(fig, key="marketo-activity-chart")
    download(daily, "marketo-activity-daily", key="dl-marketo-activity-daily")
    changes = data.load("marketo_changes_by_source", **view.params(limit=20))
    if not changes.empty:
        st.caption("Field changes by source and reason (Change Data Value)")
        if (changes["reason"] == "").all():  # Marketo logged the same text as the source
            changes = changes.drop(columns="reason")
        show_table(
            changes,
            "marketo-changes-by-source",
            column_config={"changes": st.column_config.NumberColumn(format="localized")},
        )


run_page(render)
