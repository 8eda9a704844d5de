"""Formula fields in the sync: they look synced but go stale, because a formula's value can
change without SystemModstamp moving, so the sync never picks the change up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import SALESFORCE_ADMIN, Finding, NotEvaluated, Setting
from checks.inputs import FIELD_INVENTORY

ID = "formula_fields"
TITLE = "Formula fields visible to the sync user"
SEVERITY = "warning"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: Marketo pulls a record when its SystemModstamp changes. A formula
(calculated) field is computed on read, so when its inputs live on another record (the owner,
the account) or depend on TODAY(), its value changes without SystemModstamp moving. Marketo
keeps the value from the last time something else on the record changed: silently stale
data in smart lists, scoring and reports.

How to fix (Salesforce admin): if Marketo does not need the field, remove it from the sync
user's field-level security (Setup > Object Manager > Object > Fields > field > Set
Field-Level Security: untick Visible for the sync user's profile / permission set). If Marketo
needs it, replace it with a regular field stamped by a record-triggered flow, so that every
change is a real update that moves SystemModstamp.
"""
SETTINGS = [
    Setting(
        "objects",
        ["Lead", "Contact", "Account", "Opportunity", "Campaign"],
        "Synced objects whose formula fields are flagged.",
    ),
    Setting(
        "ignore_fields",
        [],
        "Fields (Object.Field) accepted as formula fields on purpose; never flagged.",
    ),
]
INPUTS = {"fields": FIELD_INVENTORY}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "field": "the formula field's API name",
    "label": "its label",
    "type": "its type",
    "formula": "its formula",
    "described_at": "time of the describe (UTC)",
}


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per calculated field the sync user can see on a synced object."""
    fields = data["fields"]
    objects = list(settings["objects"])
    results: list[Finding | NotEvaluated] = []
    described = set(fields["object"]) if len(fields) else set()
    for object_name in objects:
        if object_name not in described:
            results.append(
                NotEvaluated(ID, object_name, "no describe of this object has been collected yet")
            )
    if not len(fields):
        return results
    ignored = set(settings["ignore_fields"])
    formulas = fields[fields["object"].isin(objects) & fields["calculated"].astype(bool)]
    for row in formulas.sort_values(["object", "field"]).itertuples(index=False):
        subject = f"{row.object}.{row.field}"
        if subject in ignored:
            continue
        formula = row.calculated_formula if isinstance(row.calculated_formula, str) else ""
        results.append(
            Finding(
                check=ID,
                subject=subject,
                severity=SEVERITY,
                title=f"Formula field {subject} is in the sync and can go stale in Marketo",
                detail=(
                    f"The sync user can see {subject} ({row.type}), a formula field. Changes to "
                    "its value do not move SystemModstamp, so Marketo only refreshes it when "
                    "something else on the record changes. Hide it from the sync user, or "
                    "replace it with a field stamped by a flow."
                ),
                owner=OWNER,
                evidence={
                    "object": row.object,
                    "field": row.field,
                    "label": row.label,
                    "type": row.type,
                    "formula": formula,
                    "described_at": str(row.captured_at),
                },
            )
        )
    return results
