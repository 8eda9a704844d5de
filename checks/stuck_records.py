"""Stuck records: the same record failing to sync cycle after cycle. Retrying will not help;
the repeating error names what has to change on the record or in the rule rejecting it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, Finding, Input, Setting
from checks.sync_errors import LOOKBACK_HOURS

ID = "stuck_records"
TITLE = "Records failing to sync again and again"
SEVERITY = "warning"
OWNER = MARKETO_ADMIN
RUNBOOK = """
Why it matters: Marketo retries a failed record each time it is updated, and every retry
fails the same way until something changes. A stuck lead never reaches sales (or never gets
its Salesforce owner, status or campaign back in Marketo), and its errors bury new, real
ones in the Sync Errors list.

How to fix (Marketo admin, with the Salesforce admin when the rule is theirs): read the
repeating error of the top records in the evidence: it names what to change. A validation
rule or required field (FIELD_CUSTOM_VALIDATION_EXCEPTION, REQUIRED_FIELD_MISSING): fill in
the value in Marketo, or ask the Salesforce admin to exempt the sync user from the rule. A
bad value (STRING_TOO_LONG, INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, FIELD_INTEGRITY_EXCEPTION,
INVALID_EMAIL_ADDRESS): correct the value in Marketo, or normalise it with a smart campaign.
A converted or deleted Salesforce record: merge or remove the Marketo duplicate. Fix the
record or the rule, then let the next update of the record retry it (or touch a field to
trigger one).
"""
SETTINGS = [
    LOOKBACK_HOURS,
    Setting(
        "min_failed_cycles",
        3,
        "Distinct sync cycles (minutes with an error) a record must fail in to count as stuck.",
    ),
    Setting(
        "critical_records",
        50,
        "Stuck records on one object that make the finding critical.",
    ),
    Setting("top_records", 10, "Stuck records listed in a finding's evidence, worst first."),
]
# Judged as of the newest sync_errors data (checks/base.py, "Judging time").
ANCHOR = "sync_errors"
INPUTS = {"failures": Input("stuck_records_failures", "lookback_hours", anchor="sync_errors")}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "stuck_records": "records failing in several cycles",
    "failures": "their failures in the lookback",
    "last_error_codes": "records per last error code",
    "top_records": "the worst records with their ids, failures, cycles and last error",
    "lookback_hours": "hours judged",
    "min_failed_cycles": "cycles a record must fail in",
}


def _record_evidence(row: Any) -> dict[str, Any]:
    return {
        "record_id": row.record_id,
        "sfdc_id": None if pd.isna(row.sfdc_id) else row.sfdc_id,
        "marketo_id": None if pd.isna(row.marketo_id) else row.marketo_id,
        "failures": int(row.failures),
        "failed_cycles": int(row.cycles),
        "last_error_code": row.last_error_code,
        "last_error_message": row.last_error_message,
        "first_failure": str(row.first_failure),
        "last_failure": str(row.last_failure),
    }


def _judge_object(object_name: str, stuck: pd.DataFrame, settings: dict) -> Finding:
    subject = object_name or "(unknown object)"
    # Worst first; the id settles ties so the evidence is the same on every run.
    stuck = stuck.sort_values(
        ["cycles", "failures", "last_failure", "record_id"],
        ascending=[False, False, False, True],
    )
    count = len(stuck)
    codes = stuck["last_error_code"].fillna("(no code)").value_counts(sort=False)
    codes = codes.sort_index().sort_values(ascending=False, kind="stable")
    top_code = codes.index[0]
    example = stuck[stuck["last_error_code"].fillna("(no code)") == top_code].iloc[0]
    example_message = example["last_error_message"] or "(no message)"
    severity = "critical" if count >= settings["critical_records"] else SEVERITY
    return Finding(
        check=ID,
        subject=subject,
        severity=severity,
        title=f"{count:,} {subject} records keep failing to sync",
        detail=(
            f"{count:,} {subject} records failed in {settings['min_failed_cycles']} or more sync "
            f"cycles in the last {settings['lookback_hours']} h. The most common repeating error "
            f"is {top_code} ({int(codes.iloc[0]):,} records), e.g. on {example['record_id']}: "
            f'"{example_message}". Fix the record or the rule it names; the next '
            "update of the record retries it."
        ),
        owner=OWNER,
        evidence={
            "object": object_name,
            "stuck_records": count,
            "failures": int(stuck["failures"].sum()),
            "last_error_codes": {str(code): int(n) for code, n in codes.items()},
            "top_records": [
                _record_evidence(row)
                for row in stuck.head(settings["top_records"]).itertuples(index=False)
            ],
            "lookback_hours": settings["lookback_hours"],
            "min_failed_cycles": settings["min_failed_cycles"],
        },
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per object with records that failed in min_failed_cycles or more cycles."""
    failures = data["failures"]
    stuck = failures[failures["cycles"] >= settings["min_failed_cycles"]]
    return [
        _judge_object(str(object_name), records, settings)
        for object_name, records in stuck.groupby("object", sort=True)
    ]
