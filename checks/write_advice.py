"""Permission-class sync errors that no grant can fix, and the advice that does.

Salesforce answers INVALID_FIELD_FOR_INSERT_UPDATE for any field the writer may not set, and
its message says "check the security settings" whatever the field. For system and audit
fields (CreatedDate, SystemModstamp, IsDeleted ...: `updateable` and `createable` are false even
for an admin's describe, fixtures/real/salesforce/sobject_describe_lead_v59.json) and formula
fields (`calculated`), no field-level security can make them editable: Marketo must stop writing
them. INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY is about a record the written one points
to (its owner, account, parent), never object CRUD; on a Contact update it is Marketo's
documented limitation: it cannot change a Contact's owner (Adobe's Marketo Whisperer, "Salesforce
Sync Deep Dive Part 1", fixtures/real/marketo/contact_owner_change_limitation_blog.md).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

CROSS_REFERENCE = "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY"
READ_ONLY_CODES = frozenset({"INVALID_FIELD_FOR_INSERT_UPDATE", "INSUFFICIENT_ACCESS_OR_READONLY"})
# Fields Salesforce sets itself on every object: audit fields, the id, deletion and merge
# markers, activity and view dates; on Lead the conversion results (set only by convertLead).
SYSTEM_FIELDS = frozenset(
    {
        "Id",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
        "MasterRecordId",
        "IsConverted",
        "ConvertedDate",
        "ConvertedAccountId",
        "ConvertedContactId",
        "ConvertedOpportunityId",
    }
)
SYSTEM = "system"
FORMULA = "formula"


def field_kinds(fields: pd.DataFrame) -> dict[str, str]:
    """Object.Field -> 'formula' for the calculated fields of the latest describes. (A describe
    is taken as the sync user: `updateable` false may only mean a missing grant, so it never
    makes a field 'system'; SYSTEM_FIELDS does.)"""
    if not len(fields):
        return {}
    formula = fields[fields["calculated"].fillna(False).astype(bool)]
    return {f"{o}.{f}": FORMULA for o, f in zip(formula["object"], formula["field"], strict=True)}


def kind_of(object_name: str, field: str, kinds: dict[str, str]) -> str | None:
    """'formula', 'system' or None (a field a grant can open)."""
    if not field:
        return None
    return kinds.get(f"{object_name}.{field}") or (SYSTEM if field in SYSTEM_FIELDS else None)


def is_read_only_failure(codes: str, object_name: str, field: str, kinds: dict[str, str]) -> bool:
    """An error on a field no grant can make editable."""
    named = {code.strip() for code in (codes or "").split(",")}
    return bool(named & READ_ONLY_CODES) and kind_of(object_name, field, kinds) is not None


def read_only_advice(object_name: str, by_kind: dict[str, Iterable[str]]) -> str:
    """What the Marketo admin does about writes to fields Salesforce never lets anyone edit."""
    parts = []
    system = sorted(by_kind.get(SYSTEM, ()))
    formula = sorted(by_kind.get(FORMULA, ()))
    if system:
        parts.append(
            f"{', '.join(system)} {'is a' if len(system) == 1 else 'are'} system/audit "
            f"field{'s' if len(system) > 1 else ''} Salesforce sets itself"
        )
    if formula:
        parts.append(
            f"{', '.join(formula)} {'is a' if len(formula) == 1 else 'are'} formula "
            f"field{'s' if len(formula) > 1 else ''} Salesforce computes"
        )
    return (
        f"Stop writing these {object_name} fields from Marketo: {'; '.join(parts)}, so no "
        "field-level security can make them editable. Find what sets them (a Change Data Value "
        "flow step, a form or list import mapped to them, an API integration writing the "
        "person) and remove them there."
    )


def cross_reference_advice(object_name: str, is_push: bool) -> tuple[str, bool]:
    """(advice, is_marketo_limitation) for an INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY."""
    if object_name == "Contact" and is_push:
        return (
            "Marketo cannot change a Contact's owner: Salesforce refuses the update with "
            "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY, and no grant changes that. Limit "
            "Change Owner and Sync Person to SFDC with an owner to leads (filter on SFDC Type "
            "= Lead), and reassign contacts in Salesforce.",
            True,
        )
    return (
        f"The sync user may not see a record this {object_name or 'record'} points to (its "
        "owner, account, campaign or parent record): give it sharing access to those records "
        "(a sharing rule, or View All on the referenced object), not object permissions.",
        False,
    )
