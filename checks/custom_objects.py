"""Idle custom objects in the sync: a custom object Marketo syncs, whose records almost nobody
changes, costs a step in every sync cycle and API calls for nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, Finding, NotEvaluated, Setting
from checks.inputs import DESCRIBED_OBJECTS, INFLOW_TOTALS

ID = "custom_objects"
TITLE = "Synced custom objects with almost no activity"
SEVERITY = "info"
OWNER = MARKETO_ADMIN
RUNBOOK = """
Why it matters: Marketo syncs one object at a time, and every synced custom object adds a
step to every cycle: a query for changed records, paging, and API calls taken from the same
daily budget as the sync of leads and contacts. A custom object whose records almost nobody
changes gives Marketo nothing new, yet it still lengthens each cycle and keeps its fields in
smart list filters. It is usually left over from a retired project or a trial.

How the figures are taken: the custom objects (API names ending in __c) the monitor describes
or collects (add them to salesforce_objects to have them judged), and the records changed by
others and written by the sync user in the last lookback_days days, from the collected inflow.

How to fix (Marketo admin): check that no smart list, trigger or score uses the object (Marketo
Custom Objects > the object > Used By), then take it out of the sync (Admin > Salesforce >
Salesforce Objects Sync: disable the object; or have the Salesforce admin remove the sync
user's Read access to it). If it should come back later, re-enable it: Marketo pulls its
records again.
"""
SETTINGS = [
    Setting("lookback_days", 28, "Days of collected inflow judged (four whole weeks)."),
    Setting(
        "max_changed_records",
        10,
        "At most this many records changed (by anyone, the sync included) in lookback_days "
        "days makes a custom object idle.",
    ),
    Setting("ignore_objects", [], "Custom objects kept in the sync on purpose; never flagged."),
]
# Judged as of the newest sync_stats data (checks/base.py, "Judging time").
ANCHOR = "sync_stats"
INPUTS = {
    "inflow": INFLOW_TOTALS,
    "described": DESCRIBED_OBJECTS,
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the synced custom object",
    "records": "records of the object (latest describe count)",
    "changed_by_others": "records changed by others in the lookback",
    "written_by_sync": "records the sync user wrote in the lookback",
    "inflow_since": "start of the collected inflow (UTC)",
    "last_sample": "latest inflow sample (UTC)",
    "lookback_days": "days judged",
}


def _custom_objects(data: dict[str, pd.DataFrame]) -> list[str]:
    names = set(data["inflow"]["object"]) | set(data["described"]["object"])
    return sorted(name for name in names if str(name).endswith("__c"))


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per synced custom object with (almost) no changed records."""
    inflow = data["inflow"].set_index("object")
    described = data["described"].set_index("object")
    start = pd.Timestamp(now) - timedelta(days=settings["lookback_days"])
    results: list[Finding | NotEvaluated] = []
    for name in _custom_objects(data):
        if name in settings["ignore_objects"]:
            continue
        if name not in inflow.index or pd.isna(inflow.at[name, "first_sample"]):
            results.append(NotEvaluated(ID, name, "no inflow collected for this object yet"))
            continue
        first, last = inflow.at[name, "first_sample"], inflow.at[name, "last_sample"]
        if first > start:
            days = (pd.Timestamp(now) - first).total_seconds() / 86400
            results.append(
                NotEvaluated(
                    ID,
                    name,
                    f"only {days:.1f} days of inflow collected; {settings['lookback_days']} needed",
                )
            )
            continue
        if last <= start:
            results.append(
                NotEvaluated(ID, name, f"no inflow collected in {settings['lookback_days']} days")
            )
            continue
        others = float(inflow.at[name, "changed_by_others"])
        pushed = float(inflow.at[name, "written_by_sync"])
        changed = others + pushed
        if changed > settings["max_changed_records"]:
            continue
        records = described.at[name, "records"] if name in described.index else None
        size = "" if records is None or pd.isna(records) else f" of its {int(records):,} records"
        results.append(
            Finding(
                check=ID,
                subject=name,
                severity=SEVERITY,
                title=f"Custom object {name}: {changed:,.0f} records changed in "
                f"{settings['lookback_days']} days",
                detail=(
                    f"Only {changed:,.0f}{size} changed in the last {settings['lookback_days']} "
                    f"days ({others:,.0f} by Salesforce users, {pushed:,.0f} by the sync), yet "
                    "Marketo syncs it every cycle. Consider removing it from the sync."
                ),
                owner=OWNER,
                evidence={
                    "object": name,
                    "lookback_days": settings["lookback_days"],
                    "changed_by_others": others,
                    "written_by_sync": pushed,
                    "records": None if not size else int(records),
                    "inflow_since": str(first),
                    "last_sample": str(last),
                },
            )
        )
    return results
