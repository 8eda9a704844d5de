"""What changed in a synced object's schema between two describe snapshots, and what Marketo
does about each kind of change (the words schema_drift's findings use).

Marketo's behaviour is from its Field Sync documentation (a type change deletes the values that
no longer fit, an API name change creates a new field, a new picklist value is announced), its
Nation knowledge base (fields the sync user must see) and Salesforce's describe semantics
(required on create: not nillable, not defaulted on create); sources in
tests/fixtures/real/SOURCES.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from checks.base import Finding


class Words(NamedTuple):
    severity: str
    title: str
    consequence: str
    fix: str


WORDS = {
    "type_changed": Words(
        "critical",
        "{subject} changed type: Marketo will delete the values that no longer fit",
        "at the next sync Marketo changes its field to the new type and deletes every value "
        "that does not fit it; the deleted values cannot be restored from Marketo.",
        "export the field's values from Marketo now (or revert the type in Salesforce), and "
        "re-import them after Marketo has taken the new type.",
    ),
    "renamed": Words(
        "critical",
        "{subject} was renamed to {new}: Marketo will create a new field",
        "Marketo creates a new field for the new API name and leaves the old one, with its "
        "values, history and every smart list, form and token using it, orphaned.",
        "revert the API name, or ask Marketo Support to remap the old Marketo field to the new "
        "API name before data lands in the new field.",
    ),
    "removed": Words(
        "warning",
        "{subject} vanished from the sync user's view: its sync has stopped",
        "Marketo stops syncing the field without an error; its values in Marketo go stale "
        "and campaigns that rely on them quietly misfire.",
        "restore the field (Setup > Object Manager > Object > Fields & Relationships > Deleted "
        "Fields) or its field-level security for the sync user, or retire it in Marketo on "
        "purpose.",
    ),
    "required_added": Words(
        "critical",
        "{subject} became required: inserts from Marketo without it will fail",
        "every lead or contact Marketo creates in Salesforce without a value for the field is "
        "rejected (REQUIRED_FIELD_MISSING) and stays out of Salesforce.",
        "give the field a default value, or grant the sync user edit on it and make sure "
        "Marketo fills it on every record it creates.",
    ),
    "required_hidden": Words(
        "critical",
        "{subject} became required but the sync user cannot see it: every insert will fail",
        "every record Marketo creates in Salesforce is rejected (REQUIRED_FIELD_MISSING), "
        "because the sync user cannot fill a field it cannot see.",
        "give the field a default value, or grant the sync user read and edit on it "
        "(field-level security) and fill it from Marketo.",
    ),
    "picklist_values_removed": Words(
        "warning",
        "{subject} lost picklist values: records holding them will fail to sync",
        "records whose value was removed from this restricted picklist fail when Marketo "
        "writes them back (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST).",
        "map the records holding the removed values to a value that still exists, in "
        "Salesforce and in Marketo (a smart campaign with Change Data Value).",
    ),
    "picklist_values_added": Words(
        "warning",
        "{subject} has new picklist values Marketo does not know yet",
        "Marketo syncs the new values as text, but its forms, smart lists and campaigns "
        "that list the old values do not offer or match them.",
        "add the values to the Marketo forms, smart lists and campaigns that use the field.",
    ),
    "contract_not_visible": Words(
        "critical",
        "{subject} is required for the sync but the sync user cannot see it",
        "Marketo's documentation requires the sync user to see this field; without it the "
        "sync fails records or loses conversions, merges and deletions.",
        "grant the sync user read on the field (field-level security, preferably in the sync "
        "user's permission set).",
    ),
    "contract_not_editable": Words(
        "critical",
        "{subject} is required on create but the sync user cannot edit it",
        "every record Marketo creates in Salesforce is rejected (REQUIRED_FIELD_MISSING).",
        "grant the sync user edit on the field, or give it a default value in Salesforce.",
    ),
}
# Setup Audit Trail actions (prefixes) that make each kind of change; the display texts name
# the field by label ("Changed field type of Lead Score custom field from Text to Number").
AUDIT_ACTIONS = {
    "type_changed": ("changedCFType",),
    "renamed": ("changedCFDevName",),
    "removed": ("deletedCF", "hardDeletedCF", "PermSetFlsChanged", "profileFlsChanged"),
    "required_added": ("changedCFOptionOffOn",),
    "required_hidden": ("changedCFOptionOffOn",),
    "picklist_values_removed": ("deletedPicklist", "deactivatePicklist", "changedPicklist"),
    "picklist_values_added": ("createdPicklist", "activatedPicklist", "changedPicklist"),
    "contract_not_visible": (),
    "contract_not_editable": (),
}
# "The custom field option Required for Lightsaber [on object Character] has changed from off
# to on" (Setup Audit Trail, Custom Fields).
_REQUIRED_ON = re.compile(
    r"option Required for (?P<label>.+?)(?: on object (?P<object>.+?))? has changed from off to on",
    re.IGNORECASE,
)
# "Customize Leads" -> Lead: the section of a standard object's field change.
_SECTION_OBJECTS = {
    "Customize Leads": "Lead",
    "Customize Contacts": "Contact",
    "Customize Accounts": "Account",
    "Customize Opportunities": "Opportunity",
    "Customize Campaigns": "Campaign",
}


@dataclass
class Change:
    object: str
    field: str
    kind: str
    sentence: str
    changed_at: pd.Timestamp
    previous_at: pd.Timestamp
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    new_field: str = ""
    values: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        """How an audit event may name the field: label, API name, API name without __c."""
        names = [self.label, self.field, self.field.removesuffix("__c")]
        return [n for n in names if n]


def _attributes(raw: Any) -> dict[str, Any] | None:
    return json.loads(raw) if isinstance(raw, str) and raw else None


def is_required_on_create(attributes: dict[str, Any]) -> bool:
    """Salesforce requires a value on create: not nillable, no default, not computed; a
    standard field nobody can create (compound Name, system fields) does not count."""
    if not attributes or attributes.get("nillable", True):
        return False
    if attributes.get("defaultedOnCreate") or attributes.get("calculated"):
        return False
    if attributes.get("autoNumber"):
        return False
    return bool(attributes.get("createable") or attributes.get("custom"))


def _active_values(attributes: dict[str, Any]) -> list[str]:
    return [
        str(v.get("value"))
        for v in attributes.get("picklistValues") or []
        if isinstance(v, dict) and v.get("active", True)
    ]


def summary(attributes: dict[str, Any] | None) -> dict[str, Any]:
    """The parts of a describe entry a reader needs to see what changed."""
    if not attributes:
        return {}
    return {
        "type": attributes.get("type"),
        "length": attributes.get("length"),
        "label": attributes.get("label"),
        "required": is_required_on_create(attributes),
        "picklist_values": _active_values(attributes),
    }


def _renames(
    removed: list[pd.Series], added: list[pd.Series], audit: pd.DataFrame
) -> list[tuple[pd.Series, pd.Series]]:
    """(old, new) pairs: same type and label, or an audit event naming both API names."""
    texts = [str(d or "").lower() for d in audit["detail"]] if len(audit) else []
    pairs, taken = [], set()
    for old in removed:
        old_base = str(old["field"]).removesuffix("__c").lower()
        for new in added:
            if new["field"] in taken or new["type"] != old["was_type"]:
                continue
            new_base = str(new["field"]).removesuffix("__c").lower()
            named = any(old_base in t and new_base in t for t in texts)
            if named or (new["label"] or "") == (old["was_label"] or ""):
                pairs.append((old, new))
                taken.add(new["field"])
                break
    return pairs


def _pair_changes(rows: pd.DataFrame, audit: pd.DataFrame, settings: dict[str, Any]) -> list:
    """The changes one pair of snapshots of one object shows."""
    found: list[Change] = []
    first = rows.iloc[0]
    at, before_at, obj = first["changed_at"], first["previous_at"], str(first["object"])
    removed = [r for _, r in rows.iterrows() if _attributes(r["raw"]) is None]
    added = [r for _, r in rows.iterrows() if _attributes(r["was_raw"]) is None]
    renamed = _renames(removed, added, audit)
    renamed_old = {old["field"] for old, _ in renamed}
    renamed_new = {new["field"] for _, new in renamed}

    def change(row: pd.Series, kind: str, sentence: str, **extra: Any) -> Change:
        was, now = _attributes(row["was_raw"]), _attributes(row["raw"])
        return Change(
            obj,
            str(row["field"]),
            kind,
            sentence,
            pd.Timestamp(at),
            pd.Timestamp(before_at),
            summary(was),
            summary(now),
            str(row["was_label"] or row["label"] or ""),
            **extra,
        )

    for old, new in renamed:
        found.append(
            change(
                old,
                "renamed",
                f"The API name of {obj}.{old['field']} ({old['was_label']}) changed to "
                f"{new['field']}",
                new_field=str(new["field"]),
            )
        )
    for _, row in rows.iterrows():
        name = str(row["field"])
        was, now = _attributes(row["was_raw"]), _attributes(row["raw"])
        subject = f"{obj}.{name}"
        if now is None:
            if name not in renamed_old:
                found.append(
                    change(row, "removed", f"{subject} ({row['was_label']}) is no longer visible")
                )
            continue
        if was is None:
            if name not in renamed_new and is_required_on_create(now):
                found.append(
                    change(row, "required_added", f"{subject} was added as a required field")
                )
            continue
        if was.get("type") != now.get("type"):
            found.append(
                change(
                    row,
                    "type_changed",
                    f"The type of {subject} changed from {was.get('type')} to {now.get('type')}",
                )
            )
            continue
        if is_required_on_create(now) and not is_required_on_create(was):
            found.append(change(row, "required_added", f"{subject} became required on create"))
            continue
        gone = [v for v in _active_values(was) if v not in _active_values(now)]
        new_values = [v for v in _active_values(now) if v not in _active_values(was)]
        if gone and now.get("restrictedPicklist"):
            found.append(
                change(
                    row,
                    "picklist_values_removed",
                    f"{subject}, a restricted picklist, no longer offers {', '.join(gone)}",
                    values=gone,
                )
            )
        elif new_values and settings["report_new_picklist_values"]:
            found.append(
                change(
                    row,
                    "picklist_values_added",
                    f"{subject} gained the picklist values {', '.join(new_values)}",
                    values=new_values,
                )
            )
    return found


def _hidden_required(audit: pd.DataFrame, fields: pd.DataFrame, objects: set[str]) -> list[Change]:
    """Fields the audit trail says became required on a synced object, but which the sync
    user's latest describe does not show (it cannot see them)."""
    found = []
    labels = {(r.object, str(r.label or "").lower()) for r in fields.itertuples(index=False)}
    for row in audit.itertuples(index=False):
        match = _REQUIRED_ON.search(str(row.detail or ""))
        if not match:
            continue
        obj = match.group("object") or _SECTION_OBJECTS.get(str(row.section or ""), "")
        label = match.group("label").strip()
        if obj not in objects or (obj, label.lower()) in labels:
            continue
        at = pd.Timestamp(row.occurred_at)
        found.append(
            Change(
                obj,
                label,
                "required_hidden",
                f"{label} on {obj} became required, and the sync user cannot see it",
                at,
                at,
                label=label,
            )
        )
    return found


def changes_in(
    changes: pd.DataFrame, fields: pd.DataFrame, audit: pd.DataFrame, settings: dict[str, Any]
) -> list[Change]:
    """Every change of the window, oldest first (a later change of a field replaces it)."""
    found: list[Change] = []
    if len(changes):
        for _, rows in changes.groupby(["object", "changed_at"], sort=True):
            found += _pair_changes(rows, audit, settings)
    if len(audit):
        found += _hidden_required(audit, fields, set(settings["objects"]))
    return sorted(found, key=lambda c: c.changed_at)


def contract_finding(
    check_id: str, owner: str, obj: str, name: str, attributes: dict[str, Any] | None
) -> Finding:
    """A field of the required-field contract the sync user cannot see (attributes None:
    documented by Marketo) or cannot edit (required on create in Salesforce)."""
    kind = "contract_not_visible" if attributes is None else "contract_not_editable"
    words = WORDS[kind]
    subject = f"{obj}.{name}"
    required_by = (
        "Marketo documentation" if attributes is None else "Salesforce (required on create)"
    )
    sentence = (
        f"Marketo's documentation requires the sync user to see {subject}; the latest describe "
        "made as the sync user does not show it"
        if attributes is None
        else f"Salesforce requires {subject} on create, and the sync user cannot edit it"
    )
    return Finding(
        check=check_id,
        subject=subject,
        severity=words.severity,
        title=words.title.format(subject=subject, new=""),
        detail=f"{sentence}. Marketo: {words.consequence} Fix: {words.fix}",
        owner=owner,
        evidence={
            "object": obj,
            "field": name,
            "kind": kind,
            "change": sentence,
            "after": summary(attributes),
            "consequence": words.consequence,
            "fix": words.fix,
            "required_by": required_by,
        },
    )
