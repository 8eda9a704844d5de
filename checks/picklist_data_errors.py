"""Picklist data errors: values Marketo sends that a restricted picklist (or the state and
country picklists) in Salesforce refuses, clustered by field and bad value."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, Finding, Input, Setting
from checks.sync_errors import FAILED_RECORDS_EVIDENCE, LOOKBACK_HOURS

ID = "picklist_data_errors"
TITLE = "Salesforce refuses picklist values Marketo sends"
SEVERITY = "warning"
OWNER = MARKETO_ADMIN
RUNBOOK = """
Why it matters: a restricted picklist in Salesforce (and the state and country picklists)
accepts only its own values. When Marketo holds "California" and Salesforce expects "CA", or
a form collects free text for a picklist field, every update of those people fails with
INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST or FIELD_INTEGRITY_EXCEPTION. The whole record stays
out of date in Salesforce, not just the one field, and Marketo retries it again and again.

How to fix (Marketo admin): look at the bad values in the evidence. Standardise them in
Marketo before they sync: a smart campaign triggered on Data Value Changes (and a batch run
once for the people already affected) with the flow step Change Data Value, e.g. State
"California" -> "CA"; fix the form or list import that brings them in (a picklist field on the
form instead of free text). If the value is right and Salesforce lacks it, ask the Salesforce
admin to add it to the picklist (Setup > Object Manager > <Object> > Fields & Relationships >
<Field> > Values, or Setup > State and Country/Territory Picklists). Then retry the failed
records (Admin > Salesforce > Sync Errors) or wait for their next update.
"""
SETTINGS = [
    LOOKBACK_HOURS,
    Setting(
        "min_errors",
        5,
        "Errors with one bad value on one object/field needed before the field becomes a finding.",
    ),
]
# Judged as of the newest sync_errors data (checks/base.py, "Judging time").
ANCHOR = "sync_errors"
INPUTS = {
    "errors": Input("picklist_data_errors_by_value", "lookback_hours", anchor="sync_errors"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "field": "the picklist field",
    "field_label": "its label",
    "errors": "errors in the lookback",
    "codes": "error codes seen",
    "distinct_bad_values": "how many different bad values",
    "bad_values": "the bad values with their counts, most frequent first",
    "sample_message": "one error message as Salesforce wrote it",
    **FAILED_RECORDS_EVIDENCE,
}
# Bad values listed in a finding's evidence, most frequent first.
TOP_VALUES = 10
SAMPLE_IDS = 5


def _subject(object_name: str, field: str) -> str:
    object_name = object_name or "(unknown object)"
    return f"{object_name}.{field}" if field else object_name


def _value(value: str) -> str | None:
    """The bad value as the message names it; None when it names none."""
    return value if value else None


def _quoted(value: str | None) -> str:
    return f'"{value}"' if value is not None else "(value not named)"


def _sample_ids(rows: pd.DataFrame) -> list[str]:
    """Sample record ids of the field, those of its most frequent bad values first."""
    ids: list[str] = []
    for samples in rows["sample_ids"]:
        for record in [] if samples is None else list(samples):
            if str(record) not in ids:
                ids.append(str(record))
    return ids[:SAMPLE_IDS]


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per Object.Field with a bad value that failed at least min_errors times."""
    errors = data["errors"]
    findings: list[Finding] = []
    for (object_name, field), rows in errors.groupby(["object", "field"], sort=True):
        if rows["errors"].max() < settings["min_errors"]:
            continue
        rows = rows.sort_values(["errors", "bad_value"], ascending=[False, True])
        subject = _subject(object_name, field)
        values = [
            {"value": _value(r.bad_value), "errors": int(r.errors), "records": int(r.records)}
            for r in rows.head(TOP_VALUES).itertuples(index=False)
        ]
        total = int(rows["errors"].sum())
        records = int(rows["field_records"].iloc[0])
        top = ", ".join(f"{_quoted(v['value'])} ({v['errors']})" for v in values[:3])
        labels = [label for label in rows["field_label"] if label]
        findings.append(
            Finding(
                check=ID,
                subject=subject,
                severity=SEVERITY,
                title=f"Salesforce refuses values of {subject}: {top}",
                detail=(
                    f"{total} sync errors on {records} records in the last "
                    f"{settings['lookback_hours']} h: Salesforce refuses values Marketo sends "
                    f"to {subject} (restricted or state/country picklist). Most frequent: "
                    f"{top}. Standardise them in Marketo with a smart campaign (Change Data "
                    "Value) before they sync, or have the Salesforce admin add them to the "
                    "picklist."
                ),
                owner=OWNER,
                evidence={
                    "object": object_name,
                    "field": field,
                    "field_label": labels[0] if labels else None,
                    "bad_values": values,
                    "distinct_bad_values": len(rows),
                    "errors": total,
                    "records": records,
                    "codes": ", ".join(sorted({c for cs in rows["codes"] for c in cs.split(", ")})),
                    "first_seen": str(rows["first_seen"].min()),
                    "last_seen": str(rows["last_seen"].max()),
                    "sample_record_ids": _sample_ids(rows),
                    "sample_message": rows["sample_message"].iloc[0],
                },
            )
        )
    return findings
