"""Overview: health score, open findings by severity, trend sparklines."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, run_page, show_table
from monitor.health import FRESHNESS_CHECKS, health_state

SEVERITY_COLORS = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}


def _small_chart(figure, key: str) -> None:
    figure.update_layout(height=300, margin={"t": 10, "b": 10}, legend_title_text="")
    st.plotly_chart(figure, key=key)


def _freshness(freshness: pd.DataFrame, stale: set[str]) -> None:
    """Per source: the newest data it delivered and whether that is recent enough to judge."""
    st.subheader("Data freshness")
    if freshness.empty:
        st.caption("No source has delivered data yet: import exports or connect a source.")
        return
    table = pd.DataFrame(
        {
            "source": freshness["source"],
            "newest data (UTC)": freshness["newest"].dt.strftime("%Y-%m-%d %H:%M"),
            "status": [
                "stale" if source in stale or key in stale else "fresh"
                for source, key in zip(freshness["source"], freshness["key"], strict=True)
            ],
        }
    )
    show_table(table, "data-freshness")


def render(view: View) -> None:
    st.title("Sync health overview")
    demo_banner(view)
    by_severity = dict(data.load("findings_by_severity", instance=view.instance).values.tolist())
    freshness = data.load("source_freshness", instance=view.instance, now=view.now)
    stopped = data.load(
        "findings_open_subjects", instance=view.instance, checks=list(FRESHNESS_CHECKS)
    )
    stale = set(stopped["subject"])
    has_data = bool(len(freshness)) or pd.notna(
        data.load("data_end", instance=view.instance)["data_end"].iloc[0]
    )
    health = health_state(by_severity, has_data, sorted(stale))
    backlog = data.load("backlog_by_object_hourly", **view.params())
    total_backlog = data.load("backlog_total_hourly", **view.params())["backlog"]
    errors = data.load("errors_daily", **view.params(object="", category=""))

    cols = st.columns(4)
    cols[0].metric("Health score", health.headline, help=health.reason)
    cols[1].metric("Open critical", by_severity.get("critical", 0))
    cols[2].metric("Open warnings", by_severity.get("warning", 0))
    cols[3].metric(
        "Backlog now (all objects)",
        f"{total_backlog.iloc[-1]:,.0f}" if len(total_backlog) else "–",
        chart_data=list(total_backlog.tail(72)) if len(total_backlog) else None,
        chart_type="area",
    )

    if health.state != "scored":
        st.warning(f"The monitor cannot fully judge the sync: {health.reason}.")
    _freshness(freshness, stale)

    findings = data.load("findings_open", instance=view.instance)
    st.subheader(f"Open findings ({len(findings)})")
    if findings.empty and health.state == "scored":
        st.success("No open findings: the sync looks healthy.")
    elif findings.empty:
        st.info("No open findings in the data there is; see above what is missing.")
    else:
        shown = findings[
            ["severity", "check_id", "subject", "title", "owner", "first_seen", "last_seen"]
        ]
        show_table(shown, "open-findings")

    left, right = st.columns(2)
    with left:
        st.subheader("Backlog by object")
        if backlog.empty:
            st.caption("No backlog data in this range.")
        else:
            labels = {"hour": "", "backlog": "records waiting"}
            _small_chart(
                px.area(backlog, x="hour", y="backlog", color="object", labels=labels),
                key="overview-backlog",
            )
            st.caption(f"Provenance: {', '.join(sorted(set(backlog['provenance'])))}")
    with right:
        st.subheader("Sync errors per day")
        if errors.empty:
            st.caption("No sync errors in this range.")
        else:
            labels = {"day": "", "errors": "errors"}
            _small_chart(
                px.bar(errors, x="day", y="errors", color="category", labels=labels),
                key="overview-errors",
            )


run_page(render)
