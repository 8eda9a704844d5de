"""Streamlit entry point: page config, the shared sidebar, and navigation. Thin on purpose."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import remember, sidebar

st.set_page_config(page_title="Sync Health Monitor", page_icon="🔄", layout="wide")
data.prepare_store(data.config().db)
remember(sidebar())

PAGES = [
    ("overview", "Overview", "📊"),
    ("backlog", "Backlog & throughput", "📈"),
    ("errors", "Sync errors", "⚠️"),
    ("permissions", "Permissions", "🔐"),
    ("fields", "Fields", "🧾"),
    ("findings", "Findings", "🚩"),
    ("sources", "Sources & imports", "📥"),
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
