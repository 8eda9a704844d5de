"""The shared sidebar (instance, time range) and the filters kept in the URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard import data
from monitor.report.spreadsheet import to_csv_bytes

RANGES = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
RANGE_LABELS = {
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
}


@dataclass(frozen=True)
class View:
    """What every page filters by."""

    instance: str
    is_demo: bool
    since: datetime
    until: datetime
    now: datetime

    def params(self, **extra) -> dict:
        return {
            "instance": self.instance,
            "since": self.since,
            "until": self.until,
            "now": self.now,
            **extra,
        }


def url_choice(key: str, options: list[str], default: str) -> str:
    """A value from the URL if it is one of `options`, else the default."""
    value = st.query_params.get(key, default)
    return value if value in options else default


def keep_in_url(key: str, value: str) -> None:
    if st.query_params.get(key) != value:
        st.query_params[key] = value


def sidebar() -> View | None:
    """Draw the instance picker and time range; None when the store has no instance yet."""
    instances = data.load("instances")
    st.sidebar.title("Sync Health")
    if instances.empty:
        st.sidebar.info("No data yet: import exports on the Sources page.")
        return None
    names = list(instances["instance"])
    instance = st.sidebar.selectbox(
        "Instance",
        names,
        index=names.index(url_choice("instance", names, names[0])),
        key="instance",
    )
    keep_in_url("instance", instance)
    choice = st.sidebar.selectbox(
        "Time range",
        list(RANGES),
        format_func=RANGE_LABELS.get,
        index=list(RANGES).index(url_choice("range", list(RANGES), "7d")),
        key="range",
    )
    keep_in_url("range", choice)
    chosen = instances.set_index("instance").loc[instance]
    is_demo = bool(chosen["is_demo"])
    now = data.round_down(datetime.now(UTC))
    if pd.notna(chosen["simulated_until"]):
        # A demo workspace is a recording: shown, and judged, as of the end of its simulation.
        now = min(now, data.round_down(chosen["simulated_until"].to_pydatetime()))
    end = data.load("data_end", instance=instance)["data_end"].iloc[0]
    until = (
        now
        if pd.isna(end)
        else min(now, data.round_down(end.to_pydatetime()) + timedelta(minutes=1))
    )
    if is_demo:
        st.sidebar.warning("Demo workspace: simulated data, not a real org.")
    st.sidebar.caption(f"Data up to {until:%Y-%m-%d %H:%M} UTC")
    return View(instance, is_demo, until - RANGES[choice], until, now)


def demo_banner(view: View) -> None:
    if view.is_demo:
        st.info(
            "Demo workspace: everything here is simulated. Import your exports or connect "
            "Salesforce to monitor your own org.",
            icon=":material/science:",
        )


def show_table(frame: pd.DataFrame, name: str, **dataframe_options) -> None:
    """Show a table with its CSV download: every table on every page can be downloaded."""
    st.dataframe(frame, hide_index=True, **dataframe_options)
    download(frame, name, key=f"dl-{name}")


def download(frame: pd.DataFrame, name: str, key: str) -> None:
    """A CSV download of `frame` (formula-like cells neutralised)."""
    st.download_button(
        f"Download {name} (CSV)",
        to_csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=key,
    )


VIEW_KEY = "_view"


def remember(view: View | None) -> None:
    """app.py draws the sidebar once per run; pages read the resulting view from here."""
    st.session_state[VIEW_KEY] = view


def run_page(render, *, needs_data: bool = True) -> None:
    """Render a page with the current view; store or input problems become a message."""
    view = st.session_state.get(VIEW_KEY)
    if view is None and needs_data:
        st.info(
            "The store is empty. Import Marketo exports on the Sources page, or run "
            "`python -m monitor demo` for a simulated workspace."
        )
        return
    data.safe(lambda: render(view))
