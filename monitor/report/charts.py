"""The report's Plotly charts, sized to fit an A4 page (the HTML lets them grow on screen)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go

from monitor.report.weeks import Window
from monitor.vocabulary import DIRECTION_LABELS
from monitor.vocabulary.palette import (
    CATEGORY_COLORS,
    SEVERITY_COLORS,
    object_color,
    transition_color,
)

DIRECTIONS = DIRECTION_LABELS
# One dash per direction: the colour is the object's, as on the dashboard.
DIRECTION_DASH = {"sfdc_to_marketo": "solid", "marketo_to_sfdc": "dot"}
HEIGHT = 300


def label(text: object) -> str:
    """Text from the sources as a chart label: Plotly reads a few HTML tags in labels (links
    among them), so `<`, `>` and `&` become entities it shows as the characters themselves."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _naive_utc(values: pd.Series) -> list[str]:
    """Plotly.js reads times without their offset: hand it UTC wall times, short (the hourly
    x values are most of a chart's bytes)."""
    return list(pd.to_datetime(values, utc=True).dt.strftime("%Y-%m-%d %H:%M"))


def _layout(
    figure: go.Figure, window: Window, y_title: str, pad_hours: int = 0, x_title: str = "time (UTC)"
) -> go.Figure:
    figure.update_layout(
        xaxis_title=x_title,
        template="plotly_white",
        height=HEIGHT,
        margin={"t": 10, "b": 10, "l": 10, "r": 10},
        legend={"orientation": "h", "y": -0.18, "font": {"size": 10}},
        yaxis_title=y_title,
        font={"size": 11},
        autosize=True,
    )
    # Daily bars and markers sit on midnight: pad so the first and last are drawn whole.
    pad = timedelta(hours=pad_hours)
    figure.update_xaxes(
        range=[f"{window.since - pad:%Y-%m-%d %H:%M}", f"{window.until - pad:%Y-%m-%d %H:%M}"]
    )
    return figure


def backlog_chart(hourly: pd.DataFrame, spikes: pd.DataFrame, window: Window) -> go.Figure:
    """Hourly backlog per object and direction, spike findings marked where they changed."""
    figure = go.Figure()
    for (object_name, direction), rows in hourly.groupby(["object", "direction"], sort=True):
        figure.add_scatter(
            x=_naive_utc(rows["hour"]),
            y=rows["backlog"].astype(float),
            name=label(f"{object_name} · {DIRECTIONS.get(direction, direction)}"),
            mode="lines",
            line={
                "width": 1.5,
                "color": object_color(object_name),
                "dash": DIRECTION_DASH.get(direction, "dash"),
            },
        )
    for event in spikes.itertuples(index=False):
        color = transition_color(event.transition)
        at = pd.Timestamp(event.changed_at).tz_convert("UTC").strftime("%Y-%m-%d %H:%M")
        figure.add_vline(x=at, line_color=color, line_dash="dash", line_width=1)
        figure.add_annotation(
            x=at,
            y=1,
            yref="paper",
            showarrow=False,
            text=label(f"spike {event.transition}: {event.subject}"),
            font={"color": color, "size": 10},
            xanchor="left",
        )
    return _layout(figure, window, "records waiting (hourly peak)")


def errors_chart(daily: pd.DataFrame, window: Window) -> go.Figure:
    """Sync errors per day, stacked by category."""
    figure = go.Figure()
    for category, rows in daily.groupby("category", sort=True):
        figure.add_bar(
            x=_naive_utc(rows["day"]),
            y=rows["errors"].astype(float),
            name=label(category),
            marker_color=CATEGORY_COLORS.get(category, CATEGORY_COLORS["unknown"]),
        )
    figure.update_layout(barmode="stack")
    return _layout(figure, window, "errors per day", pad_hours=12, x_title="day (UTC)")


def api_chart(
    daily: pd.DataFrame, window: Window, warn_share: float, critical_share: float
) -> go.Figure:
    """Each day's highest share of the daily API quota, per source and metric, with the
    api_budget check's warning and critical lines."""
    figure = go.Figure()
    shares = daily.dropna(subset=["peak_share"])
    for (source, metric), rows in shares.groupby(["source", "metric"], sort=True):
        figure.add_scatter(
            x=_naive_utc(rows["day"]),
            y=(rows["peak_share"] * 100).round(1),
            name=label(f"{source} {metric}"),
            mode="lines+markers",
        )
    for share, color, level in (
        (warn_share, SEVERITY_COLORS["warning"], "warning"),
        (critical_share, SEVERITY_COLORS["critical"], "critical"),
    ):
        figure.add_hline(
            y=share * 100,
            line_color=color,
            line_dash="dot",
            line_width=1,
            annotation_text=f"{level} {share:.0%}",
            annotation_font={"color": color, "size": 10},
        )
    figure.update_yaxes(rangemode="tozero")
    return _layout(figure, window, "% of daily quota (peak)", pad_hours=12, x_title="day (UTC)")
