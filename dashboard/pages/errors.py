"""Sync errors by category, code and object over time, with a drill-down to records."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, keep_in_url, run_page, show_table, url_choice
from monitor.vocabulary.palette import CATEGORY_COLORS
from monitor.vocabulary.taxonomy import CATEGORIES

ALL = "(all)"


def render(view: View) -> None:
    st.title("Sync errors")
    demo_banner(view)
    options = [ALL, *CATEGORIES]
    category = url_choice("category", options, ALL)
    category = st.selectbox("Category", options, index=options.index(category), key="category")
    keep_in_url("category", category)
    chosen = "" if category == ALL else category

    daily = data.load("errors_daily", **view.params(object="", category=chosen))
    by_code = data.load("errors_by_code", **view.params(object="", category=chosen))
    total = int(daily["errors"].sum()) if len(daily) else 0
    cols = st.columns(3)
    cols[0].metric("Errors in range", f"{total:,}")
    cols[1].metric("Distinct codes", by_code["error_code"].nunique() if len(by_code) else 0)
    cols[2].metric("Records affected", f"{int(by_code['records'].sum()) if len(by_code) else 0:,}")
    if daily.empty:
        st.success("No sync errors in this range.")
        return
    fig = px.bar(
        daily,
        x="day",
        y="errors",
        color="category",
        labels={"day": "day (UTC)", "errors": "errors per day"},
        color_discrete_map=CATEGORY_COLORS,
    )
    fig.update_layout(height=320, margin={"t": 10}, legend_title_text="")
    st.plotly_chart(fig, key="errors-daily")

    st.subheader("By code and object")
    show_table(by_code, "errors-by-code")

    st.subheader("Error records")
    codes = [ALL, *sorted(by_code["error_code"].unique())]
    code = url_choice("code", codes, ALL)
    code = st.selectbox("Error code", codes, index=codes.index(code), key="code")
    keep_in_url("code", code)
    records = data.load(
        "errors_latest",
        **view.params(object="", category=chosen, code="" if code == ALL else code, limit=1000),
    )
    st.caption(f"Newest {len(records):,} records (at most 1,000).")
    show_table(records, "error-records")


run_page(render)
