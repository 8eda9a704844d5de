"""The Permissions page's "Sync user's connection" section: will the sync user still log in
tomorrow? Its state at a glance (active, profile, password age against the policy, the system
permissions that matter, connected apps, the login streak) and each open auth_posture finding
with the exact change to make."""

from __future__ import annotations

import streamlit as st

from checks import get_check
from dashboard import data
from dashboard.context import View, show_table
from monitor.sync_user_auth import open_risks, posture
from monitor.vocabulary.text import markdown_literal


def render_auth_posture(view: View) -> None:
    """The section, or one line before the first reading of the sync user's auth."""
    st.subheader("Sync user's connection")
    check = get_check("auth_posture")
    settings = check.resolve_settings(data.config().checks.get(check.id))
    reading = data.load("auth_posture_latest", instance=view.instance, now=view.now)
    apps = data.load("auth_connected_apps_latest", instance=view.instance, now=view.now)
    logins = data.load(
        "auth_logins_recent",
        instance=view.instance,
        now=view.now,
        lookback_days=settings["lookback_days"],
    )
    shown = posture(reading, apps, logins, settings, view.now, data.config().zone)
    if shown is None:
        st.caption(
            "No reading of the sync user's User row and system permissions yet: the Salesforce "
            "collector reads them hourly."
        )
        return
    st.caption(
        f"What keeps the Marketo sync logging in, read {shown.read_at} (hourly, when it "
        "changes). The password policy is not readable over the API: the check assumes "
        f"{settings['password_expiry_days']:,} days (auth_posture setting password_expiry_days)."
    )
    risks = open_risks(data.load("auth_posture_findings", **view.params()))
    if risks.empty:
        st.success("Nothing puts the sync user's connection at risk.")
    else:
        st.metric("Open risks to the connection", f"{len(risks):,}")
        for _, row in risks.iterrows():
            with st.container(border=True):
                st.markdown(f"**{markdown_literal(row['finding'])}** ({row['severity']})")
                st.markdown("Change to make: " + markdown_literal(row["what to change"]))
    show_table(shown.facts, "sync-user-auth")
    st.markdown("**System permissions that matter**")
    show_table(shown.permissions, "sync-user-system-permissions")
    st.markdown("**Connected apps the sync user authorized (OAuth)**")
    if shown.apps_note:
        st.caption(shown.apps_note)
    else:
        show_table(shown.apps, "sync-user-connected-apps")
    st.markdown("**Logins**")
    st.caption(shown.logins)
