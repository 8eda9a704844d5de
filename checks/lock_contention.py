"""Lock contention: bursts of UNABLE_TO_LOCK_ROW / ENTITY_IS_LOCKED sync errors, the sign of a
bulk job updating the same records (or their parent accounts) while the sync writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import SALESFORCE_ADMIN, Finding, Input, Setting
from checks.sync_errors import FAILED_RECORDS_EVIDENCE

ID = "lock_contention"
TITLE = "Bulk jobs collide with the sync (record lock errors)"
SEVERITY = "warning"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: Salesforce locks a record, and its parent account, while it is being updated.
When a bulk job (Data Loader, an integration, a batch Apex or flow run) updates many records
at the hour the sync writes them, the sync's updates fail with UNABLE_TO_LOCK_ROW or
ENTITY_IS_LOCKED. The sync retries lock errors, so a few are harmless; a flood of them delays
the sync by hours and leaves Salesforce and Marketo apart meanwhile.

How to fix (Salesforce admin): find the job running at the worst hour (Setup > Bulk Data Load
Jobs, Apex Jobs, Scheduled Jobs, or the integration's own schedule). If the evidence says the
bursts recur at the same UTC hour every day, it is a scheduled job: move it off the sync's
busy hours. Otherwise make the job smaller, or run it in serial mode (Bulk API serial
concurrency) and sort its rows by parent account id, so it holds fewer locks at once. No
retry is needed in Marketo: the sync retries the records itself once the locks clear.
"""
SETTINGS = [
    Setting("lookback_hours", 24, "Lock errors younger than this many hours are considered."),
    Setting(
        "burst_min_errors",
        10,
        "Lock errors on one object within one UTC hour that make a burst (and a finding).",
    ),
    Setting(
        "training_days",
        7,
        "Days (whole UTC days, today included) searched for bursts recurring at the same UTC "
        "hour of the day.",
    ),
    Setting(
        "recurring_min_days",
        3,
        "Distinct days with a burst at the same UTC hour that mark it as a scheduled job.",
    ),
]
# Judged as of the newest sync_errors data (checks/base.py, "Judging time").
ANCHOR = "sync_errors"
INPUTS = {
    "hourly": Input("lock_contention_by_hour", "lookback_hours", anchor="sync_errors"),
    "history": Input("lock_contention_history", "training_days", anchor="sync_errors"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "total_errors": "lock errors in the lookback",
    "codes": "error codes seen",
    "burst_hours": "hours with a burst",
    "worst_hour_utc": "the hour with the most errors",
    "worst_hour_errors": "errors in that hour",
    "worst_hour_records": "records in that hour",
    "worst_hour_recurs": "whether that hour bursts on several days",
    "recurring": "whether bursts recur at the same hour",
    "recurring_hours_utc": "hours of the day that burst again and again",
    "burst_days_by_hour_utc": "per hour of the day, days with a burst",
    "training_days": "days of history looked at",
    **FAILED_RECORDS_EVIDENCE,
}


def _hour_label(hour_of_day: int) -> str:
    return f"{int(hour_of_day):02d}:00"


def _burst_days_by_hour(history: pd.DataFrame, burst_min_errors: int) -> dict[str, int]:
    """Hour of the day (UTC) -> distinct days with a burst at that hour, most days first."""
    bursts = history[history["errors"] >= burst_min_errors]
    days = bursts.groupby("hour_of_day_utc")["day_utc"].nunique()
    ordered = days.sort_values(ascending=False, kind="stable")
    return {_hour_label(hour): int(count) for hour, count in ordered.items()}


def _recurrence_text(recurring: list[str], burst_days: dict[str, int], settings: dict) -> str:
    days = settings["training_days"]
    if not recurring:
        return (
            f"No hour of the day had bursts on {settings['recurring_min_days']} or more of the "
            f"last {days} days: likely a one-off bulk job, not a scheduled one."
        )
    hours = ", ".join(
        f"{hour} UTC ({burst_days[hour]} of the last {days} days)" for hour in recurring
    )
    return f"Bursts recur at {hours}: likely a scheduled job running at that hour."


def _judge_object(
    object_name: str, hours: pd.DataFrame, history: pd.DataFrame, settings: dict
) -> Finding | None:
    bursts = hours[hours["errors"] >= settings["burst_min_errors"]]
    if not len(bursts):
        return None
    # The earliest of equally bad hours, so reruns name the same one.
    worst = hours.sort_values(["errors", "hour_start"], ascending=[False, True]).iloc[0]
    totals = hours.iloc[0]
    burst_days = _burst_days_by_hour(
        history[history["object"] == object_name], settings["burst_min_errors"]
    )
    recurring = [h for h, n in burst_days.items() if n >= settings["recurring_min_days"]]
    worst_hour = pd.Timestamp(worst["hour_start"])
    worst_hour_recurs = _hour_label(worst_hour.hour) in recurring
    subject = object_name or "(unknown object)"
    return Finding(
        check=ID,
        subject=subject,
        severity=SEVERITY,
        title=(
            f"{subject}: {int(worst['errors']):,} record lock errors in one hour "
            f"({worst_hour:%H}:00 UTC)" + (", as on other days" if worst_hour_recurs else "")
        ),
        detail=(
            f"{int(totals['total_errors']):,} record lock errors ({totals['codes']}) on "
            f"{int(totals['total_records']):,} {subject} records in the last "
            f"{settings['lookback_hours']} h; the worst hour, {worst_hour:%Y-%m-%d %H}:00 UTC, had "
            f"{int(worst['errors']):,}. {_recurrence_text(recurring, burst_days, settings)} "
            "Move the bulk job off the sync's busy hours, or make it smaller or serial."
        ),
        owner=OWNER,
        evidence={
            "object": object_name,
            "worst_hour_utc": str(worst_hour),
            "worst_hour_errors": int(worst["errors"]),
            "worst_hour_records": int(worst["records"]),
            "burst_hours": len(bursts),
            "total_errors": int(totals["total_errors"]),
            "records": int(totals["total_records"]),
            "codes": totals["codes"],
            "first_seen": str(totals["first_seen"]),
            "last_seen": str(totals["last_seen"]),
            "sample_record_ids": [str(i) for i in totals["sample_ids"]],
            "recurring": bool(recurring),
            "worst_hour_recurs": worst_hour_recurs,
            "recurring_hours_utc": recurring,
            "burst_days_by_hour_utc": burst_days,
            "training_days": settings["training_days"],
        },
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per object whose lock errors reached burst_min_errors in some hour."""
    hourly = data["hourly"]
    history = data["history"]
    results: list[Finding] = []
    for object_name, hours in hourly.groupby("object", sort=True):
        finding = _judge_object(str(object_name), hours, history, settings)
        if finding is not None:
            results.append(finding)
    return results
