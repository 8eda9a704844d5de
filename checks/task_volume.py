"""Task volume: Marketo writing many Salesforce Tasks (email sends, interesting moments logged as
activities), measured as the sync user's Task writes in Salesforce and as SFDC Activity tasks in
Marketo's activity log, whose subjects name the campaigns that create them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting
from checks.inputs import MARKETO_ACTIVITY_TOTALS, SYNC_TOTALS

ID = "task_volume"
TITLE = "Marketo creates too many Salesforce Tasks"
SEVERITY = "warning"
OWNER = MARKETO_ADMIN
RUNBOOK = f"""
Why it matters: every Task Marketo creates in Salesforce (a Create Task flow step, an email
send or an interesting moment logged as an activity) is a record the sync user writes. Tens of
thousands of them spend the sync's API calls, compete with lead and contact updates in the
push queue, fill Salesforce data storage (about 2 KB per Task) and bury the activities sales
acts on under ones nobody reads.

The measure: the sync user's writes on Task as a share of all its writes (Salesforce
collector, Task in salesforce_objects), and Marketo's SFDC Activity activities that are tasks.
Marketo logs SFDC Activity for every Task on a synced person, those sales reps create included,
so the Salesforce figure counts what Marketo wrote; the Marketo subjects tell which campaigns
or moments the tasks come from.

How to fix ({MARKETO_ADMIN}): take the top subjects in the evidence and find the smart
campaigns that create them (Create Task flow steps; email programs logging sends to
Salesforce). Keep only activities a salesperson acts on (a demo request, a pricing page visit
by an open opportunity), turn the others into interesting moments shown in Sales Insight, or
log them only for people owned by sales. The {SALESFORCE_ADMIN} can archive or delete old
Marketo-created Tasks to win back storage.
"""
SETTINGS = [
    Setting("lookback_days", 7, "Days of Task writes and Marketo activities judged."),
    Setting(
        "min_history_hours",
        24,
        "Hours of collected data (per source) needed before the check judges it.",
    ),
    Setting(
        "max_tasks_per_day",
        2000,
        "Tasks Marketo writes per day (average over the collected days) that make a finding.",
    ),
    Setting(
        "max_task_share",
        0.3,
        "Share (0-1) of the sync's writes to Salesforce that are Tasks, that makes a finding.",
    ),
    Setting(
        "min_sync_writes",
        1000,
        "Sync writes in the window needed before the Task share is judged (fewer: per day only).",
    ),
    Setting("top_subjects", 5, "Task subjects listed in the evidence, most frequent first."),
]
# Judged as of the newest sync_stats data (checks/base.py, "Judging time").
ANCHOR = "sync_stats"
INPUTS = {
    "sync": SYNC_TOTALS,
    "activities": MARKETO_ACTIVITY_TOTALS,
    "subjects": Input("sfdc_tasks_by_subject", "lookback_days", anchor="marketo_activities"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "salesforce": "the sync user's Task writes: per day, share of its writes (or why unknown)",
    "marketo": "Marketo's SFDC Activity tasks and their top subjects (or why unknown)",
    "exceeded": "which thresholds were passed",
    "max_tasks_per_day": "the Task threshold",
    "max_task_share": "the share threshold",
    "lookback_days": "days judged",
}
SUBJECT = "Task"
# Marketo activities that are writes to Salesforce: the denominator of the Marketo-side share.
MARKETO_WRITES = (
    "Sync Lead to SFDC",
    "Sync Lead Updates to SFDC",
    "SFDC Activity",
    "Convert Lead",
    "Add to SFDC Campaign",
    "Remove from SFDC Campaign",
    "Change Status in SFDC Campaign",
)


def _hours(first: Any, now: datetime, settings: dict[str, Any]) -> float:
    since = (pd.Timestamp(now) - pd.Timestamp(first)).total_seconds() / 3600
    return min(since, settings["lookback_days"] * 24)


def _pace(tasks: float, writes: float, hours: float) -> dict[str, float | None]:
    """Tasks per day over the hours judged, and their share of the writes (None without any)."""
    return {
        "tasks_per_day": round(tasks / (hours / 24), 1),
        "share": round(tasks / writes, 4) if writes else None,
        "hours": round(hours, 1),
    }


def _salesforce(sync: pd.DataFrame, now: datetime, settings: dict) -> dict | str:
    """The sync user's Task writes, or why they cannot be judged."""
    writes = sync[(sync["direction"] == "marketo_to_sfdc") & (sync["metric"] == "throughput")]
    tasks = writes[writes["object"] == SUBJECT]
    if tasks.empty:
        return "no Salesforce Task writes collected (add Task to salesforce_objects)"
    # A sample counts the writes of the interval that ends at its time: coverage starts one
    # interval before the first sample.
    first = tasks.iloc[0]
    interval = (first["last_ts"] - first["first_ts"]) / max(int(first["samples"]) - 1, 1)
    hours = _hours(first["first_ts"] - interval, now, settings)
    if hours < settings["min_history_hours"]:
        return f"only {hours:.0f} h of Salesforce Task writes collected"
    task_writes = float(tasks["records"].sum())
    all_writes = float(writes["records"].sum())
    return {
        "task_writes": task_writes,
        "all_writes": all_writes,
        **_pace(task_writes, all_writes, hours),
    }


def _marketo(
    activities: pd.DataFrame, subjects: pd.DataFrame, now: datetime, settings: dict
) -> dict | str:
    """SFDC Activity tasks in Marketo's log, with their subjects, or why they cannot be judged."""
    if activities.empty:
        return "no Marketo activity data collected yet"
    hours = _hours(activities["first_bucket"].min(), now, settings)
    if hours < settings["min_history_hours"]:
        return f"only {hours:.0f} h of Marketo activity collected"
    tasks = int(subjects["tasks"].sum())
    writes = float(activities[activities["activity_type"].isin(MARKETO_WRITES)]["activities"].sum())
    top = subjects.head(settings["top_subjects"])
    return {
        "tasks": tasks,
        "sync_activities": writes,
        **_pace(tasks, writes, hours),
        "top_subjects": [
            {
                "subject": r.subject,
                "tasks": int(r.tasks),
                "leads": int(r.leads),
                "share": round(r.tasks / tasks, 4),
                "sample_lead_ids": [str(lead) for lead in r.sample_leads],
            }
            for r in top.itertuples(index=False)
        ],
    }


def _exceeds(measure: dict, denominator: str, settings: dict[str, Any]) -> list[str]:
    """Which thresholds one source's figures reach."""
    reasons = []
    if measure["tasks_per_day"] >= settings["max_tasks_per_day"]:
        reasons.append("max_tasks_per_day")
    if (
        measure["share"] is not None
        and measure[denominator] >= settings["min_sync_writes"]
        and measure["share"] >= settings["max_task_share"]
    ):
        reasons.append("max_task_share")
    return reasons


def _percent(share: float) -> str:
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def _detail(salesforce: dict | str, marketo: dict | str) -> str:
    parts = []
    if isinstance(salesforce, dict):
        share = f" ({salesforce['share']:.0%} of its" if salesforce["share"] is not None else " (of"
        parts.append(
            f"In Salesforce the sync user wrote {salesforce['task_writes']:,.0f} Tasks in the last "
            f"{salesforce['hours'] / 24:.1f} days, {salesforce['tasks_per_day']:,.0f} a day"
            f"{share} {salesforce['all_writes']:,.0f} writes)."
        )
    if isinstance(marketo, dict):
        share = (
            f", {marketo['share']:.0%} of its Salesforce sync activity"
            if marketo["share"] is not None
            else ""
        )
        parts.append(
            f"Marketo's activity log shows {marketo['tasks']:,} SFDC Activity tasks, "
            f"{marketo['tasks_per_day']:,.0f} a day{share}."
        )
        if marketo["top_subjects"]:
            subjects = "; ".join(
                f"{s['subject']!r} ({_percent(s['share'])})" for s in marketo["top_subjects"]
            )
            parts.append(f"Most come from: {subjects}.")
    else:
        parts.append(f"Which campaigns create them is unknown: {marketo}.")
    parts.append(
        "Keep only the activities sales acts on; show the rest as interesting moments instead."
    )
    return " ".join(parts)


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding on Task when Marketo's Task writes exceed the per-day or share threshold."""
    salesforce = _salesforce(data["sync"], now, settings)
    marketo = _marketo(data["activities"], data["subjects"], now, settings)
    if isinstance(salesforce, str) and isinstance(marketo, str):
        return [NotEvaluated(ID, SUBJECT, f"{marketo}; {salesforce}")]
    reasons = {
        "salesforce": _exceeds(salesforce, "all_writes", settings)
        if isinstance(salesforce, dict)
        else [],
        "marketo": _exceeds(marketo, "sync_activities", settings)
        if isinstance(marketo, dict)
        else [],
    }
    if not reasons["salesforce"] and not reasons["marketo"]:
        return []
    # The Salesforce figure counts what the sync user wrote: it leads the title when known.
    lead = salesforce if isinstance(salesforce, dict) else marketo
    where = "of the sync user's writes" if lead is salesforce else "of its Salesforce sync activity"
    share = f" ({lead['share']:.0%} {where})" if lead["share"] is not None else ""
    return [
        Finding(
            check=ID,
            subject=SUBJECT,
            severity=SEVERITY,
            title=(
                f"Task: Marketo creates {lead['tasks_per_day']:,.0f} Salesforce Tasks a day{share}"
            ),
            detail=_detail(salesforce, marketo),
            owner=OWNER,
            evidence={
                "salesforce": salesforce,
                "marketo": marketo,
                "exceeded": reasons,
                "max_tasks_per_day": settings["max_tasks_per_day"],
                "max_task_share": settings["max_task_share"],
                "lookback_days": settings["lookback_days"],
            },
        )
    ]
