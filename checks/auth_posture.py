"""Auth posture: will the sync user's connection still work tomorrow? Its User row, the system
permissions it holds and its recent logins, read by the Salesforce collector."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks import auth_apps
from checks.base import SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting, cause_key
from monitor.vocabulary import AUTH_PERMISSIONS

ID = "auth_posture"
TITLE = "Sync user's connection at risk"
SEVERITY = "critical"
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: the sync logs in as one Salesforce user. It stops, all at once, when that user
is deactivated, loses API Enabled, has its password expire, is locked out after failed logins,
or when the connected app it uses is blocked: since September 2025 Salesforce blocks connected
apps that are not installed in the org unless the user holds "Approve Uninstalled Connected
Apps", and with API Access Control on, only allow-listed apps work for users without "Use Any
API Client". This check reads the sync user's User row and system permissions (hourly), the
connected apps it authorized (its OauthToken rows) against those installed in the org
(ConnectedApplication), and its login history, and says what will break before it breaks. An
uninstalled app keeps working for a user who already authorized it; a new authorization (a
revoked token, a reset password, another sync user) is refused. Reading other users' tokens
needs Customize Application: without it the apps are "not evaluated", with the reason. It
cannot see the org's password policy over the API: set password_expiry_days to the sync user
profile's "User passwords expire in" (Setup > Profiles > <profile> > Password Policies).

How to fix (Salesforce admin): grant missing system permissions through a dedicated
permission set assigned only to the sync user (Setup > Permission Sets > <set> > System
Permissions > Edit), or install the connected app the sync authorized (Setup > Connected Apps
OAuth Usage > <app> > Install; then Manage Connected Apps > <app> > Edit Policies > Permitted
Users: Admin approved users are pre-authorized, and add the sync user's permission set), or move
the integration to an External Client App (then set connected_app_installed = true); give the
sync user "Password Never Expires" or reset its password before it expires and update it in
Marketo (Admin > CRM > Sync Settings); after failed logins, check the credentials Marketo holds
and unlock the user (Setup > Users > <user> > Unlock).
"""
# What the check knows about each system permission: the PermissionSet field label (the
# collector resolves the API name from the org's describe: some of these have no stable or
# no documented API name), how bad it is to lack it, and the fix.
PERMISSIONS = {
    "api_enabled": {
        "label": AUTH_PERMISSIONS["api_enabled"],
        "severity": "critical",
        "impact": "the sync cannot call the Salesforce API at all",
        "fix": (
            "Setup > Permission Sets > <the sync user's permission set> > System Permissions > "
            "Edit > tick API Enabled > Save"
        ),
    },
    "approve_uninstalled_apps": {
        "label": AUTH_PERMISSIONS["approve_uninstalled_apps"],
        "severity": "warning",
        "setting": "connected_app_installed",
        "impact": (
            "since September 2025 Salesforce blocks uninstalled connected apps for users "
            "without it: a new authorization of the Marketo connection will be refused"
        ),
        "fix": (
            "Setup > Connected Apps OAuth Usage > Marketo's app > Install (then set "
            "connected_app_installed = true), or Setup > Permission Sets > <the sync user's "
            "permission set> > System Permissions > Edit > tick Approve Uninstalled Connected "
            "Apps > Save"
        ),
    },
    "use_any_api_client": {
        "label": AUTH_PERMISSIONS["use_any_api_client"],
        "severity": "warning",
        "setting": "connected_app_allowlisted",
        # The field exists only where API Access Control is on: its absence is no risk.
        "absent_means_off": True,
        "impact": (
            "API Access Control is on in this org: the sync user's API calls are refused "
            "unless its connected app is allow-listed"
        ),
        "fix": (
            "Setup > Connected Apps OAuth Usage > Marketo's app > Manage > Edit Policies > "
            "Permitted Users: Admin approved users are pre-authorized, and add the sync user's "
            "permission set (then set connected_app_allowlisted = true), or grant Use Any API "
            "Client in that permission set's System Permissions"
        ),
    },
}
PASSWORD_NEVER_EXPIRES = AUTH_PERMISSIONS["password_never_expires"]
SETTINGS = [
    Setting(
        "failed_logins",
        3,
        "Consecutive failed logins of the sync user (no success in between) that make a "
        "critical finding: Salesforce locks a user out after a few (profile password policy).",
    ),
    Setting("lookback_days", 7, "Days of the sync user's login history read for a streak."),
    Setting(
        "password_expiry_days",
        90,
        "The sync user profile's 'User passwords expire in' (days; 0 = never). Salesforce's "
        "default is 90; the API does not expose the policy.",
    ),
    Setting("password_warn_days", 14, "Warn this many days before the password expires."),
    Setting(
        "connected_app_installed",
        False,
        "The connected app the sync uses is installed in the org (or is an External Client "
        "App): 'Approve Uninstalled Connected Apps' is then not needed.",
    ),
    Setting(
        "connected_app_allowlisted",
        False,
        "The connected app the sync uses is allow-listed under API Access Control: 'Use Any "
        "API Client' is then not needed.",
    ),
]
ANCHOR = "snapshots"
INPUTS = {
    "auth": Input("auth_posture_latest", anchor="snapshots"),
    "logins": Input("auth_logins_recent", "lookback_days", anchor="audit_events"),
    "apps": Input("auth_connected_apps_latest", anchor="snapshots"),
}
EVIDENCE = {
    "risk": (
        "what is at risk: inactive_user | missing_permission | password_expiry | failed_logins"
        " | uninstalled_app"
    ),
    "app": "the connected app's name, as the sync user's OauthToken rows give it (uninstalled_app)",
    "tokens": "how many OAuth tokens of that app the sync user holds (uninstalled_app)",
    "use_count": "OauthToken.UseCount summed over those tokens, at the reading (uninstalled_app)",
    "last_used_at": "the newest OauthToken.LastUsedDate of those tokens (UTC) (uninstalled_app)",
    "authorized_at": "the oldest OauthToken.CreatedDate: when it was authorized (UTC)",
    "installed": "whether the org has a ConnectedApplication of that name (uninstalled_app)",
    "permission": "the system permission's label (missing_permission)",
    "field": "its PermissionSet field, as the org's describe names it (missing_permission)",
    "via": "the profile and permission sets the sync user holds (missing_permission)",
    "profile": "the sync user's profile",
    "username": "the sync user's username",
    "last_password_change_at": "User.LastPasswordChangeDate (UTC) (password_expiry)",
    "expires_at": "when the password expires under password_expiry_days (UTC)",
    "days_left": "whole days until it expires (negative: expired)",
    "failures": "consecutive failed logins, newest last (failed_logins)",
    "statuses": "their LoginHistory Status values (failed_logins)",
    "first_failure_at": "the first failure of the streak (UTC)",
    "last_failure_at": "the newest failure (UTC)",
    "captured_at": "the reading of the User row and permissions the finding is based on (UTC)",
    "fix": "the exact change to make (Setup click path)",
    "cause_key": (
        "auth:<username>|<first failure of the streak>: one lock-out streak is one incident "
        "(failed_logins only)"
    ),
}


def _finding(subject: str, severity: str, title: str, detail: str, **evidence: Any) -> Finding:
    return Finding(ID, subject, severity, title, detail, OWNER, evidence)


def _permission_findings(
    reading: pd.Series,
    permissions: list[dict[str, Any]],
    settings: dict[str, Any],
    skip: frozenset[str] = frozenset(),
) -> list[Finding | NotEvaluated]:
    by_key = {p["permission"]: p for p in permissions}
    results: list[Finding | NotEvaluated] = []
    for key, known in PERMISSIONS.items():
        subject = f"sync user: {known['label']}"
        held = by_key.get(key)
        if key in skip or (known.get("setting") and settings[known["setting"]]):
            continue  # the admin says the app is installed / allow-listed
        if held is None or held.get("field") is None:
            if not known.get("absent_means_off"):
                results.append(
                    NotEvaluated(
                        ID,
                        subject,
                        f"the org's PermissionSet describe has no field labelled "
                        f"'{known['label']}': check it in Setup > Users > <sync user>",
                    )
                )
            continue
        if held.get("granted"):
            continue
        via = list(held.get("via") or [])
        held_by = f" (it holds: {', '.join(via)})" if via else ""
        results.append(
            _finding(
                subject,
                known["severity"],
                f"The sync user lacks {known['label']}",
                f"Neither the profile nor a permission set of {reading['username']} grants "
                f"{known['label']}{held_by}: {known['impact']}. Fix: {known['fix']}.",
                risk="missing_permission",
                permission=known["label"],
                field=held["field"],
                via=via,
                profile=reading["profile"],
                username=reading["username"],
                captured_at=str(reading["captured_at"]),
                fix=known["fix"],
            )
        )
    return results


def _password_finding(
    reading: pd.Series, permissions: list[dict[str, Any]], settings: dict[str, Any], now: datetime
) -> Finding | None:
    never = any(p.get("label") == PASSWORD_NEVER_EXPIRES and p.get("granted") for p in permissions)
    changed = reading["last_password_change_at"]
    days = settings["password_expiry_days"]
    if never or not days or changed is None or pd.isna(changed):
        return None
    expires = pd.Timestamp(changed) + timedelta(days=days)
    left = (expires - pd.Timestamp(now)).total_seconds() / 86400
    if left > settings["password_warn_days"]:
        return None
    fix = (
        "Setup > Permission Sets > <the sync user's permission set> > System Permissions > "
        "Edit > tick Password Never Expires > Save; or reset the sync user's password now and "
        "enter it in Marketo (Admin > CRM > Sync Settings)"
    )
    state = "expired" if left < 0 else f"expires in {int(left)} days"
    return _finding(
        "sync user: password",
        "critical" if left < 0 else "warning",
        f"The sync user's password {state}",
        f"{reading['username']} last changed its password on {changed:%Y-%m-%d %H:%M} UTC; under "
        f"a {days}-day policy it expires on {expires:%Y-%m-%d %H:%M} UTC and the sync stops "
        f"logging in. Fix: {fix}.",
        risk="password_expiry",
        profile=reading["profile"],
        username=reading["username"],
        last_password_change_at=str(changed),
        expires_at=str(expires),
        days_left=int(left // 1),
        captured_at=str(reading["captured_at"]),
        fix=fix,
    )


def _login_finding(logins: pd.DataFrame, username: str, settings: dict[str, Any]) -> Finding | None:
    """Failures since the last success; Status is 'Success' or the failure's reason."""
    streak: list[Any] = []
    for row in logins.itertuples(index=False):
        if str(row.status or "").strip().lower() == "success":
            streak = []
        else:
            streak.append(row)
    if len(streak) < settings["failed_logins"]:
        return None
    statuses = [str(r.status) for r in streak]
    first, last = streak[0].occurred_at, streak[-1].occurred_at
    fix = (
        "check the Salesforce credentials Marketo holds (Admin > CRM > Sync Settings), then "
        "Setup > Users > <sync user> > Unlock if it is locked out, and reset its password if it "
        "changed"
    )
    return _finding(
        "sync user: logins",
        "critical",
        f"{len(streak):,} failed logins of the sync user in a row",
        f"{username} failed to log in {len(streak):,} times in a row between "
        f"{first:%Y-%m-%d %H:%M} and {last:%Y-%m-%d %H:%M} UTC (last: {statuses[-1]}); "
        f"Salesforce locks a user out after a few. Fix: {fix}.",
        risk="failed_logins",
        username=username,
        failures=len(streak),
        statuses=statuses,
        first_failure_at=str(first),
        last_failure_at=str(last),
        fix=fix,
        cause_key=cause_key("auth", username, first),
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per risk to the sync user's connection."""
    results: list[Finding | NotEvaluated] = []
    auth = data["auth"]
    username = str(auth.iloc[0]["username"]) if len(auth) else "the sync user"
    login = _login_finding(data["logins"], username, settings)
    if login is not None:
        results.append(login)
    if not len(auth):
        results.append(NotEvaluated(ID, "sync user", "no reading of the sync user's auth yet"))
        return results
    reading = auth.iloc[0]
    active = reading["is_active"]
    if not pd.isna(active) and not bool(active):  # NULL: IsActive not read, nothing to say
        fix = "Setup > Users > <sync user> > Edit > tick Active > Save"
        results.append(
            _finding(
                "sync user: active",
                "critical",
                "The sync user is deactivated",
                f"{reading['username']} is not active: the sync cannot log in. Fix: {fix}.",
                risk="inactive_user",
                profile=reading["profile"],
                username=reading["username"],
                captured_at=str(reading["captured_at"]),
                fix=fix,
            )
        )
    permissions = json.loads(reading["permissions"])
    apps, not_read = auth_apps.read_apps(data["apps"])
    # With the org's OAuth usage read, whether the permission is needed is known per app.
    skip = frozenset({auth_apps.APPROVE} if auth_apps.covers_permission(apps, not_read) else ())
    results += _permission_findings(reading, permissions, settings, skip)
    if not settings["connected_app_installed"]:
        results += auth_apps.app_results(ID, apps, not_read, reading, permissions)
    password = _password_finding(reading, permissions, settings, now)
    if password is not None:
        results.append(password)
    return results
