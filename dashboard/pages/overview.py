"""Overview: is the sync OK, and if not, what to do: the open incidents as cards (severity,
title, since when, impact, owner, the fix), the freshness of every source, then the trends."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, run_page, show_table
from dashboard.incident_links import findings_link, problem_link
from dashboard.labels import NOTHING, local_time, since_text
from monitor.health import FRESHNESS_CHECKS, backlog_now, health_state
from monitor.incidents import Incident, by_severity, finding_records, group_findings, impact_text
from monitor.vocabulary.palette import CATEGORY_COLORS, object_colors
from monitor.vocabulary.text import markdown_literal

SEVERITY_BADGES = {
    "critical": ":red-badge[:material/error: Critical]",
    "warning": ":orange-badge[:material/warning: Warning]",
    "info": ":blue-badge[:material/info: Info]",
}


def _small_chart(figure, key: str) -> None:
    figure.update_layout(height=300, margin={"t": 10, "b": 10}, legend_title_text="")
    st.plotly_chart(figure, key=key)


def verdict(incidents: list[Incident], is_scored: bool) -> str:
    """One sentence that answers "is the sync OK?" (markdown, coloured by the worst)."""
    counts = by_severity(incidents)
    critical, warning = counts.get("critical", 0), counts.get("warning", 0)

    def plural(count: int, word: str) -> str:
        return f"{count:,} {word}" + ("s" if count != 1 else "")

    if critical:
        also = f" and {plural(warning, 'warning')}" if warning else ""
        return (
            f":material/error: :red[The sync needs action: "
            f"{plural(critical, 'critical incident')}{also}.] Start with the first card below."
        )
    if warning:
        runs = f"The sync runs, with {plural(warning, 'warning incident')}."
        return f":material/warning: :orange[{runs}]"
    if is_scored:
        return ":material/check_circle: :green[The sync is OK: no open incident.]"
    return ":material/help: The monitor cannot tell yet: see what is missing below."


def _card(incident: Incident, view: View) -> None:
    zone = data.config().zone
    with st.container(border=True):
        # Titles and fixes quote what Salesforce and Marketo wrote: shown as plain text.
        title = markdown_literal(incident.title)
        st.markdown(f"{SEVERITY_BADGES.get(incident.severity, '')} **{title}**")
        since = since_text(incident.started_at, view.now, zone)
        st.markdown(
            f"{since[:1].upper()}{since[1:]} · "
            f"Owner: **{markdown_literal(incident.owner)}** · "
            f"Impact: {markdown_literal(impact_text(incident.impact))}"
        )
        st.markdown(f"**Fix:** {markdown_literal(incident.fix)}")
        # The page that shows the problem first; the incident's findings always one click away.
        problem, findings = (
            problem_link(incident, view.instance),
            findings_link(incident, view.instance),
        )
        st.page_link(
            problem.page,
            label=problem.label,
            icon=":material/arrow_forward:",
            query_params=problem.query_params,
        )
        if problem != findings:
            st.page_link(
                findings.page,
                label=findings.label,
                icon=":material/flag:",
                query_params=findings.query_params,
            )


def _incidents(incidents: list[Incident], view: View) -> None:
    shown = [i for i in incidents if i.severity != "info"]
    st.subheader(f"Open incidents ({len(incidents):,})")
    for incident in shown:
        _card(incident, view)
    quiet = [i for i in incidents if i.severity == "info"]
    if quiet:
        with st.expander(f"{len(quiet):,} for information"):
            for incident in quiet:
                _card(incident, view)


def _freshness(freshness: pd.DataFrame, stale: set[str], view: View) -> None:
    """Per source: the newest data it delivered and whether that is recent enough to judge."""
    st.subheader("Data freshness")
    if freshness.empty:
        st.caption("No source has delivered data yet: import exports or connect a source.")
        return
    zone = data.config().zone
    ages = (pd.Timestamp(view.now) - freshness["newest"]).dt.total_seconds() / 3600
    table = pd.DataFrame(
        {
            "source": freshness["source"],
            "newest data": [local_time(t, zone) for t in freshness["newest"]],
            "age": [NOTHING if pd.isna(a) else f"{max(a, 0):,.1f} h" for a in ages],
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
    findings = data.load("findings_open", instance=view.instance)
    incidents = group_findings(finding_records(findings))
    freshness = data.load("source_freshness", instance=view.instance, now=view.now)
    stopped = data.load(
        "findings_open_subjects", instance=view.instance, checks=list(FRESHNESS_CHECKS)
    )
    stale = set(stopped["subject"])
    has_data = bool(len(freshness)) or pd.notna(
        data.load("data_end", instance=view.instance)["data_end"].iloc[0]
    )
    counts = by_severity(incidents)
    health = health_state(counts, has_data, sorted(stale))
    backlog = data.load("backlog_by_object_hourly", **view.params())
    total_backlog = data.load("backlog_total_hourly", **view.params())["backlog"]
    now_backlog = backlog_now(data.load("backlog_latest", **view.params()))
    errors = data.load("errors_daily", **view.params(object="", category=""))

    st.markdown(f"### {verdict(incidents, health.state == 'scored')}")
    if health.state != "scored":
        st.warning(f"The monitor cannot fully judge the sync: {health.reason}.")
    cols = st.columns(4)
    cols[0].metric("Health score", health.headline, help=health.reason)
    cols[1].metric("Critical incidents", f"{counts.get('critical', 0):,}")
    cols[2].metric("Warning incidents", f"{counts.get('warning', 0):,}")
    cols[3].metric(
        "Backlog now (all objects)",
        f"{now_backlog:,.0f}" if now_backlog is not None else NOTHING,
        help="The latest sample of each object and direction, summed (as on the Backlog page "
        "and in the report); the sparkline is the hourly peak.",
        chart_data=list(total_backlog.tail(72)) if len(total_backlog) else None,
        chart_type="area",
    )
    if not incidents and health.state != "scored":
        st.info("No open incident in the data there is; see below what is missing.")
    _incidents(incidents, view)
    _freshness(freshness, stale, view)

    zone_name = data.config().timezone
    left, right = st.columns(2)
    with left:
        st.subheader("Backlog by object")
        if backlog.empty:
            st.caption("No backlog data in this range.")
        else:
            shown = backlog.assign(hour=backlog["hour"].dt.tz_convert(data.config().zone))
            labels = {"hour": f"time ({zone_name})", "backlog": "records waiting (hourly peak)"}
            _small_chart(
                px.line(
                    shown,
                    x="hour",
                    y="backlog",
                    color="object",
                    labels=labels,
                    color_discrete_map=object_colors(shown["object"].unique()),
                ),
                key="overview-backlog",
            )
            st.caption(f"Provenance: {', '.join(sorted(set(backlog['provenance'])))}")
    with right:
        st.subheader("Sync errors per day")
        if errors.empty:
            st.caption("No sync errors in this range.")
        else:
            labels = {"day": "day (UTC)", "errors": "errors per day"}
            _small_chart(
                px.bar(
                    errors,
                    x="day",
                    y="errors",
                    color="category",
                    labels=labels,
                    color_discrete_map=CATEGORY_COLORS,
                ),
                key="overview-errors",
            )


run_page(render)
