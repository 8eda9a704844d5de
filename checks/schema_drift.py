"""Schema drift: a Salesforce schema change on a synced object that Marketo will act on
irreversibly at its next sync (a type change, a renamed API name, a field that vanished, a new
required field, changed picklist values), from consecutive describe snapshots, with the Setup
Audit Trail event that caused it; plus the required-field contract of the latest describe."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks import schema_changes as changes_of
from checks.base import SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting, cause_key
from checks.schema_changes import Change

ID = "schema_drift"
TITLE = "Salesforce schema change Marketo will act on"
SEVERITY = "critical"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: Marketo copies the Salesforce schema of synced objects, and some of what it
does next cannot be undone. Changing a synced field's type makes Marketo delete the values
that no longer fit the new type; renaming a field's API name makes Marketo create a new field
and leave the old one, with its history, orphaned; a field deleted or hidden from the sync user
silently stops syncing; a new required field the sync user cannot fill makes every insert from
Marketo fail; a picklist value removed from a restricted picklist makes every record still
holding it fail to sync. This check compares consecutive describe snapshots of the synced
objects (taken hourly, as the sync user sees them), names the Setup Audit Trail event that
made each change (who, when), says what Marketo will do, and what to do before the next sync
cycle. It also checks the required-field contract of the latest describe: the fields Marketo's
documentation lists as required visible for the sync, and every field Salesforce reports as
required on create (not nillable, no default, createable), against what the sync user can see
and edit.

How to fix (Salesforce admin): act before the next sync cycle (Marketo syncs every five
minutes): for a type change, export the field's values from Marketo first (or revert the
type) so that nothing is lost; for a rename, revert the API name, or ask Marketo Support to
remap the old Marketo field to the new one before data lands in the new field; for a field
that vanished, restore it (Setup > Object Manager > <Object> > Fields & Relationships >
Deleted Fields) or its field-level security for the sync user; for a new required field, give
it a default value or grant the sync user edit on it and fill it from Marketo; for a removed
picklist value, map the records holding it to a value that still exists.
"""
# Fields Marketo's documentation lists as required visible to the sync user, per object
# (Marketo Nation KB "SFDC required fields for SFDC sync"; tests/fixtures/real/SOURCES.md).
# Lead's list is permission_failures' `required_fields`, so it is not repeated here.
# Contact and Account both list these standard fields of an owned, mergeable record, in this
# order (the documentation's order, kept so that findings and settings read as before).
_OWNED_RECORD_FIELDS = [
    "OwnerId",
    "IsDeleted",
    "MasterRecordId",
    "Id",
    "SystemModstamp",
    "CreatedDate",
]
DOCUMENTED_FIELDS = {
    "Contact": ["AccountId", *_OWNED_RECORD_FIELDS, "Name", "Email"],
    "Account": [*_OWNED_RECORD_FIELDS, "ParentId", "Name"],
    "Opportunity": [
        "Id",
        "IsDeleted",
        "SystemModstamp",
        "AccountId",
        "CampaignId",
        "CreatedDate",
        "IsClosed",
        "IsPrivate",
        "IsWon",
        "Name",
        "OwnerId",
        "Probability",
        "StageName",
    ],
}
SETTINGS = [
    Setting(
        "objects",
        ["Lead", "Contact", "Account", "Opportunity", "Campaign"],
        "Synced objects whose schema changes are guarded.",
    ),
    Setting(
        "lookback_days",
        7,
        "Days a schema change stays reported after the describe snapshot that shows it.",
    ),
    Setting(
        "audit_match_hours",
        2,
        "Setup Audit Trail events this many hours before the previous snapshot up to this many "
        "after the changed one may have caused the change.",
    ),
    Setting(
        "report_new_picklist_values",
        True,
        "Report picklist values added in Salesforce (warning): Marketo's forms, lists and "
        "campaigns do not know them yet.",
    ),
    Setting(
        "documented_fields",
        DOCUMENTED_FIELDS,
        "Per object, the fields Marketo's documentation requires the sync user to see "
        "(Lead's are permission_failures' required_fields).",
    ),
    Setting(
        "ignore_fields",
        [],
        "Fields (Object.Field) whose schema changes are accepted on purpose; never reported.",
    ),
]
ANCHOR = "snapshots"
INPUTS = {
    "changes": Input("schema_drift_changes", anchor="snapshots", training_days="lookback_days"),
    "fields": Input("schema_fields_latest", anchor="snapshots"),
    "permissions": Input("permissions_latest"),
    # As of the newest audit event: a field made required that the sync user cannot see shows
    # in the audit trail only, possibly after the last describe snapshot.
    "audit": Input(
        "sync_user_drift_audit",
        anchor="audit_events",
        training_days="lookback_days",
        lookback_hours="audit_match_hours",
    ),
}
EVIDENCE = {
    "object": "the Salesforce object",
    "field": "the field's API name (before a rename)",
    "kind": (
        "type_changed | renamed | removed | required_added | required_hidden | "
        "picklist_values_removed | picklist_values_added | contract_not_visible | "
        "contract_not_editable"
    ),
    "change": "what changed, in one sentence",
    "before": "the field before the change: type, length, label, required, picklist values",
    "after": "the field after the change (empty when it vanished)",
    "new_field": "the new API name of a renamed field",
    "values": "picklist values added or removed",
    "changed_at": "the describe snapshot that shows the change (UTC)",
    "previous_snapshot_at": "the describe snapshot before it (UTC)",
    "audit_event": "the Setup Audit Trail event that made the change: actor, action, detail, "
    "occurred_at (none when no event names the field)",
    "consequence": "what Marketo does about it, in one sentence",
    "fix": "what to do before the next sync cycle",
    "required_by": "for contract findings: 'Marketo documentation' or 'Salesforce (required "
    "on create)'",
    "cause_key": "schema_change:<object>|<snapshot time>: every change one describe snapshot "
    "shows on one object is one change (one incident)",
}


def _attributes(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, str) or not raw:
        return None
    return json.loads(raw)


def _audit_text(event: dict[str, Any] | None) -> str:
    if event is None:
        return "No Setup Audit Trail event names this field (is the audit trail collected?)."
    return (
        f"Setup Audit Trail: {event['actor']} at {event['occurred_at'][:16]} UTC: "
        f"{event['detail']}."
    )


def _matching_event(
    audit: pd.DataFrame, change: Change, settings: dict[str, Any]
) -> dict[str, Any] | None:
    """The audit event between the two snapshots (widened by the margin) that names the field
    (label or API name) with an action of the change's kind; else one that names the field."""
    if not len(audit):
        return None
    margin = timedelta(hours=settings["audit_match_hours"])
    start, end = change.previous_at - margin, change.changed_at + margin
    near = audit[(audit["occurred_at"] >= start) & (audit["occurred_at"] <= end)]
    ranked = []
    for row in near.itertuples(index=False):
        text = f"{row.detail or ''}".lower()
        if not any(name and name.lower() in text for name in change.names()):
            continue
        is_kind = str(row.action or "").startswith(changes_of.AUDIT_ACTIONS[change.kind])
        ranked.append((not is_kind, abs(row.occurred_at - change.changed_at), row))
    if not ranked:
        return None
    ranked.sort(key=lambda item: item[:2])
    row = ranked[0][2]
    return {
        "actor": row.actor,
        "action": row.action,
        "section": row.section,
        "detail": row.detail,
        "occurred_at": str(row.occurred_at),
    }


def _drift_finding(change: Change, audit: pd.DataFrame, settings: dict[str, Any]) -> Finding:
    event = _matching_event(audit, change, settings)
    words = changes_of.WORDS[change.kind]
    subject = f"{change.object}.{change.field}"
    title = words.title.format(subject=subject, new=change.new_field)
    detail = " ".join(
        [
            f"{change.sentence} (describe snapshot of {change.changed_at:%Y-%m-%d %H:%M} UTC).",
            _audit_text(event),
            f"Marketo: {words.consequence}",
            f"Before the next sync: {words.fix}",
        ]
    )
    return Finding(
        check=ID,
        subject=subject,
        severity=words.severity,
        title=title,
        detail=detail,
        owner=OWNER,
        evidence={
            "object": change.object,
            "field": change.field,
            "kind": change.kind,
            "change": change.sentence,
            "before": change.before,
            "after": change.after,
            "new_field": change.new_field,
            "values": change.values,
            "changed_at": str(change.changed_at),
            "previous_snapshot_at": str(change.previous_at),
            "audit_event": event,
            "consequence": words.consequence,
            "fix": words.fix,
            "cause_key": cause_key("schema_change", change.object, change.changed_at),
        },
    )


def _contract_findings(
    fields: pd.DataFrame, permissions: pd.DataFrame, settings: dict[str, Any]
) -> list[Finding]:
    """Documented fields the sync user cannot see; fields required on create it cannot edit."""
    found = []
    objects = set(settings["objects"])
    visible = {(row.object, row.field) for row in fields.itertuples(index=False)}
    described = {row.object for row in fields.itertuples(index=False)}
    for object_name, names in sorted(settings["documented_fields"].items()):
        if object_name not in objects or object_name not in described:
            continue
        for name in names:
            if (object_name, name) not in visible:
                found.append(changes_of.contract_finding(ID, OWNER, object_name, name, None))
    editable = {
        (row.object, row.field): bool(row.editable)
        for row in permissions.itertuples(index=False)
        if row.field
    }
    for row in fields.itertuples(index=False):
        if row.object not in objects:
            continue
        attributes = _attributes(row.raw) or {}
        if not changes_of.is_required_on_create(attributes):
            continue
        # A field listed in the permission snapshot without edit, or not createable in the
        # describe made as the sync user, cannot be filled by the sync.
        can_edit = editable.get((row.object, row.field), bool(row.createable))
        if not can_edit or not row.createable:
            found.append(changes_of.contract_finding(ID, OWNER, row.object, row.field, attributes))
    return found


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per synced field a recent schema change or the required-field contract
    puts at risk; a change wins over a contract finding on the same field."""
    fields = data["fields"]
    if not len(fields):
        return [NotEvaluated(ID, "describe", "no describe snapshot of a synced object yet")]
    ignored = set(settings["ignore_fields"])
    objects = set(settings["objects"])
    results: dict[str, Finding] = {}
    for finding in _contract_findings(fields, data["permissions"], settings):
        results[finding.subject] = finding
    audit = data["audit"]
    changes = data["changes"]
    changes = changes[changes["object"].isin(objects)] if len(changes) else changes
    found = changes_of.changes_in(changes, fields, audit, settings)
    for change in found:
        finding = _drift_finding(change, audit, settings)
        results[finding.subject] = finding
    return [results[s] for s in sorted(results) if s not in ignored]
