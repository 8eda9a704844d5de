"""The Checks page's "Try settings" panel: one check's settings edited in widgets and replayed
over the sidebar's range (monitor/preview.py) before anything is saved, like Grafana's
alert-rule preview: the backlog series with the band the check calls normal and the episodes
it would have opened, or for checks without a series the list of those episodes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from checks import REGISTRY, get_check
from checks.base import Check
from dashboard import data
from dashboard.charts import add_expected_band, lay_out_series
from dashboard.context import View, show_table
from dashboard.labels import local_time
from monitor.vocabulary import DIRECTION_LABELS, Setting
from monitor.vocabulary.palette import SEVERITY_COLORS, object_color

ALL = "all"


def count(number: int) -> str:
    return f"{number:,} episode" + ("" if number == 1 else "s")


def _translucent(color: str, alpha: float = 0.15) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _widget(check: Check, setting: Setting, saved: Any) -> Any:
    """An input for one setting, starting at its saved value (the type of its default)."""
    key = f"tune-{check.id}-{setting.name}"
    if isinstance(setting.default, bool):
        return st.checkbox(setting.name, value=bool(saved), help=setting.help, key=key)
    if isinstance(setting.default, int):
        return st.number_input(setting.name, value=int(saved), step=1, help=setting.help, key=key)
    if isinstance(setting.default, float):
        return st.number_input(
            setting.name, value=float(saved), step=0.1, format="%g", help=setting.help, key=key
        )
    return st.text_input(setting.name, value=str(saved), help=setting.help, key=key)


def edited_settings(check: Check) -> dict[str, Any]:
    """The settings whose widget differs from the saved value (only those are replayed as
    overrides, so a per-object table in monitor.toml keeps its say over the rest)."""
    saved = check.resolve_settings(data.config().checks.get(check.id))
    columns = st.columns(3)
    values = {}
    for index, setting in enumerate(check.settings):
        with columns[index % 3]:
            values[setting.name] = _widget(check, setting, saved[setting.name])
    return {name: value for name, value in values.items() if value != saved[name]}


def _chart(shown, zone, zone_name: str) -> go.Figure:
    fig = go.Figure()
    top = pd.concat([shown.series["value"], shown.band["spike_above"]]).astype(float).max() * 1.05
    for episode in shown.episodes:
        opened = pd.Timestamp(episode.opened_at).tz_convert(zone)
        resolved = pd.Timestamp(episode.resolved_at or shown.until).tz_convert(zone)
        until = local_time(episode.resolved_at, zone) if episode.resolved_at else "still open"
        fig.add_scatter(
            x=[opened, opened, resolved, resolved, opened],
            y=[0, top, top, 0, 0],
            fill="toself",
            mode="lines",
            line={"width": 0},
            fillcolor=_translucent(SEVERITY_COLORS[episode.severity]),
            hoveron="fills",
            hoverinfo="name",
            name=f"{episode.title} ({episode.severity}, {local_time(opened, zone)} – {until})",
            showlegend=False,
        )
    for subject, band in shown.band.groupby("subject", sort=True):
        if band["spike_above"].isna().all():
            continue
        add_expected_band(
            fig,
            band["ts"].dt.tz_convert(zone),
            band,
            f"{subject}: expected (usual, up to the spike threshold)",
        )
    for subject, series in shown.series.groupby("subject", sort=True):
        object_name, _, direction = subject.partition("/")
        fig.add_scatter(
            x=series["ts"].dt.tz_convert(zone),
            y=series["value"],
            name=f"{object_name}: {DIRECTION_LABELS.get(direction, direction)}",
            mode="lines",
            line={
                "color": object_color(object_name),
                "width": 2,
                "dash": "solid" if direction == "sfdc_to_marketo" else "dot",
            },
        )
    lay_out_series(fig, "backlog (records waiting)", zone_name)
    return fig


def _episode_table(shown, zone) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "subject": e.subject,
                "opened": local_time(e.opened_at, zone),
                "resolved": local_time(e.resolved_at, zone) if e.resolved_at else "still open",
                "severity": e.severity,
                "title": e.title,
            }
            for e in shown.episodes
        ],
        columns=["subject", "opened", "resolved", "severity", "title"],
    )


def render_preview_panel(view: View) -> None:
    """Pick a check, edit its settings, turn the preview on: replayed at every change."""
    st.subheader("Try settings before saving them")
    st.caption(
        "Replays a check over the sidebar's time range with the settings below, as "
        "`python -m monitor backtest --check <id> --set key=value` does, next to the saved "
        "settings. Nothing here is saved: to keep a value, put it in monitor.toml under "
        "[checks.<id>]."
    )
    ids = [c.id for c in REGISTRY]
    check_id = st.selectbox(
        "Check",
        ids,
        index=ids.index("backlog_spike"),
        format_func=lambda i: f"{i} — {get_check(i).title}",
        key="tune-check",
    )
    check = get_check(check_id)
    edited = edited_settings(check)
    options: dict[str, Any] = {"since": view.since, "until": view.until}
    if check_id == "backlog_spike":
        latest = data.load("backlog_latest", **view.params())
        left, right = st.columns(2)
        object_name = left.selectbox(
            "Object", [ALL, *sorted(set(latest["object"]))], key="tune-object"
        )
        direction = right.selectbox(
            "Direction",
            [ALL, *DIRECTION_LABELS],
            format_func=lambda d: DIRECTION_LABELS.get(d, "both directions"),
            key="tune-direction",
        )
        options["object_name"] = None if object_name == ALL else object_name
        options["direction"] = None if direction == ALL else direction
    if not st.toggle("Preview", key="tune-preview"):
        st.caption("Turn the preview on to replay the check (a few seconds).")
        return
    shown = data.preview(view.instance, check_id, edited, **options)
    config = data.config()
    zone = config.zone
    minutes = int(shown.every.total_seconds() // 60)
    st.caption(
        f"{count(len(shown.episodes))} with these settings, "
        f"{len(shown.saved_episodes):,} with the saved ones · replayed every {minutes:,} "
        f"minutes from {local_time(view.since, zone)} to {local_time(view.until, zone)}"
    )
    if not shown.series.empty:
        st.plotly_chart(_chart(shown, zone, config.timezone), key="tune-chart")
    show_table(_episode_table(shown, zone), f"preview-{check_id}")
