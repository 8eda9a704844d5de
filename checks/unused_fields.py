"""Unused synced fields: custom fields the sync carries that almost no record fills, or that
nobody has changed in months. Each one costs sync time, Marketo field slots and confusion."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting

ID = "unused_fields"
TITLE = "Synced fields with almost no values or no recent change"
SEVERITY = "info"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: Marketo syncs every field the sync user can see. A field that almost no record
fills, or that nobody has changed in months, still takes a column in Marketo's person or
company record, shows up in every smart list filter and field picker, and grows the data
dictionary people must understand. Fields that are filled by an old integration or a retired
process are the usual source of confusion ("which of the three Lead Source fields is real?").

How the figures are taken: the Salesforce collector counts once a day how many records fill
each field (COUNT(field) against COUNT(Id)); the last change of a Lead or Contact field comes
from Marketo's Change Data Value activities, and of any field from field-level change counts.
"No change in N days" is only said when that history reaches back N days; otherwise the check
judges on the fill rate alone and says so. Checkboxes and long text areas cannot be counted.

How to fix (Salesforce admin, with the Marketo admin): confirm with the field's owners that
nothing reads it (reports, flows, Marketo smart lists and scoring). Then hide it from the sync
user's field-level security (Setup > Object Manager > object > Fields > field > Set
Field-Level Security), so Marketo stops syncing it, and delete or archive it in Salesforce if
nothing else needs it; the Marketo admin can then hide the field in Marketo (Admin > Field
Management). Export the data dictionary from the Fields page to review them in one sitting.
"""
SETTINGS = [
    Setting(
        "objects",
        ["Lead", "Contact", "Account", "Opportunity"],
        "Synced objects whose fields are judged.",
    ),
    Setting(
        "max_fill_share",
        0.01,
        "A field filled on fewer than this share (0-1) of its object's records is almost empty.",
    ),
    Setting(
        "unchanged_days",
        180,
        "Days without a recorded change that make a field unused (only said when Marketo's "
        "change history reaches back that far).",
    ),
    Setting("min_records", 100, "Objects with fewer records are not judged on their fill rate."),
    Setting("fill_max_age_hours", 72, "Fill counts older than this many hours are not used."),
    Setting(
        "include_standard_fields",
        False,
        "Also flag standard fields (they cannot be deleted, only hidden from the sync user).",
    ),
    Setting("ignore_fields", [], "Fields (Object.Field) kept on purpose; never flagged."),
]
# Judged as of the newest snapshots data (checks/base.py, "Judging time").
ANCHOR = "snapshots"
INPUTS = {
    "fields": Input("field_hygiene", anchor="snapshots"),
    "history": Input("field_change_coverage", anchor="snapshots"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "records": "records of the object (or null)",
    "filled_at": "time of the fill count (UTC, or null)",
    "judged_on": "what the verdict rests on (fill rate, change history or both)",
    "change_history_days": "days Marketo's change history reaches back",
    "fields_flagged": "fields that look unused",
    "fields": "the emptiest of them: field, label, type, fill_share, filled, last_change, reasons",
}
FIELDS_SHOWN = 50  # per finding: the emptiest first


def _fields(count: int) -> str:
    return "1 synced field is" if count == 1 else f"{count} synced fields are"


def _history_days(history: pd.DataFrame, now: datetime) -> float:
    """How many days back Marketo's change history reaches (0 without any)."""
    if not len(history) or pd.isna(history["first_change"].iloc[0]):
        return 0.0
    return (pd.Timestamp(now) - history["first_change"].iloc[0]).total_seconds() / 86400


def _reasons(row: Any, settings: dict[str, Any], fill_ok: bool, since: datetime | None) -> list:
    reasons = []
    if fill_ok and pd.notna(row.fill_share) and row.fill_share < settings["max_fill_share"]:
        reasons.append(f"filled on {row.fill_share:.2%} of records ({int(row.filled)})")
    if since is not None and (pd.isna(row.last_change) or row.last_change < since):
        reasons.append(f"no recorded change in {settings['unchanged_days']} days")
    return reasons


def _judge_object(
    name: str,
    fields: pd.DataFrame,
    settings: dict[str, Any],
    now: datetime,
    history_days: float,
) -> Finding | NotEvaluated | None:
    latest_fill = fields["filled_at"].max()
    fresh = pd.notna(latest_fill) and latest_fill >= pd.Timestamp(now) - timedelta(
        hours=settings["fill_max_age_hours"]
    )
    records = fields["records"].max() if fresh else None
    fill_ok = bool(fresh and records >= settings["min_records"])
    # Marketo's Change Data Value history covers person fields: Lead and Contact.
    has_history = name in ("Lead", "Contact") and history_days >= settings["unchanged_days"]
    since = pd.Timestamp(now) - timedelta(days=settings["unchanged_days"]) if has_history else None
    if not fill_ok and since is None:
        reason = (
            "no fill counts collected yet (the Salesforce collector's daily hygiene pass)"
            if not fresh
            else f"only {int(records)} records; fill rates need {settings['min_records']}"
        )
        return NotEvaluated(
            ID, name, f"{reason}, and no change history of {settings['unchanged_days']} days"
        )
    ignored = set(settings["ignore_fields"])
    candidates = fields[~fields["calculated"].astype(bool)]
    if not settings["include_standard_fields"]:
        candidates = candidates[candidates["is_custom"].astype(bool)]
    flagged = []
    for row in candidates.itertuples(index=False):
        reasons = _reasons(row, settings, fill_ok, since)
        if reasons and f"{name}.{row.field}" not in ignored:
            flagged.append(
                {
                    "field": row.field,
                    "label": row.label,
                    "type": row.type,
                    "fill_share": None if pd.isna(row.fill_share) else round(row.fill_share, 5),
                    "filled": None if pd.isna(row.filled) else int(row.filled),
                    "last_change": None if pd.isna(row.last_change) else str(row.last_change),
                    "reasons": reasons,
                }
            )
    if not flagged:
        return None
    flagged.sort(key=lambda f: (f["fill_share"] is None, f["fill_share"] or 0, f["field"]))
    judged_on = (
        "fill rate and change history"
        if since is not None and fill_ok
        else (
            f"fill rate only (no change history of {settings['unchanged_days']} days)"
            if fill_ok
            else "change history only"
        )
    )
    names = ", ".join(f["field"] for f in flagged[:5]) + (", ..." if len(flagged) > 5 else "")
    return Finding(
        check=ID,
        subject=name,
        severity=SEVERITY,
        title=f"{name}: {_fields(len(flagged))} almost empty or unchanged",
        detail=(
            f"Fields of {name} the sync carries that look unused: {names} (judged on "
            f"{judged_on}). Confirm nobody needs them, then hide them from the sync user."
        ),
        owner=OWNER,
        evidence={
            "object": name,
            "records": None if records is None else int(records),
            "filled_at": None if not fresh else str(latest_fill),
            "judged_on": judged_on,
            "change_history_days": round(history_days, 1),
            "fields_flagged": len(flagged),
            "fields": flagged[:FIELDS_SHOWN],
        },
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per synced object with fields that look unused."""
    fields = data["fields"]
    history_days = _history_days(data["history"], now)
    results: list[Finding | NotEvaluated] = []
    for name in settings["objects"]:
        own = fields[fields["object"] == name]
        if not len(own):
            results.append(NotEvaluated(ID, name, "no describe of this object collected yet"))
            continue
        outcome = _judge_object(name, own, settings, now, history_days)
        if outcome is not None:
            results.append(outcome)
    return results
