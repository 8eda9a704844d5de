"""Alerts: the channels (labels only), the outbox, what alerting did with recent transitions,
and the silences, with a form to add one and a button to end one."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from checks import REGISTRY
from dashboard import data
from dashboard.context import View, demo_banner, run_page, show_table
from monitor.alerts.dispatch import load_channels
from monitor.alerts.silences import DASHBOARD_ORIGIN, active_silences, add_silence, expire_silence
from monitor.config.secrets import load_secrets
from monitor.errors import MonitorError
from monitor.vocabulary.text import markdown_literal

ANY_CHECK = "(any check)"
STATUS_HELP = (
    "pending: waiting for its first attempt · sending: an attempt is under way (or was "
    "interrupted and will be retried) · failed: will be retried with backoff · sent: delivered "
    "· dropped: its channel is no longer configured; final, never retried"
)


def _channels() -> None:
    config = data.config()
    channels, problems = load_channels(config, load_secrets())
    st.subheader("Channels")
    if channels:
        listing = pd.DataFrame(
            {
                "channel": [c.label for c in channels],
                "service": [c.service for c in channels],
                "takes reports": [c.accepts("report") for c in channels],
            }
        )
        show_table(listing, "alert-channels")
        st.caption(
            "Labels are the URL's scheme and a hash of it: the URLs hold secrets and are "
            "never shown or stored."
        )
    else:
        st.info(
            "No alert channel configured: set MONITOR_ALERT_URLS (space-separated apprise URLs) "
            "or alert_urls in monitor.toml, see the README's 'Alerts' section."
        )
    for problem in problems:
        st.warning(markdown_literal(problem))
    st.caption(
        f"Group wait {config.alert_group_wait_seconds} s · at most one alert per instance every "
        f"{config.alert_group_interval_minutes} min · open criticals repeated every "
        f"{config.alert_repeat_interval_hours} h until acknowledged, silenced or resolved."
    )


def _outbox() -> None:
    counts = dict(data.load("alert_outbox_counts").values.tolist())
    cols = st.columns(4)
    cols[0].metric("Waiting to send", counts.get("pending", 0) + counts.get("sending", 0))
    cols[1].metric("Failed, will retry", counts.get("failed", 0))
    cols[2].metric("Sent", counts.get("sent", 0))
    cols[3].metric("Dropped, channel removed", counts.get("dropped", 0))
    st.subheader("Outbox")
    outbox = data.load("alert_outbox_recent", limit=200)
    if outbox.empty:
        st.caption("Nothing queued yet.")
    else:
        st.caption(STATUS_HELP)
        show_table(outbox, "alert-outbox")


def _silence_form(view: View | None, now: datetime) -> None:
    with st.form("silence-form", clear_on_submit=True):
        st.markdown("**Add a silence**")
        cols = st.columns(2)
        check = cols[0].selectbox(
            "Check", [ANY_CHECK, *(c.id for c in REGISTRY)], key="silence-check"
        )
        subject = cols[1].text_input(
            "Subject pattern", key="silence-subject", help="A glob: Lead.*, *.Lead_Score__c"
        )
        cols = st.columns(3)
        later = now + timedelta(hours=4)
        day = cols[0].date_input("Until (UTC day)", value=later.date(), key="silence-day")
        hour = cols[1].time_input("Until (UTC time)", value=time(later.hour, 0), key="silence-time")
        scope = ["this instance", "every instance"] if view else ["every instance"]
        where = cols[2].radio("Where", scope, key="silence-scope")
        reason = st.text_input("Reason", key="silence-reason")
        if st.form_submit_button("Silence"):
            try:
                add_silence(
                    data.store(),
                    check="" if check == ANY_CHECK else check,
                    subject=subject,
                    instance=view.instance if view and where == "this instance" else "",
                    until=datetime.combine(day, hour, tzinfo=UTC),
                    reason=reason,
                    now=now,
                )
            except MonitorError as exc:
                st.error(markdown_literal(exc))
                return
            data.clear()
            st.rerun()


def _silences(view: View | None, now: datetime) -> None:
    st.subheader("Silences")
    st.caption(
        "Transitions a silence covers are recorded as suppressed and never sent later; once "
        "it ends, a still-open critical is repeated. Silences from monitor.toml end when "
        "their time comes or the file changes."
    )
    silences = active_silences(data.store(), data.config(), now)
    if not silences:
        st.caption("No silence is running.")
    for silence in silences:
        cols = st.columns([5, 1])
        cols[0].markdown(f"`{silence.silence_id}` {silence.describe()}")
        if silence.origin == DASHBOARD_ORIGIN and cols[1].button(
            "End", key=f"end-{silence.silence_id}"
        ):
            expire_silence(data.store(), silence.silence_id, datetime.now(UTC))
            data.clear()
            st.rerun()
    _silence_form(view, now)


def render(view: View | None) -> None:
    st.title("Alerts")
    if view is not None:
        demo_banner(view)
    now = datetime.now(UTC)
    _channels()
    _outbox()
    if view is not None:
        st.subheader(f"Recent transitions of '{markdown_literal(view.instance)}'")
        recent = data.load("alert_transitions_recent", instance=view.instance, limit=200)
        if recent.empty:
            st.caption("No transition alerted, suppressed or waiting yet.")
        else:
            st.caption(
                "alerted: in the message named · pending: waiting for its group · suppressed: "
                "a silence covered it · not_alerted: a severity drop, or a resolution whose "
                "opening was not alerted."
            )
            show_table(recent, "alert-transitions")
    _silences(view, now)


run_page(render, needs_data=False)
