"""Traces more than one dashboard chart draws the same way."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from monitor.vocabulary.palette import EXPECTED_BAND_COLOR


def add_expected_band(fig: go.Figure, times: Any, band: pd.DataFrame, name: str) -> None:
    """The band the backlog_spike check calls normal, from `expected` up to `spike_above`,
    drawn before the series so that it lies behind them: an invisible lower edge, then the
    fill up to the threshold."""
    fig.add_scatter(
        x=times, y=band["expected"], mode="lines", line={"width": 0}, showlegend=False,
        hoverinfo="skip",
    )  # fmt: skip
    fig.add_scatter(
        x=times,
        y=band["spike_above"],
        name=name,
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor=EXPECTED_BAND_COLOR,
    )


def lay_out_series(fig: go.Figure, values: str, zone_name: str) -> None:
    """The frame of the charts of series over time: 420 px high, the legend in a row, `values`
    on the y axis and times in the named zone."""
    fig.update_layout(
        height=420,
        margin={"t": 20},
        legend={"orientation": "h"},
        yaxis_title=values,
        xaxis_title=f"time ({zone_name})",
    )
