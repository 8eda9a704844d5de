"""Schema guard, for Salesforce admins: schema changes on synced objects that Marketo will act
on irreversibly, who made them, and what to do before the next sync cycle."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, run_page, show_table


def render(view: View) -> None:
    st.title("Schema guard")
    demo_banner(view)
    st.caption(
        "For Salesforce admins: type changes, renamed API names, vanished or newly required "
        "fields and picklist changes on synced objects (from the hourly describe snapshots), "
        "and the required-field contract. Act before the next sync cycle: some of what "
        "Marketo does next cannot be undone."
    )
    findings = data.load("schema_drift_findings", **view.params())
    if findings.empty:
        st.success("No schema change on a synced object puts the sync at risk in this range.")
        return
    st.metric("Fields at risk", f"{len(findings):,}")
    show_table(findings, "schema-drift")
    st.caption("The Describe changes of the Fields page list every change, risky or not.")


run_page(render)
