"""The sync user's auth posture, read with the hourly schema pass: its User row (active,
profile, last password change) and the system permissions it holds through its profile and
permission sets (PermissionSetAssignment -> PermissionSet.Permissions* booleans).

Which PermissionSet field holds a permission is looked up by its label in the org's
PermissionSet describe (sent in the schema pass's describe /composite call, so it costs no
call of its own): "Approve Uninstalled Connected Apps" has no documented API name, and
"Use Any API Client" exists only where API Access Control is on.

The org's OAuth usage rides in the same /composite call: the sync user's OauthToken rows (the
connected apps it authorized: AppName, UseCount, LastUsedDate, CreatedDate) and the org's
ConnectedApplication rows (the apps installed or created in the org), matched by name: an
app the sync user holds a token for that has no ConnectedApplication row is uninstalled, the
kind Salesforce blocks since September 2025 for users without "Approve Uninstalled Connected
Apps". Four queries, one /composite call (Salesforce takes five): one API call an hour.
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
TOKENS = "auth_oauth_tokens"
APPS = "auth_connected_apps"


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
        # Users with Customize Application (Manage Users before) see every user's tokens;
        # others see only their own, so another user's may come back empty, not refused.
        TOKENS: query_path(
            format_soql(
                "SELECT AppName, UseCount, LastUsedDate, CreatedDate FROM OauthToken "
                "WHERE UserId = {}",
                sync_user,
            )
        ),
        APPS: query_path(
            "SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication"
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


def _when(text: Any) -> str | None:
    return salesforce_time(text).isoformat() if isinstance(text, str) and text else None


def connected_apps(
    token_answer: tuple[int, Any], app_answer: tuple[int, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """(one entry per connected app the sync user holds OAuth tokens for, why the org's OAuth
    usage could not be read or None). `installed` is None when the org's ConnectedApplication
    list was refused: the app is then named, but not judged."""
    status, body = token_answer
    if status >= 400:
        return [], (
            f"reading the sync user's OAuth tokens (OauthToken) was refused "
            f"({subrequest_code(status, body)}); it needs Customize Application"
        )
    app_status, app_body = app_answer
    installed: dict[str, dict[str, Any]] | None = None
    if app_status < 400:
        installed = {
            str(r.get("Name", "")).strip().casefold(): r for r in app_body.get("records", [])
        }
    by_app: dict[str, dict[str, Any]] = {}
    for token in body.get("records", []):
        name = str(token.get("AppName") or "").strip()
        entry = by_app.setdefault(
            name,
            {"app": name, "tokens": 0, "use_count": 0, "last_used_at": None, "authorized_at": None},
        )
        entry["tokens"] += 1
        entry["use_count"] += int(token.get("UseCount") or 0)
        used, created = _when(token.get("LastUsedDate")), _when(token.get("CreatedDate"))
        entry["last_used_at"] = max(filter(None, (entry["last_used_at"], used)), default=None)
        entry["authorized_at"] = min(filter(None, (entry["authorized_at"], created)), default=None)
    apps = []
    for name, entry in sorted(by_app.items()):
        match = None if installed is None else installed.get(name.casefold())
        entry["installed"] = None if installed is None else match is not None
        entry["admin_approved_only"] = (
            None if match is None else bool(match.get("OptionsAllowAdminApprovedUsersOnly"))
        )
        entry["not_judged"] = (
            None
            if installed is not None
            else f"the org's installed connected apps (ConnectedApplication) could not be read "
            f"({subrequest_code(app_status, app_body)}); it needs Customize Application"
        )
        apps.append(entry)
    return apps, None
