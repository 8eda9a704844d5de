"""Reconciliation sampling: is the data actually the same on both sides? The daily sample's
per-field mismatch rates (with a Wilson 95 % interval), grouped by their likely reason."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting

ID = "reconciliation"
TITLE = "Sampled records differ between Salesforce and Marketo"
SEVERITY = "warning"
OWNER = MARKETO_ADMIN
RUNBOOK = """
Why it matters: the sync can report no error and still leave Marketo with other values than
Salesforce: a formula field changes when a record it refers to changes, but Marketo reads a
record again only when its SystemModstamp moves (Adobe: "updates to references in the formula
are not synced until there is an update to SystemModstamp"); a field the sync user cannot see
is never read; a value Marketo or Salesforce rejected stays behind. Campaigns, scoring and
routing then work on wrong data, and nobody compares the two sides by hand.

How the figures are taken: once a day (reconciliation_interval_hours) the reconciliation job
draws a random sample (reconciliation_sample_size, default 200) of Leads and Contacts, half
among records changed lately and half among records untouched for long, seeded by instance
and day; reads them from Salesforce (one Id IN (...) query per object) and from Marketo (Get
Leads by filter type sfdcLeadId / sfdcContactId, 300 per call) and compares every synced field
with the sync's rules (numbers as numbers, times in UTC, text cut to Marketo's length, blank =
null, picklist value or label). Records changed in the last reconciliation_in_flight_minutes
are in flight and not compared. A field is reported when the lower end of its mismatch rate's
95 % interval reaches min_mismatch_rate. Values are stored and shown masked (j***@acme.com).

How to fix, by likely reason (the Salesforce admin or the Marketo admin, as named):
- stale formula (Salesforce admin): touch the records so SystemModstamp moves (a scheduled
  no-op update or a flow), or replace the formula by a field a flow writes, or let Marketo
  compute the value; the formula_fields check lists the formulas the sync reads.
- hidden from the sync user (Salesforce admin): grant the sync user's permission set Read
  (and Edit, when Marketo writes it) on the field; Marketo then reads it on the next change.
- rejected value (Marketo admin with the Salesforce admin): the sync logged an error for these
  records; fix the value or the validation rule named on the Sync errors page.
- stuck in the backlog (Marketo admin): the records changed in Salesforce after Marketo last
  updated them, longer ago than reconciliation_in_flight_minutes; the Backlog page shows what
  floods the queue; let it drain.
- values differ without a known cause (Marketo admin): something in Marketo writes the field
  (a form, a list import, a flow step, an API client) or the field is mapped to another one;
  check the field's history in Marketo and block updates from the writing source.
"""
SETTINGS = [
    Setting(
        "min_mismatch_rate",
        0.02,
        "Report a field when the lower end of its mismatch rate's 95 % interval reaches this "
        "share of the compared records.",
    ),
    Setting("min_mismatches", 2, "Fewer differing records than this on a field are not reported."),
    Setting(
        "min_compared", 20, "Fields compared on fewer records than this are not judged (too few)."
    ),
    Setting(
        "lookback_days",
        7,
        "A sync error on a sampled record in this many days before the sample explains its "
        "difference (rejected value).",
    ),
    Setting("sample_records", 3, "Differing records shown (ids on both sides, masked values)."),
    Setting("max_age_hours", 48, "A sample older than this many hours is not used."),
]
ANCHOR = "snapshots"
INPUTS = {
    "fields": Input("reconciliation_fields_latest", anchor="snapshots"),
    "mismatches": Input("reconciliation_mismatches_latest", "lookback_days", anchor="snapshots"),
}
CAUSES = {
    "stale_formula": {
        "label": "stale formula",
        "owner": SALESFORCE_ADMIN,
        "reason": "a formula field whose value changed without SystemModstamp moving, so the "
        "sync never read it again",
        "fix": "touch the records so SystemModstamp moves (a scheduled no-op update or a "
        "flow), or replace the formula by a field a flow writes",
    },
    "hidden": {
        "label": "hidden from the sync user",
        "owner": SALESFORCE_ADMIN,
        "reason": "the sync user cannot read the field, so Marketo keeps an old value",
        "fix": "grant the sync user's permission set Read on the field (Setup > Permission "
        "Sets > Object Settings > Field Permissions)",
    },
    "backlog": {
        "label": "stuck in the backlog",
        "owner": MARKETO_ADMIN,
        "reason": "the records changed in Salesforce after Marketo last updated them, longer "
        "ago than a sync cycle: the change waits in the sync backlog",
        "fix": "see the Backlog page for what floods the queue (a mass update) and let it "
        "drain, or push these records again once it has",
    },
    "rejected": {
        "label": "rejected value",
        "owner": MARKETO_ADMIN,
        "reason": "the sync logged an error for these records: a value was rejected",
        "fix": "fix the value or the validation rule named on the Sync errors page, then let "
        "the record sync again",
    },
    "differs": {
        "label": "values differ",
        "owner": MARKETO_ADMIN,
        "reason": "no known cause: something in Marketo writes the field (a form, an import, a "
        "flow step, an API client), or it is mapped to another field",
        "fix": "check the field's history in Marketo and block updates from the source that "
        "writes it",
    },
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "Lead or Contact",
    "cause": "stale_formula | hidden | rejected | backlog | differs",
    "reason": "the likely reason, in words",
    "fix": "what to do, in words",
    "fields": (
        "the fields of this cause, worst first: field, marketo_field, compared, mismatched, "
        "rate, ci_low, ci_high (Wilson 95 %), samples (salesforce_id, marketo_id, "
        "salesforce_value, marketo_value: masked)"
    ),
    "worst_rate": "the highest mismatch rate among the fields",
    "sampled_at": "when the sample was read (UTC)",
    "values_masked": "always true: no full value leaves the store",
}
Z95 = 1.959964


def wilson(mismatched: int, compared: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a rate: sound for small samples and rates near 0."""
    if compared <= 0:
        return 0.0, 1.0
    rate = mismatched / compared
    denominator = 1 + z * z / compared
    centre = (rate + z * z / (2 * compared)) / denominator
    half = z * math.sqrt(rate * (1 - rate) / compared + z * z / (4 * compared**2)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _cause(field: Any, mismatches: pd.DataFrame) -> str:
    """The likely reason of one field's differences: hidden, then rejected (a sync error on
    most of its records), then backlog (most changed after Marketo's last update), then a
    formula, else unknown."""
    if not pd.isna(field.is_readable) and not bool(field.is_readable):
        return "hidden"
    rejected = int(mismatches["is_rejected"].sum()) if len(mismatches) else 0
    if rejected * 2 > len(mismatches):
        return "rejected"
    behind = int(mismatches["is_behind"].sum()) if len(mismatches) else 0
    if behind * 2 > len(mismatches):
        return "backlog"
    return "stale_formula" if bool(field.is_formula) else "differs"


def _percent(rate: float) -> str:
    return f"{rate:.0%}" if rate >= 0.1 or rate == 0 else f"{rate:.1%}"


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per object and likely reason, listing the fields whose mismatch rate is
    clearly above min_mismatch_rate."""
    fields, mismatches = data["fields"], data["mismatches"]
    if not len(fields):
        return []
    sampled_at = pd.Timestamp(fields["sampled_at"].max())
    if sampled_at < pd.Timestamp(now) - timedelta(hours=settings["max_age_hours"]):
        return [
            NotEvaluated(
                ID,
                f"{obj}: reconciliation",
                f"the last reconciliation sample is older than {settings['max_age_hours']} h "
                f"({sampled_at:%Y-%m-%d %H:%M} UTC)",
            )
            for obj in sorted(set(fields["object"]))
        ]
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for field in fields.itertuples(index=False):
        compared, mismatched = int(field.compared), int(field.mismatched)
        if compared < settings["min_compared"] or mismatched < settings["min_mismatches"]:
            continue
        low, high = wilson(mismatched, compared)
        if low < settings["min_mismatch_rate"]:
            continue
        mine = mismatches[
            (mismatches["object"] == field.object) & (mismatches["field"] == field.field)
        ]
        samples = [
            {
                "salesforce_id": r.sfdc_id,
                "marketo_id": r.marketo_id,
                "salesforce_value": r.salesforce_value,
                "marketo_value": r.marketo_value,
            }
            for r in mine.head(settings["sample_records"]).itertuples(index=False)
        ]
        grouped.setdefault((field.object, _cause(field, mine)), []).append(
            {
                "field": field.field,
                "marketo_field": field.marketo_field,
                "compared": compared,
                "mismatched": mismatched,
                "rate": mismatched / compared,
                "ci_low": low,
                "ci_high": high,
                "samples": samples,
            }
        )
    return [
        _finding(obj, cause, rows, sampled_at) for (obj, cause), rows in sorted(grouped.items())
    ]


def _finding(obj: str, cause: str, rows: list[dict[str, Any]], sampled_at: Any) -> Finding:
    words = CAUSES[cause]
    rows.sort(key=lambda r: (-r["rate"], r["field"]))
    worst = rows[0]
    listed = "; ".join(
        f"{r['field']} {_percent(r['rate'])} of {r['compared']:,} (95 % CI "
        f"{_percent(r['ci_low'])}–{_percent(r['ci_high'])}"
        + (
            f", e.g. Salesforce {r['samples'][0]['salesforce_id']} / Marketo lead "
            f"{r['samples'][0]['marketo_id']}"
            if r["samples"]
            else ""
        )
        + ")"
        for r in rows
    )
    count = f"{len(rows)} fields differ" if len(rows) > 1 else f"{worst['field']} differs"
    return Finding(
        check=ID,
        subject=f"{obj}: {words['label']}",
        severity="info" if cause == "rejected" else SEVERITY,
        title=f"{obj}: {count} in Marketo ({words['label']}, up to "
        f"{_percent(worst['rate'])} of sampled records)",
        detail=f"In the {sampled_at:%Y-%m-%d %H:%M} UTC sample, Marketo holds other values "
        f"than Salesforce: {listed}. Likely reason: {words['reason']}. Fix: {words['fix']}.",
        owner=words["owner"],
        evidence={
            "object": obj,
            "cause": cause,
            "reason": words["reason"],
            "fix": words["fix"],
            "fields": rows,
            "worst_rate": worst["rate"],
            "sampled_at": str(sampled_at),
            "values_masked": True,
        },
    )
