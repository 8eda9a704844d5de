"""Validation rule failures: Salesforce validation rules, required fields, flows and triggers
that reject the sync's updates, grouped by object and the rule's message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import SALESFORCE_ADMIN, Finding, Input, Setting
from checks.sync_errors import FAILED_RECORDS_EVIDENCE, LOOKBACK_HOURS

ID = "validation_rule_failures"
TITLE = "Salesforce rules reject sync updates"
SEVERITY = "warning"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: validation rules, required fields, flows and Apex triggers are written for
people editing records in Salesforce. The sync user meets them too: an update from Marketo
that does not satisfy a rule (FIELD_CUSTOM_VALIDATION_EXCEPTION, REQUIRED_FIELD_MISSING) or
trips a failing flow or trigger (CANNOT_EXECUTE_FLOW_TRIGGER,
CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY) is refused as a whole, so none of that record's changes
reach Salesforce, and Marketo keeps retrying it.

How to fix (Salesforce admin, with the Marketo admin): read the rule message in the finding.
If the rule is not meant for the integration, let the sync user bypass it: a custom
permission (or a "Bypass validation" checkbox on a permission set) assigned to the sync user
and checked in the rule's formula or the flow's entry conditions
(Setup > Object Manager > <Object> > Validation Rules, or Setup > Flows). If a flow or trigger
fails, fix its fault (the message names it) or add a fault path. If the rule is right and the
data is incomplete, the Marketo admin supplies the required value before the record syncs
(a default on the form, or a smart campaign with Change Data Value). Then retry the failed
records (Admin > Salesforce > Sync Errors) or wait for their next update.
"""
SETTINGS = [
    LOOKBACK_HOURS,
    Setting(
        "min_errors",
        5,
        "Errors with one rule message on one object needed before it becomes a finding.",
    ),
    Setting(
        "critical_records",
        100,
        "Distinct records one rule rejects that make the finding critical.",
    ),
]
# Judged as of the newest sync_errors data (checks/base.py, "Judging time").
ANCHOR = "sync_errors"
INPUTS = {
    "errors": Input("validation_rule_failures_by_rule", "lookback_hours", anchor="sync_errors"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "rule_message": "the rule's message (what the subject names)",
    "code": "the error code",
    "errors": "errors in the lookback",
    "fields": "fields the rule names",
    "sample_message": "one error message as Salesforce wrote it",
    **FAILED_RECORDS_EVIDENCE,
}


def _as_list(values: Any) -> list:
    return [] if values is None else list(values)


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per object and rule message that failed at least min_errors times."""
    findings: list[Finding] = []
    for row in data["errors"].itertuples(index=False):
        if row.errors < settings["min_errors"]:
            continue
        object_name = row.object or "(unknown object)"
        # rule_key is the rule cut to 120 characters by the query, so subjects stay short.
        subject = f"{object_name}: {row.rule_key}"
        severity = "critical" if row.records >= settings["critical_records"] else SEVERITY
        fields = [str(f) for f in _as_list(row.fields)]
        findings.append(
            Finding(
                check=ID,
                subject=subject,
                severity=severity,
                title=f"Salesforce rejects {object_name} updates: {row.rule_key}",
                detail=(
                    f"{row.errors} sync errors ({row.codes}) on {row.records} {object_name} "
                    f"records in the last {settings['lookback_hours']} h: {row.rule}. Relax "
                    "or fix the rule, flow or trigger for the sync user (e.g. a bypass for "
                    "the integration user), or have the Marketo admin supply the value it "
                    "requires."
                ),
                owner=OWNER,
                evidence={
                    "object": row.object,
                    "code": row.codes,
                    "rule_message": row.rule,
                    "fields": fields,
                    "errors": int(row.errors),
                    "records": int(row.records),
                    "first_seen": str(row.first_seen),
                    "last_seen": str(row.last_seen),
                    "sample_record_ids": [str(i) for i in _as_list(row.sample_ids)],
                    "sample_message": row.sample_message,
                },
            )
        )
    return findings
