"""Permissions, for Salesforce admins: what the sync user cannot read or edit, and the grant."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, run_page, show_table


def render(view: View) -> None:
    st.title("Sync user permissions")
    demo_banner(view)
    st.caption(
        "For Salesforce admins: each row is access the Marketo sync user needs and lacks, "
        "with the exact grant that fixes it."
    )
    table = data.load("permission_gaps", instance=view.instance)
    if table.empty:
        st.success("No permission gaps found: the sync user has the access the sync needs.")
    else:
        st.metric("Permission gaps", len(table))
        show_table(table, "permission-gaps")

    st.subheader("Sync user access (latest snapshot)")
    access = data.load("permissions_latest", instance=view.instance, now=view.now)
    if access.empty:
        st.caption("No permission snapshot yet: import one (Sources page) or connect Salesforce.")
    else:
        access = access.assign(field=access["field"].replace("", "(object)"))
        show_table(access, "sync-user-access")

    st.subheader("Access changes (drift)")
    drift = data.load("permission_changes", **view.params())
    if drift.empty:
        st.caption("No change of the sync user's access in this range.")
    else:
        st.caption("Compared with the previous permission snapshot; empty = no longer listed.")
        show_table(drift, "sync-user-access-changes")


run_page(render)
