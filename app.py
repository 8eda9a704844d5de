"""Streamlit entry point: page config, the shared sidebar, and navigation. Thin on purpose."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import remember, sidebar

st.set_page_config(page_title="Sync Health Monitor", page_icon=":material/sync:", layout="wide")
if not data.open_store():
    st.stop()  # a store that cannot be trusted: its one line is on the page, nothing else
remember(sidebar())

PAGES = [
    ("overview", "Overview", ":material/monitoring:"),
    ("fleet", "All instances", ":material/apps:"),
    ("backlog", "Backlog & throughput", ":material/trending_up:"),
    ("errors", "Sync errors", ":material/error:"),
    ("permissions", "Permissions", ":material/lock:"),
    ("schema", "Schema guard", ":material/schema:"),
    ("fields", "Fields", ":material/list_alt:"),
    ("findings", "Findings", ":material/flag:"),
    ("reports", "Reports", ":material/summarize:"),
    ("rulebook", "Checks", ":material/rule:"),
    ("alerts", "Alerts", ":material/notifications:"),
    ("sources", "Sources & imports", ":material/upload_file:"),
]
st.navigation(
    [
        st.Page(
            f"dashboard/pages/{name}.py",
            title=title,
            icon=icon,
            url_path=name,
            default=name == "overview",
        )
        for name, title, icon in PAGES
    ]
).run()
