"""Score churn: a numeric field (an account score moving 60 -> 61 -> 62) changing in small steps
many times a day per lead, each change making the person sync again. Bucketing it into a few
ranges (0-25, 26-50, ...) keeps the meaning and drops most of the syncs."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting
from checks.inputs import MARKETO_ACTIVITY_TOTALS, SYNC_TOTALS
from monitor.vocabulary import field_key

ID = "score_churn"
TITLE = "A frequently changing score field floods the sync"
SEVERITY = "warning"
OWNER = MARKETO_ADMIN
RUNBOOK = f"""
Why it matters: every change of a synced field queues its record for the next sync cycle. A
score that an integration or a smart campaign recalculates every few hours moves by a point or
two each time: thousands of records sync again although no decision changes (nobody routes a
lead differently at 61 than at 60). These updates fill the queue, spend the sync's API calls
and make real changes (new leads, status changes) wait behind them.

The evidence comes from Marketo's Change Data Value activities (field, old and new value, who
changed it); the Salesforce users who change the same field (or the same objects) most, where
the collector knows them, are listed with it.

How to fix ({MARKETO_ADMIN}): find who writes the field (top sources in the evidence: a web
service API integration, a smart campaign, the sync itself). Then sync a bucketed field instead
of the raw score: create a field such as "Account Score Band" holding the recommended ranges,
set it with a smart campaign that runs only when the score crosses a range boundary, and map
the band, not the score, to Salesforce. Or recalculate the score less often (once a day, in a
batch off-hours). Once sales uses the band, the {SALESFORCE_ADMIN} hides the raw score field
from the sync user (field-level security), so its changes no longer sync at all.
"""
SETTINGS = [
    Setting("lookback_days", 7, "Days of Change Data Value activities judged."),
    Setting(
        "min_history_hours",
        24,
        "Hours of collected Marketo activity needed before the check judges (else not evaluated).",
    ),
    Setting(
        "min_changes_per_day",
        500,
        "Changes of one field per day (average over the collected days) that matter to the sync.",
    ),
    Setting(
        "min_changes_per_lead_day",
        3.0,
        "Changes of the field per lead per day, over the leads it changed on: how often the "
        "same lead changes again.",
    ),
    Setting(
        "small_step_max",
        5,
        "Largest |new value - old value| that counts as a small step (the median step must be "
        "no larger).",
    ),
    Setting(
        "min_small_step_share",
        0.8,
        "Share of the field's changes (0-1) that must be small numeric steps.",
    ),
    Setting(
        "critical_inflow_share",
        0.5,
        "Share of the person objects' sync inflow (0-1) the field causes that makes it critical.",
    ),
    Setting(
        "person_objects",
        ["Lead", "Contact"],
        "Salesforce objects Marketo persons sync to; their records in both directions are the "
        "sync inflow a field's changes are compared with.",
    ),
    Setting("recommended_buckets", 4, "Value ranges the recommended bucketing splits scores into."),
]
# Judged as of the newest marketo_activities data (checks/base.py, "Judging time").
ANCHOR = "marketo_activities"
INPUTS = {
    "fields": Input(
        "score_churn_fields", "lookback_days", "small_step_max", anchor="marketo_activities"
    ),
    "activities": MARKETO_ACTIVITY_TOTALS,
    "sync": SYNC_TOTALS,
    "modifiers": Input("change_counts_by_modifier", "lookback_days", anchor="change_counts"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "field": "the Marketo field",
    "changes": "Change Data Value activities in the lookback",
    "changes_per_day": "changes per day",
    "leads": "leads whose value changed",
    "changes_per_lead_day": "changes per lead and day",
    "median_step": "median change of the value",
    "small_step_share": "share of changes within small_step_max",
    "min_value": "lowest value seen",
    "max_value": "highest value seen",
    "record_syncs": "lead-cycles the changes cost the sync",
    "person_inflow": "records the sync moved for Lead and Contact (or null)",
    "inflow_share": "record_syncs / person_inflow (or null)",
    "sample_lead_ids": "a few lead ids",
    "top_sources": "who changes it most: source and changes",
    "recommended_buckets": "value ranges to sync instead",
    "bucket_width": "width of those ranges",
    "changes_saved_share": "share of changes the buckets would save",
    "first_change": "first change seen (UTC)",
    "last_change": "last change seen (UTC)",
    "days": "days of history judged",
    "salesforce_field_changes": (
        "Salesforce users changing the same field (object, modifier, field, changes)"
    ),
    "salesforce_top_modifiers": (
        "top modifiers of the person objects (object, modifier, field, changes)"
    ),
}
NO_DATA_SUBJECT = "Change Data Value"
# A bucket is at least this many typical steps wide, or a small step would still cross it often.
MIN_STEPS_PER_BUCKET = 10


def _nice_width(raw: float, whole: bool) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `raw` (whole numbers only
    for whole-number fields)."""
    raw = max(raw, 1.0 if whole else 1e-9)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        width = factor * power
        if width >= raw * (1 - 1e-9) and (not whole or width == round(width)):
            return width
    return 10 * power


def recommend_buckets(
    low: float, high: float, median_step: float, count: int, whole: bool
) -> tuple[float, list[str]]:
    """(width, labels) of ranges covering [low, high]: about `count` of them, each at least
    MIN_STEPS_PER_BUCKET typical steps wide. Whole numbers read like "0–25, 26–50"."""
    width = _nice_width(
        max((high - low) / max(count, 1), MIN_STEPS_PER_BUCKET * median_step), whole
    )
    start = math.floor(low / width) * width
    # The width is at least (high - low) / count: count + 1 ranges always reach `high`.
    edges = [start + i * width for i in range(max(count, 1) + 2)]
    ends = [e for e in edges[1:] if e < high] + [next(e for e in edges[1:] if e >= high)]
    labels = []
    for begin, end in zip(edges, ends, strict=False):
        if whole:
            labels.append(f"{int(begin) + (1 if labels else 0)}–{int(end)}")
        else:
            labels.append(f"{begin:g}–{end:g}")
    return width, labels


def _kept_share(row: Any, width: float) -> float:
    """About which share of the field's changes would still cross a bucket boundary (and
    sync): a step of d crosses a boundary of buckets `width` wide with chance d / width.
    Changes that are not numeric, or whose step is not among the counted ones, count as kept."""
    counted = 0
    kept = 0.0
    for item in row.step_counts:
        counted += int(item["changes"])
        kept += int(item["changes"]) * min(1.0, float(item["step"]) / width)
    return (kept + (row.changes - counted)) / row.changes


def _normalised(name: str) -> str:
    """A field name comparable across systems: "Account Score" ~ "Lead.Account_Score__c"."""
    return field_key(name.rsplit(".", 1)[-1])


def _person_inflow(sync: pd.DataFrame, objects: list[str]) -> float | None:
    """Records the sync moved for person objects, both directions: the inflow where measured,
    else what was written (the Salesforce collector measures the sync user's writes)."""
    rows = sync[sync["object"].isin(objects)]
    if rows.empty:
        return None
    total = 0.0
    for _, group in rows.groupby(["object", "direction"]):
        records = dict(zip(group["metric"], group["records"], strict=True))
        total += float(records.get("inflow", records.get("throughput", 0.0)))
    return total


def _salesforce_evidence(field: str, modifiers: pd.DataFrame, objects: list[str]) -> dict:
    """Salesforce users changing the same field (where the source names fields), and the top
    modifiers of the person objects."""

    def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {
                "object": r.object,
                "modifier": r.modifier,
                "field": r.field,
                "changes": int(r.changes),
            }
            for r in frame.head(3).itertuples(index=False)
        ]

    same_field = modifiers[
        modifiers["field"].map(lambda f: bool(f) and _normalised(str(f)) == _normalised(field))
    ]
    people = modifiers[modifiers["object"].isin(objects)]
    by_modifier = (
        people.groupby(["object", "modifier"], as_index=False)["changes"]
        .sum()
        .sort_values(["changes", "object", "modifier"], ascending=[False, True, True])
        .assign(field="")
    )
    return {
        "salesforce_field_changes": rows(same_field),
        "salesforce_top_modifiers": rows(by_modifier),
    }


def _judge(
    row: Any,
    days: float,
    inflow: float | None,
    modifiers: pd.DataFrame,
    settings: dict[str, Any],
) -> Finding | None:
    per_day = row.changes / days
    per_lead_day = per_day / max(row.leads, 1)
    small_share = row.small_changes / row.changes
    median_step = None if pd.isna(row.median_step) else float(row.median_step)
    if (
        per_day < settings["min_changes_per_day"]
        or per_lead_day < settings["min_changes_per_lead_day"]
        or median_step is None
        or median_step > settings["small_step_max"]
        or small_share < settings["min_small_step_share"]
    ):
        return None
    # Bucket boundaries for whole-number scores are whole numbers too.
    whole = bool(row.is_whole) if not pd.isna(row.is_whole) else False
    width, buckets = recommend_buckets(
        float(row.min_value),
        float(row.max_value),
        median_step,
        settings["recommended_buckets"],
        whole,
    )
    saved = 1 - _kept_share(row, width)
    share = None if not inflow else min(1.0, row.lead_cycles / inflow)
    is_critical = share is not None and share >= settings["critical_inflow_share"]
    objects = " and ".join(settings["person_objects"])
    share_text = (
        f"about {share:.0%} of the {inflow:,.0f} {objects} records the sync moved in that time"
        if share is not None
        else f"the sync inflow of {objects} is not measured, so its share is unknown"
    )
    sources = ", ".join(
        f"{s['source']} ({s['changes'] / row.changes:.0%})" for s in row.top_sources
    )
    salesforce = _salesforce_evidence(row.field, modifiers, settings["person_objects"])
    in_salesforce = "; ".join(
        f"{c['modifier']} changed {c['field']} {c['changes']:,} times"
        for c in salesforce["salesforce_field_changes"]
    )
    return Finding(
        check=ID,
        subject=row.field,
        severity="critical" if is_critical else SEVERITY,
        title=(
            f"{row.field}: {per_day:,.0f} small changes a day "
            f"({per_lead_day:.1f} per lead per day, median step {median_step:g})"
        ),
        detail=(
            f"In the last {days:.1f} days the Marketo field {row.field} changed "
            f"{int(row.changes):,} times on {int(row.leads):,} leads ({per_lead_day:.1f} times a "
            f"day per lead), median step {median_step:g} "
            f"({small_share:.0%} of the changes by {settings['small_step_max']:g} or less). "
            f"Each change makes the person sync again: {int(row.lead_cycles):,} record syncs, "
            f"{share_text}. "
            + (f"Changed by: {sources}. " if sources else "")
            + (f"In Salesforce: {in_salesforce}. " if in_salesforce else "")
            + f"Sync a bucketed field instead ({', '.join(buckets)}) and hide the raw score "
            f"from the sync user: about {saved:.0%} of these changes would no longer sync."
        ),
        owner=OWNER,
        evidence={
            "field": row.field,
            "changes": int(row.changes),
            "changes_per_day": round(per_day, 1),
            "leads": int(row.leads),
            "changes_per_lead_day": round(per_lead_day, 2),
            "median_step": median_step,
            "small_step_share": round(small_share, 4),
            "min_value": float(row.min_value),
            "max_value": float(row.max_value),
            "record_syncs": int(row.lead_cycles),
            "person_inflow": inflow,
            "inflow_share": None if share is None else round(share, 4),
            "sample_lead_ids": [str(lead) for lead in row.sample_leads],
            "top_sources": [
                {"source": s["source"], "changes": int(s["changes"])} for s in row.top_sources
            ],
            "recommended_buckets": buckets,
            "bucket_width": width,
            "changes_saved_share": round(saved, 4),
            "first_change": str(row.first_change),
            "last_change": str(row.last_change),
            "days": round(days, 2),
            **salesforce,
        },
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per Marketo field that changes often, per lead, in small numeric steps."""
    activities = data["activities"]
    if activities.empty:
        return [NotEvaluated(ID, NO_DATA_SUBJECT, "no Marketo activity data collected yet")]
    first = pd.Timestamp(activities["first_bucket"].min())
    hours = min((pd.Timestamp(now) - first).total_seconds() / 3600, settings["lookback_days"] * 24)
    if hours < settings["min_history_hours"]:
        return [
            NotEvaluated(
                ID,
                NO_DATA_SUBJECT,
                f"only {hours:.0f} h of Marketo activity collected; "
                f"{settings['min_history_hours']} h needed",
            )
        ]
    inflow = _person_inflow(data["sync"], settings["person_objects"])
    results: list[Finding | NotEvaluated] = []
    for row in data["fields"].itertuples(index=False):
        finding = _judge(row, hours / 24, inflow, data["modifiers"], settings)
        if finding is not None:
            results.append(finding)
    return results
