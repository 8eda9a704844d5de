"""Findings: open and resolved, with evidence, runbooks and acknowledgement."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from checks import get_check
from dashboard import data
from dashboard.context import View, demo_banner, keep_in_url, run_page, show_table, url_choice
from dashboard.labels import (
    check_title,
    evidence_tables,
    local_time,
    since_text,
    subject_text,
    text_or_nothing,
)
from monitor.alerts.silences import active_silences, expected_in, silenced_until
from monitor.incidents import finding_records, group_findings, impact_text
from monitor.runner import acknowledge_finding
from monitor.vocabulary.text import markdown_literal

STATUSES = ["open", "resolved", "all"]
WRAPPED = {
    "what": st.column_config.TextColumn("what", width="medium"),
    "value": st.column_config.TextColumn("value", width="large"),
}


def _incident(findings: pd.DataFrame, incident_id: str, view: View) -> pd.DataFrame:
    """The incident's header (title, since, owner, impact, cause, fix) and its findings only."""
    incidents = group_findings(finding_records(findings, view.instance))
    found = next((i for i in incidents if i.id == incident_id), None)
    if found is None:
        st.info(
            f"No incident {markdown_literal(incident_id)} among these findings; showing them all."
        )
        return findings
    zone = data.config().zone
    # Titles, causes and fixes quote what Salesforce and Marketo wrote: shown as plain text.
    st.subheader(markdown_literal(found.title))
    st.markdown(
        f"{found.severity.capitalize()} · {since_text(found.started_at, view.now, zone)} · "
        f"Owner: **{markdown_literal(found.owner)}** · "
        f"Impact: {markdown_literal(impact_text(found.impact))} · {found.status}"
    )
    st.markdown(f"**Cause:** {markdown_literal(found.cause)}")
    st.markdown(f"**Fix:** {markdown_literal(found.fix)}")
    st.caption(
        "Findings are one incident when their evidence names the same cause "
        f"(here: {found.kind.replace('_', ' ')}). Remove `incident` from the address to see all."
    )
    fingerprints = {f["fingerprint"] for f in found.findings}
    return findings[findings["fingerprint"].isin(fingerprints)]


def _evidence(check_id: str, evidence: dict) -> None:
    """The evidence as a table of what each value means, and small tables for lists."""
    try:
        meanings = get_check(check_id).evidence
    except KeyError:
        meanings = {}
    table, nested = evidence_tables(evidence, meanings, data.config().zone)
    st.dataframe(table, hide_index=True, column_config=WRAPPED)
    for label, frame in nested.items():
        st.caption(label)
        st.dataframe(frame, hide_index=True)


def findings_table(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings as people read them: check titles, directions in words, local times with
    the zone named, "—" for nothing (the ids stay in the evidence and the CSV of the CLI)."""
    zone = data.config().zone

    def times(column: str) -> list[str]:
        return [local_time(value, zone) for value in findings[column]]

    return pd.DataFrame(
        {
            "check": findings["check_id"].map(check_title),
            "subject": findings["subject"].map(subject_text),
            "severity": findings["severity"],
            "status": findings["status"],
            "silenced until": times("silenced_until"),
            "expected during": findings["expected_during"].map(text_or_nothing),
            "title": findings["title"].map(text_or_nothing),
            "detail": findings["detail"].map(text_or_nothing),
            "owner": findings["owner"].map(text_or_nothing),
            "first seen": times("first_seen"),
            "last seen": times("last_seen"),
            "resolved": times("resolved_at"),
            "acknowledged": times("acknowledged_at"),
        }
    )


def render(view: View) -> None:
    st.title("Findings")
    demo_banner(view)
    status = url_choice("status", STATUSES, "open")
    status = st.radio(
        "Status", STATUSES, index=STATUSES.index(status), horizontal=True, key="status"
    )
    keep_in_url("status", status)
    findings = data.load(
        "findings_all", instance=view.instance, status="" if status == "all" else status
    )
    incident_id = st.query_params.get("incident")
    if incident_id:
        findings = _incident(findings, incident_id, view)
    st.caption(f"{len(findings):,} findings")
    now = datetime.now(UTC)
    silences = active_silences(data.store(), data.config(), now)
    findings.insert(
        findings.columns.get_loc("status") + 1,
        "silenced_until",
        silenced_until(silences, findings.assign(instance=view.instance), now),
    )
    findings.insert(
        findings.columns.get_loc("silenced_until") + 1,
        "expected_during",
        expected_in(silences, findings.assign(instance=view.instance), now),
    )
    show_table(findings_table(findings), f"findings-{status}")
    zone = data.config().zone

    for finding in findings.itertuples(index=False):
        # Subjects, titles and details carry sync error messages and record values: shown as
        # the words they are, never as Markdown (a link in an error message stays text).
        label = (
            f"{finding.severity.upper()} · {markdown_literal(check_title(finding.check_id))} · "
            f"{markdown_literal(subject_text(finding.subject))}"
        )
        if isinstance(finding.expected_during, str):
            label += f" · expected ({markdown_literal(finding.expected_during)})"
        elif not pd.isna(finding.silenced_until):
            label += " · silenced"
        with st.expander(label):
            st.markdown(f"**{markdown_literal(finding.title)}**")
            st.markdown(markdown_literal(finding.detail))
            st.caption(
                f"Owner: {markdown_literal(finding.owner)} · "
                f"first seen {local_time(finding.first_seen, zone)} "
                f"· last seen {local_time(finding.last_seen, zone)} · {finding.status}"
            )
            _evidence(finding.check_id, json.loads(finding.evidence or "{}"))
            try:
                st.markdown("**Runbook**\n\n" + get_check(finding.check_id).runbook)
            except KeyError:
                st.caption("This check is no longer registered.")
            if finding.status == "open" and pd.isna(finding.acknowledged_at):
                if st.button("Acknowledge", key=f"ack-{finding.fingerprint}"):
                    acknowledge_finding(data.store(), finding.fingerprint, datetime.now(UTC))
                    data.clear()
                    st.rerun()
            elif finding.status == "open":
                st.caption(f"Acknowledged {local_time(finding.acknowledged_at, zone)}")
            if isinstance(finding.expected_during, str):
                st.caption(
                    f"Expected: planned window '{markdown_literal(finding.expected_during)}' of "
                    f"the business calendar, until {local_time(finding.silenced_until, zone)}; "
                    "not alerted (Alerts)"
                )
            elif not pd.isna(finding.silenced_until):
                st.caption(f"Silenced until {local_time(finding.silenced_until, zone)} (Alerts)")

    skipped = data.load("check_outcomes_skipped", instance=view.instance)
    if len(skipped):
        st.subheader("Not evaluated")
        st.caption(
            "Subjects a check could not judge yet (for example, too little history). "
            "They are shown here and never alerted."
        )
        zone = data.config().zone
        show_table(
            pd.DataFrame(
                {
                    "check": skipped["check_id"].map(check_title),
                    "subject": skipped["subject"].map(subject_text),
                    "reason": skipped["reason"].map(text_or_nothing),
                    "evaluated": [local_time(t, zone) for t in skipped["evaluated_at"]],
                }
            ),
            "not-evaluated",
        )


run_page(render)
