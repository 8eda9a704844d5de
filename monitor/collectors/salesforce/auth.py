"""The sync user's auth posture, read with the hourly schema pass: its User row (active,
profile, last password change) and the system permissions it holds through its profile and
permission sets (PermissionSetAssignment -> PermissionSet.Permissions* booleans).

Which PermissionSet field holds a permission is looked up by its label in the org's
PermissionSet describe (sent in the schema pass's describe /composite call, so it costs no
call of its own): "Approve Uninstalled Connected Apps" has no documented API name, and
"Use Any API Client" exists only where API Access Control is on. The two queries go in one
/composite call: one API call an hour.
"""

from __future__ import annotations

from typing import Any

from simple_salesforce import format_soql

from monitor.collectors.salesforce import soql
from monitor.collectors.salesforce.audit import salesforce_time
from monitor.collectors.salesforce.client import query_path, subrequest_code
from monitor.vocabulary import AUTH_PERMISSIONS

DESCRIBE = "auth_PermissionSet"  # composite reference of the PermissionSet describe
USER = "auth_user"
ASSIGNMENTS = "auth_assignments"


def permission_fields(describe: dict[str, Any]) -> dict[str, str]:
    """permission key -> the PermissionSet field with its label, for those the org has."""
    by_label = {
        str(f.get("label")): str(f.get("name"))
        for f in describe.get("fields", [])
        if f.get("type") == "boolean" and str(f.get("name", "")).startswith("Permissions")
    }
    return {key: by_label[label] for key, label in AUTH_PERMISSIONS.items() if label in by_label}


def requests(sync_user: str, fields: dict[str, str]) -> dict[str, str]:
    """reference -> query path of the User row and the permission set assignments."""
    selected = ", ".join(
        f"PermissionSet.{soql.checked_field('PermissionSet', name)}"
        for name in sorted(set(fields.values()))
    )
    return {
        USER: query_path(
            format_soql(
                "SELECT Id, Username, IsActive, LastPasswordChangeDate, Profile.Name "
                "FROM User WHERE Id = {}",
                sync_user,
            )
        ),
        ASSIGNMENTS: query_path(
            format_soql(
                "SELECT PermissionSet.Label, PermissionSet.IsOwnedByProfile"
                + (", {:literal}" if selected else "")
                + " FROM PermissionSetAssignment WHERE AssigneeId = {}",
                *([selected] if selected else []),
                sync_user,
            )
        ),
    }


def reading(
    user_answer: tuple[int, Any],
    assignment_answer: tuple[int, Any],
    fields: dict[str, str],
) -> tuple[dict[str, Any], list[dict[str, Any]]] | str:
    """(user, permissions) for the store writer, or the problem line when refused."""
    for what, (status, body) in (("User", user_answer), ("permission sets", assignment_answer)):
        if status >= 400:
            return (
                f"auth posture: reading the sync user's {what} was refused "
                f"({subrequest_code(status, body)}); it needs View Setup and Configuration"
            )
    records = user_answer[1].get("records", [])
    if not records:
        return "auth posture: the sync user's User row is not visible to the connected user"
    row = records[0]
    profile = (row.get("Profile") or {}).get("Name")
    changed = row.get("LastPasswordChangeDate")
    user = {
        "user_id": row.get("Id"),
        "username": row.get("Username"),
        "is_active": row.get("IsActive"),
        "profile": profile,
        "last_password_change_at": salesforce_time(changed) if changed else None,
    }
    sets = [r.get("PermissionSet") or {} for r in assignment_answer[1].get("records", [])]
    names = [
        f"{profile} (profile)" if s.get("IsOwnedByProfile") else str(s.get("Label")) for s in sets
    ]
    permissions = []
    for key, label in AUTH_PERMISSIONS.items():
        field = fields.get(key)
        granted_by = [n for n, s in zip(names, sets, strict=True) if field and s.get(field)]
        permissions.append(
            {
                "permission": key,
                "label": label,
                "field": field,
                "granted": bool(granted_by) if field else None,
                "via": sorted(names),
            }
        )
    return user, permissions
