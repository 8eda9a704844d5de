"""Alerts: the channels (labels only), the outbox, what alerting did with recent transitions,
the silences, with a form to add one and a button to end one, and the business calendar's
planned windows, with a form to add one and a button to remove one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from checks import REGISTRY
from dashboard import data
from dashboard.context import View, demo_banner, run_page, show_table
from monitor.alerts.dispatch import load_channels
from monitor.alerts.silences import DASHBOARD_ORIGIN, active_silences, add_silence, expire_silence
from monitor.calendar import add_calendar_entry, load_calendar, remove_calendar_entry
from monitor.config.calendar import RECURRENCES
from monitor.config.secrets import load_secrets
from monitor.errors import MonitorError
from monitor.vocabulary.text import markdown_literal

if TYPE_CHECKING:
    from monitor.store import Store

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


def _saved(write) -> None:
    """Run a form's write: its one-line refusal on the page, or the page read again with it."""
    try:
        write()
    except MonitorError as exc:
        st.error(markdown_literal(exc))  # it may quote what the person typed
        return
    data.clear()
    st.rerun()


def _listed(
    line: str,
    origin: str,
    button: tuple[str, str],
    end: Callable[[Store, str, datetime], bool],
    entry_id: str,
) -> None:
    """One silence or calendar entry in its list; those added on the dashboard get a button
    (label, widget key) that ends them now (kept as history) and reads the page again."""
    cols = st.columns([5, 1])
    cols[0].markdown(line)
    if origin == DASHBOARD_ORIGIN and cols[1].button(button[0], key=button[1]):
        end(data.store(), entry_id, datetime.now(UTC))
        data.clear()
        st.rerun()


def _where(column: Any, view: View | None, key: str) -> str:
    """The instance a new silence or planned window covers, chosen in a "Where" radio: the one
    viewed, or '' for every instance (the only choice when none is viewed)."""
    scope = ["this instance", "every instance"] if view else ["every instance"]
    where = column.radio("Where", scope, key=key)
    return view.instance if view and where == "this instance" else ""


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
        instance = _where(cols[2], view, "silence-scope")
        reason = st.text_input("Reason", key="silence-reason")
        if st.form_submit_button("Silence"):
            _saved(
                lambda: add_silence(
                    data.store(),
                    check="" if check == ANY_CHECK else check,
                    subject=subject,
                    instance=instance,
                    until=datetime.combine(day, hour, tzinfo=UTC),
                    reason=reason,
                    now=now,
                )
            )


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
        _listed(
            f"`{silence.silence_id}` {silence.describe()}",
            silence.origin,
            ("End", f"end-{silence.silence_id}"),
            expire_silence,
            silence.silence_id,
        )
    _silence_form(view, now)


ONE_OFF = "one-off window"


def _calendar_form(view: View | None, now: datetime) -> None:
    zone = data.config().timezone
    with st.form("calendar-form", clear_on_submit=True):
        st.markdown("**Add a planned window**")
        cols = st.columns(3)
        name = cols[0].text_input("Name", key="calendar-name", help="e.g. Lead score rebuild")
        object_name = cols[1].text_input(
            "Object", key="calendar-object", help="Salesforce object; empty: every object"
        )
        kind = cols[2].selectbox("When", [ONE_OFF, *RECURRENCES], key="calendar-kind")
        cols = st.columns(4)
        start_day = cols[0].date_input(f"Start ({zone})", value=now.date(), key="calendar-start")
        start_time = cols[1].time_input("Start time", value=time(0, 0), key="calendar-start-time")
        end_day = cols[2].date_input(f"End ({zone})", value=now.date(), key="calendar-end")
        end_time = cols[3].time_input("End time", value=time(23, 59), key="calendar-end-time")
        cols = st.columns(3)
        days = cols[0].number_input("Last days of the period", 1, 27, 1, key="calendar-days")
        hours = cols[1].number_input("Hours after it ends", 0, 72, 0, key="calendar-hours")
        instance = _where(cols[2], view, "calendar-scope")
        if st.form_submit_button("Add to the calendar"):
            window = {}
            if kind == ONE_OFF:  # times without a zone: read in the configured timezone
                window = {
                    "start": datetime.combine(start_day, start_time).isoformat(),
                    "end": datetime.combine(end_day, end_time).isoformat(),
                }
            _saved(
                lambda: add_calendar_entry(
                    data.store(),
                    data.config(),
                    name=name,
                    every="" if kind == ONE_OFF else kind,
                    days=int(days),
                    hours=int(hours),
                    object_name=object_name,
                    instance=instance,
                    now=now,
                    **window,
                )
            )


def _calendar(view: View | None, now: datetime) -> None:
    st.subheader("Business calendar")
    st.caption(
        "Planned windows (holidays, month-end and quarter-end closes, launches, planned mass "
        "updates): findings about their object may open and show as expected, but are not "
        "alerted, and their samples stay out of the baselines learnt afterwards. Entries of "
        "monitor.toml change with the file."
    )
    try:
        entries = load_calendar(data.store(), data.config()).entries
    except MonitorError as exc:
        st.error(markdown_literal(exc))
        return
    if not entries:
        st.caption("No planned window.")
    for number, entry in enumerate(entries):
        _listed(
            f"{markdown_literal(entry.describe())} · {entry.origin}",
            entry.origin,
            ("Remove", f"calendar-remove-{entry.entry_id or number}"),
            remove_calendar_entry,
            entry.entry_id,
        )
    _calendar_form(view, now)


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
    _calendar(view, now)


run_page(render, needs_data=False)
