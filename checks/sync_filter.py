"""Custom sync filter: a checkbox on Lead/Contact that keeps records out of Marketo. Without
one, every record an integration or batch job touches flows to Marketo, needed or not."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, Finding, Input, NotEvaluated, Setting
from checks.inputs import FIELD_INVENTORY, INFLOW_TOTALS
from monitor.vocabulary.hygiene import SYNC_FILTER_MARKERS, excluding_value, is_sync_filter_field

ID = "sync_filter"
TITLE = "Large inflow without a custom sync filter"
SEVERITY = "info"
OWNER = MARKETO_ADMIN
SUBJECT = "sync filter"
RUNBOOK = """
Why it matters: by default Marketo syncs every lead and contact the sync user can see. Records
that Marketo never needs (leads without an email address, records owned by an integration,
partner or support records) still cost sync time and API calls every time someone, usually an
integration or a nightly batch, changes them. A custom sync filter is a checkbox on Lead and
Contact ("Do Not Sync to Marketo", or "Marketo Sync" set to true for the records to keep) that
Marketo reads to leave the other records out.

How the figures are taken: the filter field is found in the describes (a checkbox whose name
or label carries one of filter_field_markers); its use comes from the collector's daily count
of records per value. The inflow is the collected count of records changed by others over
lookback_days days, and its modifiers name the integration and batch users. The share they
drive is an UPPER BOUND of what a filter could remove: it assumes none of their records is
needed in Marketo, while a filtered record that someone else also changes still syncs.

How to fix (Marketo admin, with the Salesforce admin): agree which records Marketo needs. The
Salesforce admin creates the checkbox on Lead and Contact (and Account if needed), makes it
visible to the sync user, and sets it with a flow (e.g. true only when Email is filled and the
owner is not an integration user). The Marketo admin asks Adobe support to turn on the custom
sync filter for that field; records left out stay in Salesforce, untouched. If a filter exists
but keeps few records out, review the flow that sets it.
"""
SETTINGS = [
    Setting("objects", ["Lead", "Contact"], "Objects where a sync filter field is looked for."),
    Setting("lookback_days", 7, "Days of collected inflow judged."),
    Setting(
        "min_inflow_per_day",
        5000,
        "Records changed by others per day (on objects) above which the filter matters.",
    ),
    Setting(
        "filter_field_markers",
        list(SYNC_FILTER_MARKERS),
        "Words marking a checkbox as the sync filter, matched in its API name and label "
        "(lowercased, spaces and underscores removed).",
    ),
    Setting(
        "batch_modifier_markers",
        ["integration", "batch", "data loader", "dataloader", "etl", "enrichment", "api user"],
        "Words (case-insensitive) in a modifier's name marking an integration or batch user.",
    ),
]
# Judged as of the newest sync_stats data (checks/base.py, "Judging time").
ANCHOR = "sync_stats"
INPUTS = {
    "fields": FIELD_INVENTORY,
    "values": Input("sync_filter_values", anchor="snapshots"),
    "inflow": INFLOW_TOTALS,
    "modifiers": Input("inflow_by_modifier", "lookback_days", anchor="change_counts"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "objects": "the person objects judged",
    "changed_by_others": "records changed by others in the lookback",
    "per_day": "the same per day",
    "days": "days judged",
    "filter_fields": "sync filter checkboxes found, with the records they keep out",
    "batch_users": "integration and batch users among the modifiers, with their share",
    "batch_changes": "records they changed",
    "removable_share_upper_bound": "at most this share of the inflow a filter could remove",
    "note": "what the figures mean",
}


def filter_fields(fields: pd.DataFrame, settings: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(object, field, label) of every sync filter checkbox on the judged objects."""
    found = []
    for row in fields[fields["object"].isin(settings["objects"])].itertuples(index=False):
        if is_sync_filter_field(row.field, row.label, row.type, settings["filter_field_markers"]):
            found.append((row.object, row.field, row.label))
    return found


def _usage(values: pd.DataFrame, object_name: str, field: str, label: str) -> dict[str, Any]:
    own = values[(values["object"] == object_name) & (values["field"] == field)]
    excluding = excluding_value(field, label)
    usage: dict[str, Any] = {"field": f"{object_name}.{field}", "excluding_value": excluding}
    if not len(own):
        return usage | {"counted": False}
    total = int(own["records"].sum())
    left_out = int(own.loc[own["value"] == excluding, "records"].sum())
    return usage | {
        "counted": True,
        "records": total,
        "left_out": left_out,
        "left_out_share": round(left_out / total, 4) if total else 0.0,
        "counted_at": str(own["captured_at"].max()),
    }


def _usage_text(usage: dict[str, Any]) -> str:
    if not usage["counted"]:
        return f"{usage['field']} (its use is not counted yet)"
    return (
        f"{usage['field']} keeps {usage['left_out']:,} of {usage['records']:,} records "
        f"({usage['left_out_share']:.0%}) out of the sync"
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding when the inflow on the judged objects is large: no filter field, or how the
    existing one is used; silent when the inflow is small."""
    objects = settings["objects"]
    fields = data["fields"]
    if not fields["object"].isin(objects).any():
        return [NotEvaluated(ID, SUBJECT, f"no describe of {' or '.join(objects)} collected yet")]
    inflow = data["inflow"][data["inflow"]["object"].isin(objects)]
    start = pd.Timestamp(now) - timedelta(days=settings["lookback_days"])
    recent = inflow[inflow["last_sample"] > start]
    if not len(recent):
        return [
            NotEvaluated(
                ID, SUBJECT, f"no inflow collected in the last {settings['lookback_days']} days"
            )
        ]
    covered_from = max(recent["first_sample"].min(), start)
    days = (pd.Timestamp(now) - covered_from).total_seconds() / 86400
    if days < 1:
        return [NotEvaluated(ID, SUBJECT, "less than a day of inflow collected")]
    changed = float(recent["changed_by_others"].sum())
    per_day = changed / days
    if per_day < settings["min_inflow_per_day"]:
        return []
    modifiers = data["modifiers"][data["modifiers"]["object"].isin(objects)]
    markers = [m.lower() for m in settings["batch_modifier_markers"]]
    is_batch = [any(m in str(name).lower() for m in markers) for name in modifiers["modifier"]]
    batch = modifiers[pd.Series(is_batch, index=modifiers.index, dtype=bool)]
    by_user = batch.groupby("modifier")["changes"].sum().sort_values(ascending=False)
    batch_changes = float(by_user.sum())
    share = min(batch_changes / changed, 1.0) if changed else 0.0
    found = filter_fields(fields, settings)
    usages = [_usage(data["values"], *item) for item in found]
    bound = (
        f"Integration and batch users changed {batch_changes:,.0f} of them ({share:.0%}): at "
        "most that share could be left out (an upper bound)."
        if batch_changes
        else "No integration or batch user is among the collected modifiers."
    )
    flow = f"{per_day:,.0f} records a day changed by others on {', '.join(objects)}"
    if usages:
        title = (
            f"Sync filter {usages[0]['field']} in place; {per_day:,.0f} records a day still flow"
        )
        detail = f"{'; '.join(_usage_text(u) for u in usages)}. {flow.capitalize()}. {bound}"
    else:
        title = f"No custom sync filter field while {flow} flow to Marketo"
        detail = (
            f"No checkbox on {' or '.join(objects)} looks like a sync filter. {flow.capitalize()} "
            f"over {days:.1f} days. {bound}"
        )
    return [
        Finding(
            check=ID,
            subject=SUBJECT,
            severity=SEVERITY,
            title=title,
            detail=detail,
            owner=OWNER,
            evidence={
                "objects": list(objects),
                "days": round(days, 2),
                "changed_by_others": changed,
                "per_day": round(per_day, 1),
                "filter_fields": usages,
                "batch_users": {str(k): float(v) for k, v in by_user.head(10).items()},
                "batch_changes": batch_changes,
                "removable_share_upper_bound": round(share, 4),
                "note": "upper bound: assumes no record changed by these users is needed in "
                "Marketo; modifiers are the collected top modifiers per window",
            },
        )
    ]
