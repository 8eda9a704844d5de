"""The Backlog page's "How well the planner predicted past spikes": for each past spike that
drained, the plan the planner would have made at its start beside when it actually cleared."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import View
from monitor.vocabulary.text import markdown_literal


def render_plan_accuracy_panel(view: View) -> None:
    """The planner's record on this instance's past spikes, as a sentence and a table."""
    st.subheader("How well the planner predicted past spikes")
    st.caption(
        "Each backlog spike of the last 90 days that drained (at least 10,000 records "
        "arriving at once or in consecutive batches), planned again from what the monitor "
        "knew when it arrived, and compared with when the backlog was back to its level "
        "before (within 1% of the spike). "
        "Error: predicted minus actual clear time. Times in UTC."
    )
    sentence, rows = data.planner_accuracy(view.instance, view.now)
    st.markdown(markdown_literal(sentence))
    if len(rows):
        st.dataframe(rows, hide_index=True, key="plan-accuracy")
