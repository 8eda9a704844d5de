"""Sync job failures: a whole sync step stopped (a Job Level row of Marketo's Sync Errors), or
the sync ran out of API budget or lost its login (limits and auth errors at any level)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, SALESFORCE_ADMIN, Finding, Input, Setting, cause_key
from checks.sync_errors import LOOKBACK_HOURS

ID = "sync_job_failures"
TITLE = "A sync job failed"
SEVERITY = "critical"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: a Job Level failure on Marketo's Sync Errors page means a whole sync step
stopped, not one record: nothing of that object moves until the cause is gone, and the
backlog grows for every record at once. The most common causes are Salesforce's daily API
request limit (REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded), full data storage
(STORAGE_LIMIT_EXCEEDED) and a sync user whose login Salesforce refuses (INVALID_SESSION_ID,
INACTIVE_USER, API_DISABLED_FOR_ORG...). Record-level errors of those kinds are the same
problem seen record by record.

How to fix: read the code and message in the finding.
Limits (Salesforce admin): Setup > Company Information shows API Requests, Last 24 Hours and
the storage used. Find who spends the API budget (the api_budget finding, the "API Usage"
report, the heaviest connected apps), move or throttle it, or buy more requests; free or buy
storage. Marketo's own limits (606, 607, 615) are the Marketo admin's: spread the API users'
calls (Admin > Web Services > API call information).
Auth (Salesforce admin): make the sync user active, not frozen, API Enabled, with an
unexpired password or connected-app session, then have the Marketo admin re-authenticate the
connection (Admin > Salesforce). Then check Admin > Salesforce > Sync Status: the step runs
again in the next cycle.
Other job-level failures: the message is Salesforce's; the Marketo admin reads the step on
the Sync Status page and opens a case with Marketo support if it repeats.
"""
SETTINGS = [
    LOOKBACK_HOURS,
    Setting(
        "min_record_errors",
        1,
        "Record-level limits or auth errors with one code needed before they become a finding "
        "(a job-level failure is always one).",
    ),
]
# Judged as of the newest sync_errors data (checks/base.py, "Judging time").
ANCHOR = "sync_errors"
INPUTS = {
    "failures": Input("sync_job_failures", "lookback_hours", anchor="sync_errors"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "failed_on": "job (a whole sync step) or record",
    "code": "the error code",
    "category": "the error's class: limits, auth, or another for a job-level failure",
    "errors": "errors in the lookback",
    "records": "distinct records that failed (0 for job-level failures)",
    "objects": "objects named by the failures",
    "first_seen": "first error (UTC)",
    "last_seen": "last error (UTC)",
    "sample_message": "the latest message as Marketo wrote it",
    "advice": "what to do, for the owner of the finding",
    "cause_key": (
        "job_failure:<code>: a job that stopped and the record errors of the same code are one "
        "incident (one limit or one login problem, one fix)"
    ),
}
ADVICE = {
    "limits": (
        "An API or storage limit stopped the sync: find who spends the budget (the api_budget "
        "finding, Setup > Company Information), move or throttle it, or raise the limit."
    ),
    "auth": (
        "Salesforce refuses the sync user's login: make it active, not frozen, API Enabled, "
        "with a valid password or session, then re-authenticate Marketo (Admin > Salesforce)."
    ),
}
OTHER = (
    "A whole sync step stopped: read the message and the step on Marketo's Sync Status page "
    "(Admin > Salesforce); if it repeats, open a case with Marketo support."
)


def _as_list(values: Any) -> list:
    if values is None or (not hasattr(values, "__iter__") and pd.isna(values)):
        return []
    return [str(v) for v in values]


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per level (job, record) and error code."""
    findings: list[Finding] = []
    for row in data["failures"].itertuples(index=False):
        is_job = row.failed_on == "job"
        if not is_job and row.errors < settings["min_record_errors"]:
            continue
        code = row.code or "UNKNOWN"
        level = "Job level" if is_job else "Record level"
        advice = ADVICE.get(row.category, OTHER)
        owner = row.owner if row.owner in (SALESFORCE_ADMIN, MARKETO_ADMIN) else MARKETO_ADMIN
        if row.category not in ADVICE:
            owner = MARKETO_ADMIN  # the Sync Status page and Marketo support are theirs
        objects = _as_list(row.objects)
        where = f" on {', '.join(objects)}" if objects else ""
        findings.append(
            Finding(
                check=ID,
                subject=f"{level}: {code}",
                severity="critical" if is_job else "warning",
                title=(
                    f"A sync job failed{where}: {code}"
                    if is_job
                    else f"The sync hits {row.category} errors{where}: {code}"
                ),
                detail=(
                    f"{row.errors} {level.lower()} sync errors ({code}) in the last "
                    f"{settings['lookback_hours']} h, last at {row.last_seen}: "
                    f"{row.sample_message}. {advice}"
                ),
                owner=owner,
                evidence={
                    "failed_on": row.failed_on,
                    "code": code,
                    "category": row.category,
                    "errors": int(row.errors),
                    "records": int(row.records),
                    "objects": objects,
                    "first_seen": str(row.first_seen),
                    "last_seen": str(row.last_seen),
                    "sample_message": row.sample_message,
                    "advice": advice,
                    "cause_key": cause_key("job_failure", code),
                },
            )
        )
    return findings
