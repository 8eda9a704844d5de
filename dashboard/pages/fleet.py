"""All instances: each instance's health, open incidents and freshness in one sortable table,
worst first, with a link into each instance's Overview."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.context import View, run_page, show_table
from dashboard.labels import NOTHING, local_time
from monitor.fleet import fleet


def _table(rows, zone) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "instance": [r.instance + (" (demo)" if r.is_demo else "") for r in rows],
            "health": [r.health.headline for r in rows],
            "critical incidents": [r.critical for r in rows],
            "warning incidents": [r.warning for r in rows],
            "open incidents": [r.incidents for r in rows],
            "worst open incident": [r.worst or NOTHING for r in rows],
            "newest data": [local_time(r.newest_data, zone) for r in rows],
            "stale sources": [", ".join(r.stale_sources) or NOTHING for r in rows],
        }
    )


def render(view: View) -> None:
    st.title("All instances")
    rows = fleet(data.store(), data.round_down(datetime.now(UTC)))
    # Worst first: critical incidents, then warnings, then the lowest score.
    rows.sort(key=lambda r: (-r.critical, -r.warning, r.health.score or 0, r.instance))
    demos = [r.instance for r in rows if r.is_demo]
    if demos:
        st.info(
            f"Demo workspace: {', '.join(demos)} holds simulated data, not a real org.",
            icon=":material/science:",
        )
    unhealthy = sum(1 for r in rows if r.critical or r.health.state != "scored")
    st.markdown(
        f"**{len(rows):,} instances**, {unhealthy:,} needing action "
        "(a critical incident, or data the monitor cannot judge)."
    )
    zone = data.config().zone
    # The table sorts by any column (click its header); the links below open each instance.
    show_table(
        _table(rows, zone),
        "all-instances",
        column_config={
            "worst open incident": st.column_config.TextColumn(width="large"),
            "newest data": st.column_config.TextColumn(f"newest data ({data.config().timezone})"),
        },
    )
    for row in rows:
        st.page_link(
            "dashboard/pages/overview.py",
            label=f"{row.instance}: {row.health.headline}, {row.incidents:,} open incidents",
            icon=":material/arrow_forward:",
            query_params={"instance": row.instance},
        )


run_page(render)
