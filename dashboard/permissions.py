"""Permissions, for Salesforce admins: what the sync user cannot read or edit, and the grant."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, download


def _rows(findings: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for finding in findings.itertuples(index=False):
        evidence = json.loads(finding.evidence or "{}")
        snapshot = evidence.get("permission_snapshot") or {}
        if snapshot:
            missing = "read" if not snapshot.get("readable") else "edit"
        else:
            missing = "edit" if evidence.get("field") else "object access"
        rows.append(
            {
                "severity": finding.severity,
                "object": evidence.get("object", ""),
                "field": evidence.get("field", "") or "(object)",
                "access missing": missing,
                "failing records": evidence.get("records", 0),
                "errors": evidence.get("errors", 0),
                "last error": evidence.get("last_seen", ""),
                "grant to make": evidence.get("grant", ""),
                "sample record ids": ", ".join(evidence.get("sample_record_ids", [])),
            }
        )
    return pd.DataFrame(rows)


def render(view: View) -> None:
    st.title("Sync user permissions")
    demo_banner(view)
    st.caption(
        "For Salesforce admins: each row is access the Marketo sync user needs and lacks, "
        "with the exact grant that fixes it."
    )
    findings = data.load("findings_all", instance=view.instance, status="open")
    findings = findings[findings["check_id"] == "permission_failures"]
    if findings.empty:
        st.success("No permission gaps found: the sync user has the access the sync needs.")
    else:
        table = _rows(findings)
        st.metric("Permission gaps", len(table))
        st.dataframe(table, hide_index=True)
        download(table, "permission-gaps", key="dl-permission-gaps")

    st.subheader("Sync user access (latest snapshot)")
    access = data.load("permissions_latest", instance=view.instance, now=view.now)
    if access.empty:
        st.caption("No permission snapshot yet: import one (Sources page) or connect Salesforce.")
    else:
        access = access.assign(field=access["field"].replace("", "(object)"))
        st.dataframe(access, hide_index=True)
        download(access, "sync-user-access", key="dl-sync-user-access")
