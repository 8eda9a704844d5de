"""The fix package for the sync user's missing access: a Salesforce permission set (Metadata API
source format, deployable with `sf project deploy start`) that grants exactly what the open
permission_failures findings ask for, the same grants as a click path, and who removed the
access when (from the Setup Audit Trail events sync_user_drift attached to the change).

Element names and order follow Salesforce's PermissionSet metadata type (fields sorted by name,
as a retrieve writes them: tests/fixtures/real/salesforce/dreamhouse.permissionset-meta.xml).
Never a grant Salesforce cannot give: system/audit fields and formula fields are left out
(checks/write_advice.py knows which they are).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pandas as pd

from checks.write_advice import field_kinds, kind_of

NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
NAME = "Marketo_Sync_User_Access_Fix"
LABEL = "Marketo sync user access fix"
UNKNOWN_CONTAINER = "The sync user's profile or permission sets (not named by the audit trail)"
# "... on profile Marketo Sync User", "Changed profile Marketo Sync User: ...", "permission
# set Marketo Sync: ...": the profile or permission set an audit trail line changed.
CONTAINER = re.compile(r"\b(profile|permission set)\s+(.+?)\s*(?::|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Grant:
    """One access to give: on an object (field '') or a field; edit implies read."""

    object: str
    field: str
    edit: bool

    @property
    def subject(self) -> str:
        return f"{self.object}.{self.field}" if self.field else self.object


def grants(checklist: pd.DataFrame, fields: pd.DataFrame) -> list[Grant]:
    """The grants a permission set can give for the checklist's rows (queries/
    permission_checklist.sql): rows with a grant, minus system and formula fields; sorted."""
    kinds = field_kinds(fields)
    found: dict[tuple[str, str], Grant] = {}
    for row in checklist.itertuples(index=False):
        if not row.grant or not row.object or kind_of(row.object, row.field, kinds):
            continue
        key = (row.object, row.field)
        edit = row.needs == "edit" or (key in found and found[key].edit)
        found[key] = Grant(row.object, row.field, edit)
    return [found[key] for key in sorted(found)]


def _element(name: str, children: list[tuple[str, str]], indent: str = "    ") -> str:
    inner = "".join(f"{indent * 2}<{tag}>{escape(text)}</{tag}>\n" for tag, text in children)
    return f"{indent}<{name}>\n{inner}{indent}</{name}>\n"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def permission_set_xml(chosen: list[Grant], *, label: str = LABEL, description: str = "") -> str:
    """The permission set granting exactly `chosen`: on an object, Read (and Create and Edit
    when edit is needed), never Delete, View All or Modify All; on a field, Read (and Edit)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<PermissionSet xmlns="{NAMESPACE}">\n']
    if description:
        parts.append(f"    <description>{escape(description[:255])}</description>\n")
    for grant in (g for g in chosen if g.field):
        parts.append(
            _element(
                "fieldPermissions",
                [
                    ("editable", _flag(grant.edit)),
                    ("field", grant.subject),
                    ("readable", "true"),
                ],
            )
        )
    parts.append(f"    <label>{escape(label[:80])}</label>\n")
    for grant in (g for g in chosen if not g.field):
        parts.append(
            _element(
                "objectPermissions",
                [
                    ("allowCreate", _flag(grant.edit)),
                    ("allowDelete", "false"),
                    ("allowEdit", _flag(grant.edit)),
                    ("allowRead", "true"),
                    ("modifyAllRecords", "false"),
                    ("object", grant.object),
                    ("viewAllRecords", "false"),
                ],
            )
        )
    parts.append("</PermissionSet>\n")
    return "".join(parts)


def file_name(name: str = NAME) -> str:
    """Where the file goes in a Salesforce DX project: force-app/main/default/permissionsets/."""
    return f"{name}.permissionset-meta.xml"


def deploy_command(name: str = NAME) -> str:
    return f"sf project deploy start --metadata PermissionSet:{name}"


def click_path(chosen: list[Grant], label: str = LABEL) -> list[str]:
    """The same grants by hand, one step a line (Salesforce Setup's own words)."""
    steps = [
        f"Setup > Permission Sets > New: Label '{label}', License: the sync user's license "
        "(usually Salesforce) > Save.",
    ]
    for grant in (g for g in chosen if not g.field):
        access = "Read, Create and Edit" if grant.edit else "Read"
        steps.append(f"Object Settings > {grant.object} > Edit: tick {access} > Save.")
    for grant in (g for g in chosen if g.field):
        access = "Read and Edit" if grant.edit else "Read"
        steps.append(
            f"Object Settings > {grant.object} > Edit: under Field Permissions tick {access} "
            f"for {grant.field} > Save."
        )
    steps.append("Manage Assignments > Add Assignment: the Marketo sync user > Assign.")
    return steps


def container_of(detail: str) -> str | None:
    """'Profile Marketo Sync User' or 'Permission set X' from an audit trail line, else None."""
    match = CONTAINER.search(detail or "")
    if not match:
        return None
    kind = "Profile" if match.group(1).lower() == "profile" else "Permission set"
    return f"{kind} {match.group(2)}"


def _mentions(detail: str, object_name: str, field: str) -> bool:
    """Does an audit line speak of this object (and field, by API name or label-like name)?"""
    text = (detail or "").lower()
    if object_name.lower() not in text:
        return False
    if not field:
        return "object permission" in text or "object settings" in text
    label = field.removesuffix("__c").replace("_", " ").lower()
    return field.lower() in text or label in text


def removals(checklist: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Per checklist row (object, field), who removed the access, when and where: the audit
    events of its access change (cause_key) that name it, else all of that change's events;
    container is the profile or permission set they changed."""
    rows = []
    for gap in checklist.itertuples(index=False):
        of_change = events[events["cause_key"] == gap.cause_key] if gap.cause_key else events[:0]
        named = of_change[
            [_mentions(d, gap.object, gap.field) for d in of_change["detail"]]
        ]  # fmt: skip
        chosen = named if len(named) else of_change
        containers = sorted({c for c in map(container_of, chosen["detail"]) if c})
        rows.append(
            {
                "object": gap.object,
                "field": gap.field,
                "container": containers[0] if containers else UNKNOWN_CONTAINER,
                "actors": ", ".join(sorted(set(chosen["actor"].dropna()))),
                "changed_at": chosen["occurred_at"].min() if len(chosen) else pd.NaT,
                "details": list(chosen["detail"]),
            }
        )
    return pd.DataFrame(
        rows, columns=["object", "field", "container", "actors", "changed_at", "details"]
    )
