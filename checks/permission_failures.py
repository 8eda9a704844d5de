"""Permission failures: what the sync user cannot read or edit, from failing sync errors and
from its permission snapshot, with the exact grant that fixes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from checks.base import (
    MARKETO_ADMIN,
    SALESFORCE_ADMIN,
    Finding,
    Input,
    NotEvaluated,
    Setting,
    cause_key,
)
from checks.sync_errors import FAILED_RECORDS_EVIDENCE, LOOKBACK_HOURS
from checks.write_advice import (
    CROSS_REFERENCE,
    cross_reference_advice,
    field_kinds,
    is_read_only_failure,
    kind_of,
    read_only_advice,
)

ID = "permission_failures"
TITLE = "Sync user lacks access it needs"
SEVERITY = "critical"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: when the sync user loses read or edit access (a profile change, a permission
set removed, a new field nobody granted), every update that touches the field fails with
INSUFFICIENT_ACCESS_OR_READONLY or INVALID_FIELD_FOR_INSERT_UPDATE. Marketo keeps retrying,
the backlog grows, and Salesforce and Marketo drift apart, usually for days before anyone looks.

How to fix (Salesforce admin): grant exactly what each finding names to the sync user,
preferably in a permission set assigned to it (not the profile, so the next profile change
cannot break it again): Setup > Object Manager > <Object> > Fields & Relationships > <Field> >
Set Field-Level Security, or Setup > Permission Sets > <sync permission set> > Object
Settings. Then ask the Marketo admin to retry the failed records (Admin > Salesforce > Sync
Errors), or wait for the next update of each record.

Some of these errors no grant can fix, and the finding says so and names the Marketo admin:
writes to system and audit fields (CreatedDate, SystemModstamp, IsDeleted ...) and formula
fields, which Salesforce never lets anyone edit (stop writing them from Marketo), and
INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY on a Contact update: Marketo cannot change a
Contact's owner (limit owner changes to leads). The same error on other objects is about a
record the written one points to: the Salesforce admin gives sharing access to it.
"""
# Lead fields the sync user must see for conversions, merges, deletes and ownership to sync
# (docs/research/data-sources.md: Adobe's requirements and the Nation knowledge base).
REQUIRED_LEAD_FIELDS = [
    f"Lead.{name}"
    for name in (
        "IsConverted",
        "ConvertedDate",
        "ConvertedAccountId",
        "ConvertedContactId",
        "ConvertedOpportunityId",
        "Status",
        "OwnerId",
        "IsDeleted",
        "MasterRecordId",
        "SystemModstamp",
        "CreatedDate",
        "Name",
        "Email",
        "Company",
    )
]
SETTINGS = [
    LOOKBACK_HOURS,
    Setting("min_errors", 1, "Errors on one object/field needed before it becomes a finding."),
    Setting(
        "critical_records",
        10,
        "Distinct failing records on one object/field that make the finding critical.",
    ),
    Setting(
        "objects",
        ["Lead", "Contact", "Account", "Opportunity", "Campaign"],
        "Synced objects the sync user must be able to read.",
    ),
    Setting(
        "write_objects",
        ["Lead", "Contact"],
        "Objects the sync writes to; readable-but-not-editable fields there are flagged.",
    ),
    Setting(
        "edit_objects",
        ["Lead", "Contact", "Account", "Opportunity", "Campaign", "Task", "Event"],
        "Objects the sync user must be able to edit (Adobe's documented requirements).",
    ),
    Setting(
        "required_fields",
        [*REQUIRED_LEAD_FIELDS, "Account.Type"],
        "Fields (Object.Field) the sync user must see; flagged when a describe lacks them.",
    ),
    Setting(
        "required_editable_fields",
        ["Account.Type"],
        "Fields (Object.Field) the sync user must be able to edit, whatever the object.",
    ),
]
INPUTS = {
    "errors": Input("permission_errors_by_field", "lookback_hours", anchor="sync_errors"),
    "permissions": Input("permissions_latest"),
    "fields": Input("field_inventory_latest"),
    "access_lost": Input("access_lost_latest"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "field": "the field ('' for the object itself)",
    "errors": "permission errors in the lookback",
    "codes": "error codes seen",
    "permission_snapshot": (
        "the sync user's access in the latest snapshot: readable, editable, captured_at"
    ),
    "required": "true when the sync needs the field and the sync user cannot see it",
    "grant": "the exact grant that fixes it, in Salesforce's words",
    "needs": (
        "the access the grant gives: 'read' or 'edit' (on an object, edit means Read, Create "
        "and Edit): what a permission-set fix package grants"
    ),
    "advice": "what to do when no grant fixes it (read-only fields, cross-reference errors)",
    "fields": "read-only fields written, by kind: system (audit fields) or formula",
    "access_lost_at": "the permission snapshot in which the sync user lost this access (UTC)",
    "cause_key": (
        "access_change:<access_lost_at>, when the access was lost in a snapshot change: the "
        "failures belong to that change (one incident with sync_user_drift's findings)"
    ),
    **FAILED_RECORDS_EVIDENCE,
}


def grant_for(object_name: str, field: str, needs_edit: bool) -> str:
    """The exact grant that fixes the gap, in Salesforce's own words."""
    if not field:
        access = "Read, Create and Edit" if needs_edit else "Read"
        return (
            f"Grant {access} on the {object_name} object to the sync user "
            f"(Setup > Permission Sets > sync user's permission set > Object Settings > "
            f"{object_name})."
        )
    access = "Read and Edit (Visible, not Read-Only)" if needs_edit else "Read (Visible)"
    return (
        f"Grant {access} field-level security on {object_name}.{field} to the sync user "
        f"(Setup > Object Manager > {object_name} > Fields & Relationships > {field} > "
        "Set Field-Level Security)."
    )


def _needs(needs_edit: bool) -> str:
    return "edit" if needs_edit else "read"


def _as_list(values: Any) -> list:
    """A list column's cell as a list: NULL (no sample ids at all) is an empty list."""
    if values is None or (not hasattr(values, "__iter__") and pd.isna(values)):
        return []
    return list(values)


def _errors_evidence(row: Any) -> dict[str, Any]:
    """What an error row's failures put into a finding's evidence (either kind of finding)."""
    return {
        "errors": int(row.errors),
        "records": int(row.records),
        "codes": row.codes,
        "first_seen": str(row.first_seen),
        "last_seen": str(row.last_seen),
        "sample_record_ids": [str(i) for i in _as_list(row.sample_ids)],
    }


def _granted_since(
    permissions: pd.DataFrame, object_name: str, field: str, needs_edit: bool, since: Any
) -> bool:
    """True when a permission snapshot taken after the last error grants the access the errors
    lacked: the problem is fixed, whatever the errors' window still holds."""
    if not len(permissions) or pd.isna(since):
        return False
    match = permissions[(permissions["object"] == object_name) & (permissions["field"] == field)]
    if not len(match):
        return False
    row = match.iloc[0]
    granted = bool(row["readable"]) and (bool(row["editable"]) or not needs_edit)
    return granted and pd.Timestamp(row["captured_at"]) > pd.Timestamp(since)


def _subject(object_name: str, field: str) -> str:
    name = object_name or "(unknown object)"
    return f"{name}.{field}" if field else name


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """Findings from failing errors and from snapshot gaps, merged per Object.Field."""
    found: dict[str, Finding] = {}
    write_objects = set(settings["write_objects"])
    permissions = data["permissions"]
    kinds = field_kinds(data["fields"])
    read_only: dict[str, list] = {}

    for row in data["errors"].itertuples(index=False):
        if row.errors < settings["min_errors"]:
            continue
        if is_read_only_failure(row.codes, row.object, row.field, kinds):
            read_only.setdefault(row.object, []).append(row)
            continue
        if not row.field and CROSS_REFERENCE in (row.codes or ""):
            finding = _cross_reference(row, settings)
            found[finding.subject] = finding
            continue
        subject = _subject(row.object, row.field)
        needs_edit = row.object in write_objects or not row.field
        if _granted_since(permissions, row.object, row.field, needs_edit, row.last_seen):
            continue
        severity = "critical" if row.records >= settings["critical_records"] else "warning"
        found[subject] = Finding(
            check=ID,
            subject=subject,
            severity=severity,
            title=f"Sync updates to {subject} fail: the sync user lacks access",
            detail=(
                f"{row.errors} sync errors ({row.codes}) on {row.records} records in the last "
                f"{settings['lookback_hours']} h. {grant_for(row.object, row.field, needs_edit)}"
            ),
            owner=OWNER,
            evidence={
                "object": row.object,
                "field": row.field,
                **_errors_evidence(row),
                "grant": grant_for(row.object, row.field, needs_edit),
                "needs": _needs(needs_edit),
            },
        )

    for object_name, rows in read_only.items():
        finding = _read_only(object_name, rows, kinds, settings)
        found[finding.subject] = finding

    results: list[Finding | NotEvaluated] = []
    if not len(permissions):
        results.append(
            NotEvaluated(ID, "permissions", "no permission snapshot of the sync user yet")
        )
    calculated = set()
    fields = data["fields"]
    if len(fields):
        formula_rows = fields[fields["calculated"].astype(bool)]
        calculated = {
            f"{o}.{f}" for o, f in zip(formula_rows["object"], formula_rows["field"], strict=True)
        }
    for row in permissions.itertuples(index=False):
        subject = _subject(row.object, row.field)
        edit_objects = settings["edit_objects"]
        if (
            not row.field
            and row.object in (*settings["objects"], *edit_objects)
            and (not row.readable)
        ):
            gap = "cannot read the object"
            needs_edit = row.object in write_objects or row.object in edit_objects
        elif not row.field and row.object in edit_objects and not row.editable:
            gap = "can read but not edit the object"
            needs_edit = True
        elif (
            row.field
            and (row.object in write_objects or subject in settings["required_editable_fields"])
            and row.readable
            and not row.editable
        ):
            if subject in calculated or kind_of(row.object, row.field, kinds):
                continue  # formula and system fields can never be edited: no grant to ask for
            gap = "can read but not edit the field"
            needs_edit = True
        else:
            continue
        grant = grant_for(row.object, row.field, needs_edit)
        evidence = {
            "permission_snapshot": {
                "readable": bool(row.readable),
                "editable": bool(row.editable),
                "captured_at": str(row.captured_at),
            },
            "grant": grant,
            "needs": _needs(needs_edit),
        }
        if subject in found:
            found[subject].evidence.update(evidence)
            continue
        found[subject] = Finding(
            check=ID,
            subject=subject,
            severity="warning",
            title=f"The sync user {gap}: {subject}",
            detail=f"The sync user's permissions show it {gap} {subject}. {grant}",
            owner=OWNER,
            evidence={"object": row.object, "field": row.field, **evidence},
        )
    for subject in _invisible_required_fields(fields, settings["required_fields"]):
        if subject in found:
            continue
        object_name, field = subject.split(".", 1)
        needs_edit = subject in settings["required_editable_fields"]
        grant = grant_for(object_name, field, needs_edit)
        found[subject] = Finding(
            check=ID,
            subject=subject,
            severity="warning",
            title=f"The sync user cannot see a field the sync needs: {subject}",
            detail=(
                f"{subject} is missing from the describe of {object_name} as the sync user sees "
                f"it, and the Marketo sync needs it. {grant}"
            ),
            owner=OWNER,
            evidence={
                "object": object_name,
                "field": field,
                "required": True,
                "grant": grant,
                "needs": _needs(needs_edit),
            },
        )
    _link_to_access_change(found, data.get("access_lost"))
    return results + list(found.values())


def _severity(records: int, settings: dict[str, Any]) -> str:
    return "critical" if records >= settings["critical_records"] else "warning"


def _read_only(
    object_name: str, rows: list, kinds: dict[str, str], settings: dict[str, Any]
) -> Finding:
    """One finding per object for writes to fields no one may edit (not one per field)."""
    by_kind: dict[str, list[str]] = {}
    for row in rows:
        by_kind.setdefault(kind_of(row.object, row.field, kinds) or "system", []).append(row.field)
    advice = read_only_advice(object_name or "(unknown object)", by_kind)
    names = sorted(row.field for row in rows)
    records = max(int(row.records) for row in rows)  # one record often names several fields
    errors = max(int(row.errors) for row in rows)
    subject = f"{object_name or '(unknown object)'}: read-only fields"
    codes = ", ".join(sorted({c.strip() for row in rows for c in row.codes.split(",")}))
    samples = sorted({str(i) for row in rows for i in _as_list(row.sample_ids)})[:5]
    return Finding(
        check=ID,
        subject=subject,
        severity=_severity(records, settings),
        title=f"Marketo writes {object_name} fields no one may edit: {', '.join(names)}",
        detail=(
            f"{errors} sync errors ({codes}) on {records} records in the last "
            f"{settings['lookback_hours']} h. {advice}"
        ),
        owner=MARKETO_ADMIN,
        evidence={
            "object": object_name,
            "field": "",
            "fields": {kind: sorted(fields) for kind, fields in sorted(by_kind.items())},
            "errors": errors,
            "records": records,
            "codes": codes,
            "first_seen": str(min(row.first_seen for row in rows)),
            "last_seen": str(max(row.last_seen for row in rows)),
            "sample_record_ids": samples,
            "advice": advice,
        },
    )


def _cross_reference(row: Any, settings: dict[str, Any]) -> Finding:
    """INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: Marketo's Contact-owner limitation, or
    sharing on a referenced record; never object CRUD."""
    advice, is_limitation = cross_reference_advice(row.object, bool(row.is_push))
    name = row.object or "(unknown object)"
    subject = f"{name}: owner change" if is_limitation else f"{name}: referenced records"
    title = (
        "Marketo tries to change Contact owners, which it cannot do"
        if is_limitation
        else f"Sync updates to {name} fail: the sync user cannot see a record it references"
    )
    return Finding(
        check=ID,
        subject=subject,
        severity=_severity(int(row.records), settings),
        title=title,
        detail=(
            f"{row.errors} sync errors ({row.codes}) on {row.records} records in the last "
            f"{settings['lookback_hours']} h. {advice}"
        ),
        owner=MARKETO_ADMIN if is_limitation else SALESFORCE_ADMIN,
        evidence={
            "object": row.object,
            "field": "",
            **_errors_evidence(row),
            "advice": advice,
        },
    )


def _link_to_access_change(found: dict[str, Finding], lost: pd.DataFrame | None) -> None:
    """A gap the sync user did not always have belongs to the snapshot change that opened it
    (its field's, else its object's): sync_user_drift names that change with the same key."""
    if lost is None or not len(lost):
        return
    rows = zip(lost["object"], lost["field"], lost["lost_at"], strict=True)
    lost_at = {(obj, field): when for obj, field, when in rows}
    for finding in found.values():
        obj, field = finding.evidence["object"], finding.evidence["field"]
        when = lost_at.get((obj, field), lost_at.get((obj, "")))
        if when is not None and not pd.isna(when):
            finding.evidence["access_lost_at"] = str(pd.Timestamp(when))
            finding.evidence["cause_key"] = cause_key("access_change", pd.Timestamp(when))


def _invisible_required_fields(fields: pd.DataFrame, required: list[str]) -> list[str]:
    """Required Object.Field names absent from the latest describe of their object (objects
    never described are not judged)."""
    if not len(fields):
        return []
    visible = {f"{o}.{f}" for o, f in zip(fields["object"], fields["field"], strict=True)}
    described = set(fields["object"])
    return [name for name in required if name.split(".", 1)[0] in described and name not in visible]
