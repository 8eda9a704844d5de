"""The Backlog page's "Plan a mass update" panel: the backlog planner (monitor/planner) asked
from a form, its answer in words and the hours each other object waits."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from dashboard import data
from dashboard.context import View
from monitor.planner import plan_mass_update
from monitor.planner.words import plan_lines
from monitor.vocabulary import DIRECTION_LABELS
from monitor.vocabulary.text import markdown_literal


def render_plan_panel(view: View, objects: list[str]) -> None:
    """Ask for the object, records and start of a mass update and show the plan."""
    st.subheader("Plan a mass update")
    st.caption(
        "How long a planned update will hold up the sync, from the pace the sync reached while "
        "records waited (by hour on weekdays and weekends, last 28 days), how much that pace "
        "varied from day to day, the backlog now and the order Marketo serves objects in "
        "(setting sync_object_order). The range holds 8 in 10 runs at past days' paces. "
        "Times in UTC."
    )
    next_hour = (view.now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    with st.form("plan-form"):
        left, middle, right = st.columns(3)
        object_name = left.selectbox("Object", objects, key="plan-object")
        records = middle.number_input(
            "Records updated", min_value=1, value=100_000, step=10_000, key="plan-records"
        )
        direction = right.selectbox(
            "Updated in",
            list(DIRECTION_LABELS),
            format_func=DIRECTION_LABELS.get,
            key="plan-direction",
        )
        day = left.date_input("Start day (UTC)", value=next_hour.date(), key="plan-day")
        hour = middle.time_input(
            "Start time (UTC)", value=time(next_hour.hour), step=3600, key="plan-time"
        )
        field = right.text_input("Field changed (optional)", key="plan-field")
        asked = st.form_submit_button("Plan")
    if not asked:
        return
    start = datetime.combine(day, hour, tzinfo=UTC)
    plan = plan_mass_update(
        data.store(),
        view.instance,
        object_name,
        int(records),
        view.now,
        start=start,
        direction=direction,
        order=data.config().sync_object_order,
        field_name=field.strip() or None,
    )
    lines = plan_lines(plan)
    st.markdown(f"**{markdown_literal(lines[1])}**")
    st.markdown("\n".join(f"- {markdown_literal(line)}" for line in [lines[0], *lines[2:]]))
