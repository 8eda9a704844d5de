"""Duplicate leads: several leads share the dedupe field (email by default), so Marketo's lead
matching cannot tell them apart and keeps updating only one of them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting
from checks.inputs import DESCRIBED_OBJECTS
from monitor.vocabulary.hygiene import masked

ID = "duplicate_leads"
TITLE = "Several leads share the dedupe field"
SEVERITY = "warning"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: Marketo identifies a person by email address. When several Salesforce leads
share one, Marketo links the person to one of them, and a form fill, list import or score
change updates only the most recently updated lead: the others go stale, sales works the wrong
record, and each duplicate still costs sync time. Duplicates also split activity history and
campaign membership, which distorts attribution.

How the figures are taken: the Salesforce collector groups unconverted leads by email once a
day (GROUP BY Email HAVING COUNT(Id) > 1, worst first; Salesforce returns at most 2,000 groups,
so larger figures are lower bounds). The finding shows the worst values masked (j***@acme.com):
alerts and reports leave the store, and full addresses are personal data. The full values stay
in the monitor's store (duplicate_values table) for the admins who merge the records.

How to fix (Salesforce admin with the Marketo admin): merge the duplicates in Salesforce (Leads
tab > Merge Leads, or a deduplication tool for volume); Marketo follows the merge on the next
sync. Prevent new ones with Salesforce Duplicate Management (a matching rule on email and an
active duplicate rule that blocks or alerts). The Marketo admin keeps forms and list imports
deduplicating on email and reviews the "Possible Duplicates" list in Marketo.
"""
SETTINGS = [
    Setting(
        "fields",
        ["Lead.Email"],
        "Collected dedupe fields (Object.Field) to report; the collector gathers Lead.Email.",
    ),
    Setting(
        "min_duplicated_values",
        10,
        "Fewer values shared by several records than this are not reported.",
    ),
    Setting("sample_values", 5, "The worst duplicated values shown (masked) in a finding."),
    Setting("max_age_hours", 72, "Duplicate counts older than this many hours are not used."),
]
# Judged as of the newest snapshots data (checks/base.py, "Judging time").
ANCHOR = "snapshots"
INPUTS = {
    "summary": Input("duplicate_summary_latest", anchor="snapshots"),
    "values": Input("duplicate_values_latest", anchor="snapshots"),
    "objects": DESCRIBED_OBJECTS,
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "Lead",
    "field": "the dedupe field (Email)",
    "duplicated_values": "values shared by several records",
    "records": "records sharing them",
    "object_records": "records of the object",
    "is_lower_bound": "true when Salesforce's 2,000-group cap was reached",
    "counted_at": "time of the count (UTC)",
    "worst": "the most shared values, masked, with their counts",
    "values_masked": "always true: no full value leaves the store",
}


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per dedupe field with at least min_duplicated_values duplicated values."""
    summary, values = data["summary"], data["values"]
    records_of = dict(zip(data["objects"]["object"], data["objects"]["records"], strict=True))
    oldest = pd.Timestamp(now) - timedelta(hours=settings["max_age_hours"])
    results: list[Finding | NotEvaluated] = []
    for subject in settings["fields"]:
        object_name, _, field = subject.partition(".")
        rows = summary[(summary["object"] == object_name) & (summary["field"] == field)]
        if not len(rows) or rows["captured_at"].iloc[0] < oldest:
            results.append(
                NotEvaluated(
                    ID,
                    subject,
                    f"no duplicate count of {subject} in the last {settings['max_age_hours']} h "
                    "(the Salesforce collector's daily hygiene pass)",
                )
            )
            continue
        row = rows.iloc[0]
        duplicated = int(row["duplicated_values"])
        if duplicated < settings["min_duplicated_values"]:
            continue
        worst = values[(values["object"] == object_name) & (values["field"] == field)]
        sample = [
            {"value": masked(v), "records": int(n)}
            for v, n in zip(worst["value"], worst["records"], strict=True)
        ][: settings["sample_values"]]
        total = records_of.get(object_name)
        at_least = "at least " if row["is_capped"] else ""
        share = (
            f" ({int(row['records']) / total:.1%} of {int(total):,} records)"
            if total is not None and pd.notna(total) and total > 0
            else ""
        )
        shown = ", ".join(f"{s['value']} ({s['records']})" for s in sample)
        text = (
            f"{at_least}{int(row['records']):,} {object_name} records{share} share "
            f"{at_least}{duplicated:,} {field} values; Marketo updates only the most "
            f"recently updated record of each. Worst: {shown}. Merge them in Salesforce "
            "and add a duplicate rule."
        )
        results.append(
            Finding(
                check=ID,
                subject=subject,
                severity=SEVERITY,
                title=f"{object_name}: {at_least}{duplicated:,} {field} values shared by "
                "several records",
                detail=text[0].upper() + text[1:],
                owner=OWNER,
                evidence={
                    "object": object_name,
                    "field": field,
                    "duplicated_values": duplicated,
                    "records": int(row["records"]),
                    "is_lower_bound": bool(row["is_capped"]),
                    "object_records": None if total is None or pd.isna(total) else int(total),
                    "worst": sample,
                    "values_masked": True,
                    "counted_at": str(row["captured_at"]),
                },
            )
        )
    return results
