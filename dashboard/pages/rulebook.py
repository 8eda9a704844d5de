"""Checks: every registered check with its settings (default and configured value) and runbook,
generated from the registry so it cannot fall behind the code, and a preview of one check's
edited settings replayed over stored data (dashboard/preview_panel.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from checks import REGISTRY
from dashboard import data
from dashboard.context import View, run_page, show_table
from dashboard.preview_panel import render_preview_panel


def render(view: View | None) -> None:
    st.title("Checks")
    overrides = data.config().checks
    st.caption(
        f"{len(REGISTRY)} checks. Override a setting in monitor.toml under [checks.<id>], "
        "or for one object under [checks.<id>.per_object.<Object>]; "
        "`python -m monitor checks` prints the same list."
    )
    summary = pd.DataFrame(
        [{"id": c.id, "title": c.title, "severity": c.severity, "owner": c.owner} for c in REGISTRY]
    )
    show_table(summary, "checks")
    if view is not None:  # the preview replays stored data: only with an instance
        render_preview_panel(view)
    for check in REGISTRY:
        configured = check.resolve_settings(overrides.get(check.id))
        with st.expander(f"{check.id} — {check.title}"):
            st.caption(f"Default severity {check.severity} · fix owned by {check.owner}")
            settings = pd.DataFrame(
                [
                    {
                        "setting": s.name,
                        "default": str(s.default),
                        "configured": str(configured[s.name]),
                        "help": s.help,
                    }
                    for s in check.settings
                ]
            )
            show_table(settings, f"settings-{check.id}")
            per_object = check.object_settings(overrides.get(check.id))
            if per_object:
                st.caption("Per object ([checks.<id>.per_object.<Object>] in monitor.toml)")
                show_table(
                    pd.DataFrame(
                        [
                            {"object": name, "setting": key, "configured": str(value)}
                            for name, values in per_object.items()
                            for key, value in values.items()
                            if value != configured[key]
                        ]
                    ),
                    f"per-object-{check.id}",
                )
            st.markdown(check.runbook)


run_page(render, needs_data=False)
