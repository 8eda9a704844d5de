"""The Sources page's "Salesforce API use by consumer" section: each day's counted API calls
by the Marketo sync user, other integrations and people (the ApiTotalUsage event logs the
collector reads once a day), one colour per kind, and each consumer's share of the range."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data
from dashboard.context import View, show_table
from monitor.consumers import consumer_table
from monitor.vocabulary.api_consumers import (
    API_CONSUMERS_UNAVAILABLE,
    CONSUMER_KIND_COLORS,
    CONSUMER_KIND_LABELS,
)


def consumer_chart(shares: pd.DataFrame) -> go.Figure:
    """Counted calls per UTC day stacked by kind, in each kind's fixed colour."""
    by_kind = shares.groupby(["day", "kind"], as_index=False)["calls"].sum()
    fig = go.Figure()
    for kind, label in CONSUMER_KIND_LABELS.items():
        rows = by_kind[by_kind["kind"] == kind]
        if not rows.empty:
            fig.add_bar(
                x=rows["day"],
                y=rows["calls"],
                name=label,
                marker_color=CONSUMER_KIND_COLORS[kind],
            )
    fig.update_layout(
        barmode="stack",
        xaxis_title="Day (UTC)",
        yaxis_title="API calls counted against the daily limit (per UTC day)",
        yaxis_tickformat=",",
        legend_title_text="Consumer",
        height=320,
    )
    return fig


def render_api_consumers(view: View) -> None:
    """The section, or one line when no consumer data is stored for the range."""
    st.subheader("Salesforce API use by consumer")
    shares = data.load(
        "api_consumer_shares", instance=view.instance, since=view.since, until=view.until
    )
    if shares.empty:
        st.caption(API_CONSUMERS_UNAVAILABLE)
        return
    st.caption(
        "Who used the org's daily API pool, from Salesforce's ApiTotalUsage event logs (read "
        "once a day; the latest day is yesterday, UTC). Only calls counted against the limit."
    )
    st.plotly_chart(consumer_chart(shares), key="api-consumers-chart")
    show_table(consumer_table(shares), "api-consumers")
