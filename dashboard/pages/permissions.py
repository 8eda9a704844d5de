"""Permissions, for Salesforce admins, acted on in a minute: per profile or permission set that
lost the sync user's access, a checklist of the exact grants with their failing records and
who removed the access when; then the fix package (a permission set to deploy, or the clicks);
then whether the sync user's connection will keep working (auth posture)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.auth_panel import render_auth_posture
from dashboard.context import RANGE_LABELS, View, demo_banner, download, run_page, show_table
from dashboard.labels import local_time, number
from monitor import permission_fix
from monitor.vocabulary.text import markdown_literal


def _range_words(view: View) -> str:
    label = RANGE_LABELS.get(st.query_params.get("range", "7d"), "the chosen range")
    return label[0].lower() + label[1:]


def _gap(row, who: pd.Series | None, view: View, zone) -> None:
    """One checklist item: tick it when done; the grant in full, the failures, the removal."""
    subject = f"{row.object}.{row.field}" if row.field else f"{row.object} (object)"
    if row.needs != "edit":
        access = "Read"
    else:  # as the grant says it: edit on an object is Read, Create and Edit
        access = "Read and Edit" if row.field else "Read, Create and Edit"
    with st.container(border=True):
        label = markdown_literal(f"{subject}: {access}" if row.grant else subject)
        st.checkbox(f"**{label}**", key=f"done-{row.object}-{row.field}")
        st.markdown(markdown_literal(row.grant or row.advice))
        if row.records:
            failures = (
                f"{number(row.records)} failing record{'s' if row.records != 1 else ''} "
                f"({number(row.errors)} errors) in {_range_words(view)}, the last at "
                f"{local_time(row.last_error, zone)}"
            )
        else:
            failures = (
                f"No failing record in {_range_words(view)}: the sync user's permission "
                "snapshot shows the gap."
            )
        st.caption(failures)
        if who is not None and who["details"]:
            actors = who["actors"] or "someone the audit trail does not name"
            st.caption(
                f"Removed by {markdown_literal(actors)} at {local_time(who['changed_at'], zone)}: "
                + "; ".join(markdown_literal(detail) for detail in who["details"])
            )
        elif not pd.isna(row.access_lost_at):
            st.caption(
                f"Access lost in the permission snapshot of {local_time(row.access_lost_at, zone)}"
                " (no Setup Audit Trail event names who changed it)."
            )


def _checklist(checklist: pd.DataFrame, who: pd.DataFrame, view: View) -> None:
    zone = data.config().zone
    by_gap = {(r["object"], r["field"]): r for _, r in who.iterrows()}
    containers = [
        by_gap[(o, f)]["container"] if (o, f) in by_gap else permission_fix.UNKNOWN_CONTAINER
        for o, f in zip(checklist["object"], checklist["field"], strict=True)
    ]
    for container in dict.fromkeys(containers):
        st.subheader(markdown_literal(container))
        if container != permission_fix.UNKNOWN_CONTAINER:
            st.caption(
                "Where the access was removed. Restore it there, or (better) deploy the fix "
                "package below: a permission set that a profile change cannot undo."
            )
        for row, where in zip(checklist.itertuples(index=False), containers, strict=True):
            if where == container:
                _gap(row, by_gap.get((row.object, row.field)), view, zone)


def _fix_package(checklist: pd.DataFrame, view: View) -> None:
    fields = data.load("field_inventory_latest", instance=view.instance, now=view.now)
    chosen = permission_fix.grants(checklist, fields)
    st.subheader("Fix package")
    if not chosen:
        st.caption("Nothing a permission set can grant: the items above need the Marketo admin.")
        return
    description = (
        f"Access the Marketo sync user lacked on {view.now:%Y-%m-%d}, found by the Sync Health "
        "Monitor. Assign to the sync user."
    )
    xml = permission_fix.permission_set_xml(chosen, description=description)
    name = permission_fix.file_name()
    st.markdown(
        f"A permission set granting exactly the {len(chosen)} access"
        f"{'es' if len(chosen) != 1 else ''} above (no system, audit or formula field: "
        "Salesforce never lets anyone edit those). Put it in "
        "`force-app/main/default/permissionsets/` of a Salesforce DX project and deploy it, "
        "then assign it to the sync user:"
    )
    st.download_button(
        f"Download {name}", xml, file_name=name, mime="application/xml", key="dl-fix-package"
    )
    st.code(permission_fix.deploy_command(), language="bash")
    with st.expander("The permission set (XML)"):
        st.code(xml, language="xml")
    st.markdown("**Or by hand** (Setup):")
    steps = permission_fix.click_path(chosen)
    st.markdown("\n".join(f"{i}. {markdown_literal(step)}" for i, step in enumerate(steps, 1)))


def render(view: View) -> None:
    st.title("Sync user permissions")
    demo_banner(view)
    st.caption(
        "For Salesforce admins: the access the Marketo sync user needs and lacks, where it was "
        "removed and by whom, and the exact grant that fixes each item. Tick an item when done."
    )
    checklist = data.load("permission_checklist", **view.params())
    if checklist.empty:
        st.success("No permission gaps found: the sync user has the access the sync needs.")
    else:
        left, right = st.columns(2)
        left.metric("Permission gaps", number(len(checklist)))
        right.metric(
            f"Failing records ({_range_words(view)})", number(int(checklist["records"].sum()))
        )
        events = data.load("access_change_events", instance=view.instance)
        _checklist(checklist, permission_fix.removals(checklist, events), view)
        download(checklist, "permission-gaps", key="dl-permission-gaps")
        _fix_package(checklist, view)

    render_auth_posture(view)

    st.subheader("Sync user access (latest snapshot)")
    access = data.load("permissions_latest", instance=view.instance, now=view.now)
    if access.empty:
        st.caption("No permission snapshot yet: import one (Sources page) or connect Salesforce.")
    else:
        access = access.assign(field=access["field"].replace("", "(object)"))
        show_table(access, "sync-user-access")

    st.subheader("Access changes (drift)")
    drift = data.load("permission_changes", **view.params())
    if drift.empty:
        st.caption(f"No change of the sync user's access in {_range_words(view)}.")
    else:
        st.caption("Compared with the previous permission snapshot; empty = no longer listed.")
        show_table(drift, "sync-user-access-changes")


run_page(render)
