"""Reports: build the weekly health report of a week, preview it, download it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, keep_in_url, run_page, url_choice
from dashboard.labels import file_size
from monitor.report import (
    MIME_TYPES,
    build_report,
    last_complete_week,
    recent_weeks,
    report_bytes,
)
from monitor.report.html import render_html

WEEKS_SHOWN = 12
FORMATS = {
    "html": "HTML (one file, opens offline, prints on A4)",
    "csv": "CSV (one file per table, zipped)",
    "pdf": "PDF (A4, needs Chromium)",
}
SCOPES = {"instance": "This instance", "all": "All instances"}
BUILT_KEY = "_built_report"
PREVIEW_HEIGHT = 900


def render(view: View) -> None:
    st.title("Weekly health report")
    demo_banner(view)
    st.caption(
        "One report per ISO week (Monday 00:00 to Monday 00:00 UTC): a summary with the health "
        "score and what changed, then sections for Marketo admins, Salesforce admins and ops. "
        "The scheduled job writes last week's report into `report_dir` on its own."
    )
    # Only weeks the store holds data for (a week before the first fact would be empty).
    first = data.load("data_coverage", instance=view.instance)["first"].min()
    weeks = {
        week.label: week
        for week in recent_weeks(view.until, WEEKS_SHOWN)
        if pd.isna(first) or week.end > first
    } or {week.label: week for week in recent_weeks(view.until, 1)}
    labels = list(weeks)
    default = last_complete_week(view.now).label
    week = url_choice("week", labels, default if default in labels else labels[0])
    cols = st.columns(3)
    week = cols[0].selectbox(
        "Week",
        labels,
        index=labels.index(week),
        format_func=lambda label: (
            f"{label} (in progress)" if weeks[label].end > view.now else label
        ),
        key="report-week",
    )
    keep_in_url("week", week)
    scope = cols[1].radio(
        "Instances",
        list(SCOPES),
        format_func=lambda key: (
            f"{SCOPES[key]} ({view.instance})" if key == "instance" else SCOPES[key]
        ),
        key="report-scope",
    )
    fmt = cols[2].radio("Format", list(FORMATS), format_func=FORMATS.get, key="report-format")
    wanted = (week, scope, fmt, view.instance)

    if st.button("Build report", type="primary", key="report-build"):
        with st.spinner("Building the report…"):
            report = build_report(
                data.store(),
                week=weeks[week],
                instance=view.instance if scope == "instance" else None,
                now=view.now,
                check_overrides=data.config().checks,
            )
            html = render_html(report)
            content = html.encode("utf-8") if fmt == "html" else report_bytes(report, fmt)
            extension = {"html": "html", "csv": "zip", "pdf": "pdf"}[fmt]
            st.session_state[BUILT_KEY] = {
                "wanted": wanted,
                "html": html,
                "content": content,
                "file_name": f"{report.file_stem}.{extension}",
            }

    built = st.session_state.get(BUILT_KEY)
    if not built or built["wanted"] != wanted:
        st.info("Pick a week, the instances and a format, then build the report.")
        return
    st.download_button(
        f"Download {built['file_name']}",
        built["content"],
        file_name=built["file_name"],
        mime=MIME_TYPES[fmt],
        key="report-download",
        type="primary",
    )
    st.caption(f"{file_size(len(built['content']))} · preview:")
    st.iframe(built["html"], height=PREVIEW_HEIGHT)


run_page(render)
