"""Sync user drift: the sync user's read or edit access changed between permission snapshots,
with the Setup Audit Trail events around the change that say who changed what and when."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting, cause_key

ID = "sync_user_drift"
TITLE = "Sync user's access changed"
SEVERITY = "critical"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: the sync sees and writes only what its user may read and edit. When a profile
edit, a removed permission set or a field-level security change takes access away, Marketo
stops receiving the field (or the object) and every update that touches it fails with
INSUFFICIENT_ACCESS_OR_READONLY or INVALID_FIELD_FOR_INSERT_UPDATE, often days before anyone
notices. This check compares consecutive permission snapshots of the sync user and shows the
Setup Audit Trail events (who, what, when) recorded around each change. A lost access is
reported for lookback_days after the change; permission_failures keeps reporting the gaps
that break the sync after that. Gained access is only reported when report_gains is on.

How to fix (Salesforce admin): for each lost access, restore it (Setup > Object Manager >
<Object> > Fields & Relationships > <Field> > Set Field-Level Security, or the object settings
of the sync user's permission set), or confirm with the person named in the audit events that
the change was intended and that Marketo no longer needs the field. To keep it from happening
again, assign all of the sync user's access through a dedicated permission set (e.g. "Marketo
Sync") that only the integration uses, so that edits to shared profiles cannot remove it.
"""
SETTINGS = [
    Setting(
        "lookback_days",
        7,
        "Days of permission snapshots searched for changes; older changes are not reported.",
    ),
    Setting("report_gains", False, "Also report access the sync user gained (info findings)."),
    Setting(
        "audit_match_hours",
        2,
        "Audit trail events this many hours either side of a changed snapshot are shown.",
    ),
    Setting(
        "audit_sections",
        [
            "Manage Users",
            "Profiles",
            "Permission Sets",
            "Permission Set Groups",
            "Field Accessibility",
        ],
        "Setup Audit Trail sections (prefixes) about users, profiles, permission sets and "
        "field access; other events count only if they mention field-level security.",
    ),
    Setting("max_audit_events", 5, "Audit trail events listed per finding, most relevant first."),
]
# Judged as of the newest snapshots data (checks/base.py, "Judging time").
ANCHOR = "snapshots"
INPUTS = {
    "changes": Input("sync_user_drift_changes", anchor="snapshots", training_days="lookback_days"),
    "audit": Input(
        "sync_user_drift_audit",
        anchor="snapshots",
        training_days="lookback_days",
        lookback_hours="audit_match_hours",
    ),
    "permissions": Input("permissions_latest"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "field": "the field ('' for the object itself)",
    "was_readable": "readable before the change",
    "was_editable": "editable before the change",
    "readable": "readable after",
    "editable": "editable after",
    "changed_at": "the snapshot that shows the change (UTC)",
    "previous_snapshot_at": "the snapshot before it (UTC)",
    "changes": "changes of this access in the window",
    "audit_events": (
        "Setup Audit Trail events around the change: actor, action, section, detail, occurred_at"
    ),
    "cause_key": (
        "access_change:<the snapshot that shows the change>: every access changed in one "
        "permission snapshot is one change (one incident)"
    ),
}
FIX = (
    "Fix: restore the access (or confirm with whoever changed it that it was intended), and give "
    "the sync user its access through a dedicated permission set so that profile changes "
    "cannot remove it."
)


def _flag(value: Any) -> bool:
    """A NULL side of a snapshot pair means the row is missing there: no access."""
    return False if pd.isna(value) else bool(value)


def _access(readable: bool, editable: bool) -> str:
    if readable and editable:
        return "read and edit"
    if readable:
        return "read only"
    return "edit without read" if editable else "no access"


def _subject(object_name: str, field: str) -> str:
    return f"{object_name}.{field}" if field else object_name


def _is_about_access(section: Any, detail: Any, sections: tuple[str, ...]) -> bool:
    # Field-level security set on a field's own page is logged under "Customize <Objects>".
    section_text = section if isinstance(section, str) else ""
    detail_text = detail.lower() if isinstance(detail, str) else ""
    return section_text.lower().startswith(sections) or "field-level security" in detail_text


def _names_of(field: str) -> list[str]:
    """How an audit event may name the field: its API name or label (Lead_Score__c, lead score)."""
    if not field:
        return []
    label = field.removesuffix("__c").replace("_", " ")
    return [field.lower(), label.lower()]


def _relevance(text: str, object_name: str, field: str) -> int:
    """2 when the event names the field, 1 when it names the object, else 0."""
    text = text.lower()
    if any(name in text for name in _names_of(field)):
        return 2
    return 1 if object_name.lower() in text else 0


def _matching_events(
    audit: pd.DataFrame,
    times: list[pd.Timestamp],
    object_name: str,
    field: str,
    settings: dict[str, Any],
) -> list[dict[str, Any]]:
    """Access-related audit events near any of the subject's changes; events naming the field,
    then the object, come first, then the closest in time."""
    if not len(audit):
        return []
    margin = timedelta(hours=settings["audit_match_hours"])
    distance = pd.concat([(audit["occurred_at"] - t).abs() for t in times], axis=1).min(axis=1)
    near = audit[distance <= margin].assign(distance=distance)
    ranked = []
    for row in near.itertuples(index=False):
        score = _relevance(f"{row.section or ''} {row.detail or ''}", object_name, field)
        ranked.append((-score, row.distance, row.occurred_at, row))
    ranked.sort(key=lambda item: item[:3])
    return [
        {
            "actor": row.actor,
            "action": row.action,
            "section": row.section,
            "detail": row.detail,
            "occurred_at": str(row.occurred_at),
        }
        for *_, row in ranked[: settings["max_audit_events"]]
    ]


def _audit_text(events: list[dict[str, Any]], settings: dict[str, Any]) -> str:
    if not events:
        return (
            f"No Setup Audit Trail event about users, profiles or permission sets within "
            f"±{settings['audit_match_hours']} h of the change (is the audit trail collected?)."
        )
    first = events[0]
    more = f" ({len(events) - 1} more in the evidence)" if len(events) > 1 else ""
    return (
        f"Setup Audit Trail: {first['actor']} at {first['occurred_at'][:16]} UTC: "
        f"{first['detail']}{more}."
    )


def _last_loss(rows: pd.DataFrame, changed_at: Any) -> pd.Timestamp:
    """The snapshot in which the access was last lost (permission_failures names the same one
    for the gap it leaves), else the last change."""
    lost = [
        row.changed_at
        for row in rows.itertuples(index=False)
        if (_flag(row.was_readable) and not _flag(row.readable))
        or (_flag(row.was_editable) and not _flag(row.editable))
    ]
    return pd.Timestamp(max(lost) if lost else changed_at)


def _judge_subject(
    rows: pd.DataFrame, audit: pd.DataFrame, settings: dict[str, Any]
) -> Finding | None:
    """Net change over the window: access before the first change against after the last."""
    first, last = rows.iloc[0], rows.iloc[-1]
    was = (_flag(first["was_readable"]), _flag(first["was_editable"]))
    now = (_flag(last["readable"]), _flag(last["editable"]))
    is_lost = (was[0] and not now[0]) or (was[1] and not now[1])
    is_gained = (now[0] and not was[0]) or (now[1] and not was[1])
    if not is_lost and not (is_gained and settings["report_gains"]):
        return None
    object_name, field = str(last["object"]), str(last["field"])
    subject = _subject(object_name, field)
    changed_at = last["changed_at"]
    events = _matching_events(audit, list(rows["changed_at"]), object_name, field, settings)
    if is_lost:
        lost = "read" if was[0] and not now[0] else "edit"
        severity, title = "critical", f"The sync user lost {lost} access to {subject}"
    else:
        severity, title = "info", f"The sync user gained access to {subject}"
    change = (
        f"The sync user's access to {subject} went from {_access(*was)} to {_access(*now)} "
        f"(permission snapshot of {changed_at:%Y-%m-%d %H:%M} UTC)."
    )
    return Finding(
        check=ID,
        subject=subject,
        severity=severity,
        title=title,
        detail=" ".join([change, _audit_text(events, settings)] + ([FIX] if is_lost else [])),
        owner=OWNER,
        evidence={
            "object": object_name,
            "field": field,
            "was_readable": was[0],
            "was_editable": was[1],
            "readable": now[0],
            "editable": now[1],
            "changed_at": str(changed_at),
            "previous_snapshot_at": str(first["previous_at"]),
            "changes": len(rows),
            "audit_events": events,
            "cause_key": cause_key("access_change", _last_loss(rows, changed_at)),
        },
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per Object.Field (or Object) whose access was lost (or gained) in the window."""
    if not len(data["permissions"]):
        return [NotEvaluated(ID, "permissions", "no permission snapshot of the sync user yet")]
    audit = data["audit"]
    sections = tuple(s.lower() for s in settings["audit_sections"])
    if len(audit):
        pairs = zip(audit["section"], audit["detail"], strict=True)
        audit = audit[[_is_about_access(s, d, sections) for s, d in pairs]]
    results: list[Finding | NotEvaluated] = []
    changes = data["changes"]
    for _, rows in changes.groupby(["object", "field"], sort=True):
        finding = _judge_subject(rows.sort_values("changed_at"), audit, settings)
        if finding is not None:
            results.append(finding)
    return results
