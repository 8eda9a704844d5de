"""Sources: what the store holds, the import widget, the collections and the API use by
consumer they found, and quarantined input."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from dashboard import data
from dashboard.api_consumers_panel import render_api_consumers
from dashboard.context import View, demo_banner, run_page, show_table
from monitor.actions import import_and_check
from monitor.calendar import load_calendar
from monitor.config import load_zone
from monitor.errors import MonitorError
from monitor.vocabulary import IMPORT_KINDS
from monitor.vocabulary.text import markdown_literal

KIND_HELP = {
    "sync-errors": "Marketo Admin > Salesforce > Sync Errors > Export (CSV)",
    "sync-status": "Marketo Admin > Salesforce > Sync Status > Export (CSV)",
    "describe": "Salesforce describe JSON (REST describe or sf sobject describe --json)",
    "sync-stats": "CSV ts,object,direction,metric,value",
    "permissions": "CSV object,field,readable,editable",
}


def _import(uploads, kind: str, instance: str, tz: str, skip_invalid: bool) -> None:
    zone = load_zone(tz, "timezone")
    with tempfile.TemporaryDirectory() as folder:
        # Keep the uploaded names, so that errors read "<name>:<line>: ..." as on the CLI.
        paths = []
        for upload in uploads:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            paths.append(path)
        results = import_and_check(
            data.store(),
            kind,
            paths,
            instance=instance,
            zone=zone,
            skip_invalid=skip_invalid,
            overrides=data.config().checks,
            calendar=load_calendar(data.store(), data.config()),
        )
        for result in results:
            if result.error:
                st.error(markdown_literal(result.error.replace(str(Path(folder)) + "/", "")))
            else:
                st.success(markdown_literal(result.summary.replace(str(Path(folder)) + "/", "")))
    data.clear()


def scheduler_section(view: View) -> None:
    """What `python -m monitor run` does for this instance: each job's last and next run."""
    st.subheader("Scheduler")
    status = data.load("scheduler_status", now=view.now)
    jobs = data.load("scheduler_jobs_of", instance=view.instance)
    if status.empty:
        st.caption(
            "The scheduler has not run on this store: `python -m monitor run` collects, "
            "checks, imports the inbox and alerts on a clock (README, 'Running unattended')."
        )
        return
    state = status.iloc[0]
    heard = f"{state['last_heard_at']:%Y-%m-%d %H:%M} UTC"
    if state["state"] == "running" and state["is_overdue"]:
        st.warning(
            f"The scheduler (pid {state['pid']}) has not reported since {heard}: is "
            "`python -m monitor run` still running?"
        )
    elif state["state"] == "running":
        st.info(
            f"Scheduler running since {state['scheduled_at']:%Y-%m-%d %H:%M} UTC "
            f"(pid {state['pid']}); last job finished {heard}."
        )
    elif state["state"] == "once":
        st.info(f"The scheduler ran one round (`run --once`), last at {heard}.")
    else:
        st.warning(f"The scheduler is stopped (since {heard}): no job runs until `run` starts.")
    show_table(jobs, "scheduler-jobs")


def render(view: View | None) -> None:
    st.title("Sources & imports")
    config = data.config()
    st.caption(f"Store: `{config.db}`" + (f" · config: `{config.path}`" if config.path else ""))
    if view is not None:
        demo_banner(view)
        st.subheader(f"What the store holds for '{markdown_literal(view.instance)}'")
        coverage = data.load("data_coverage", instance=view.instance)
        show_table(coverage, "store-coverage")

    st.subheader("Import Marketo exports and other files")
    kinds = sorted(IMPORT_KINDS)
    kind = st.selectbox(
        "Kind",
        kinds,
        # The export people import most: Marketo's Sync Errors.
        index=kinds.index("sync-errors") if "sync-errors" in kinds else 0,
        format_func=lambda k: f"{k} — {KIND_HELP[k]}",
        key="import-kind",
    )
    cols = st.columns(3)
    # The instance the sidebar shows: an import lands where the reader is looking.
    shown_instance = view.instance if view is not None else config.instance
    instance = cols[0].text_input("Instance", value=shown_instance, key="import-instance")
    tz = cols[1].text_input(
        "Timezone of the export",
        value=config.timezone,
        key="import-tz",
        help="The exporting Marketo user's timezone, e.g. America/Chicago.",
    )
    skip_invalid = cols[2].checkbox("Skip invalid rows (quarantine them)", key="import-skip")
    uploads = st.file_uploader(
        "Files", accept_multiple_files=True, key="import-files", type=["csv", "json"]
    )
    if st.button("Import", disabled=not uploads, key="import-run"):
        try:
            _import(
                uploads,
                kind,
                instance.strip() or config.instance,
                tz.strip() or "UTC",
                skip_invalid,
            )
        except MonitorError as exc:
            st.error(markdown_literal(exc))

    if view is not None:
        scheduler_section(view)
        runs = data.load("collection_runs_recent", instance=view.instance, limit=50)
        st.subheader("Collections")
        if runs.empty:
            st.caption(
                "No collection yet. Set the Salesforce variables (README, 'Connecting "
                "Salesforce') and start `python -m monitor run` (or `collect` once)."
            )
        else:
            latest = runs.iloc[0]
            message = (
                f"Last collection {latest['started_at']:%Y-%m-%d %H:%M} UTC: {latest['status']}"
            )
            (st.info if latest["status"] == "ok" else st.warning)(message)
            show_table(runs, "collection-runs")
        render_api_consumers(view)
        quarantined = data.load("quarantine_rows", instance=view.instance, limit=500)
        st.subheader(f"Quarantined rows ({len(quarantined)})")
        if quarantined.empty:
            st.caption("Nothing rejected.")
        else:
            st.caption("Rows rejected by --skip-invalid imports, kept verbatim: fix and re-import.")
            # The file's name, not where the server kept it while importing.
            names = quarantined["origin"].map(lambda o: Path(o).name if isinstance(o, str) else o)
            show_table(
                quarantined.drop(columns="origin").assign(file=names)[
                    ["received_at", "kind", "file", "line", "reason", "raw"]
                ],
                "quarantine",
            )


run_page(render, needs_data=False)
