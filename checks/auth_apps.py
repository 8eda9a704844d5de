"""The connected apps the sync user authorized (its OauthToken rows) against the apps installed
in the org (ConnectedApplication): the part of auth_posture about Salesforce's September 2025
restriction, which blocks uninstalled connected apps for users without "Approve Uninstalled
Connected Apps". An existing authorization keeps working; a new one (a revoked token, a reset
password, another sync user) is refused with "app must be installed into org"."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from checks.base import SALESFORCE_ADMIN, Finding, NotEvaluated

SUBJECT = "sync user: connected app"
APPROVE = "approve_uninstalled_apps"
NO_TOKENS = (
    "no OAuth token of the sync user is visible: either it logs in with username and password "
    "(the connected-app restriction does not apply), or the connected user lacks Customize "
    "Application and sees only its own tokens"
)


def fix_for(app: str) -> str:
    """The exact change that keeps `app` working for the sync user."""
    return (
        f"Setup > Connected Apps OAuth Usage > {app} > Install, then Setup > Manage Connected "
        f"Apps > {app} > Edit Policies > Permitted Users: Admin approved users are "
        "pre-authorized, and add the sync user's permission set (Assigned Connected Apps); or "
        "grant Approve Uninstalled Connected Apps in the sync user's permission set (System "
        "Permissions); or move the integration to an External Client App (Setup > External "
        "Client App Manager) and set connected_app_installed = true"
    )


def read_apps(apps: pd.DataFrame) -> tuple[list[dict[str, Any]] | None, str | None]:
    """(the apps of the latest reading, or None when there is none; why they were not read)."""
    if not len(apps):
        return None, None
    row = apps.iloc[0]
    not_read = row["not_read"]
    return json.loads(row["apps"]), (None if pd.isna(not_read) else str(not_read))


def covers_permission(apps: list[dict[str, Any]] | None, not_read: str | None) -> bool:
    """Whether every app was judged: the app findings then say all the permission would."""
    return bool(apps) and not_read is None and all(a["installed"] is not None for a in apps)


def app_results(
    check: str,
    apps: list[dict[str, Any]] | None,
    not_read: str | None,
    reading: pd.Series,
    permissions: list[dict[str, Any]],
) -> list[Finding | NotEvaluated]:
    """One finding per uninstalled app the sync user authorized; not evaluated, with the
    reason, when the org's OAuth usage could not be read."""
    if apps is None:
        return []  # no reading yet (a collector before this one, an import): nothing to say
    if not_read is not None:
        return [NotEvaluated(check, SUBJECT, f"the org's OAuth usage was not read: {not_read}")]
    if not apps:
        return [NotEvaluated(check, SUBJECT, NO_TOKENS)]
    approve = next((p for p in permissions if p.get("permission") == APPROVE), {})
    results: list[Finding | NotEvaluated] = []
    for app in apps:
        subject = f"{SUBJECT} {app['app']}"
        if app["installed"] is None:
            results.append(NotEvaluated(check, subject, str(app.get("not_judged"))))
            continue
        if app["installed"]:
            continue
        results.append(_uninstalled(check, subject, app, reading, approve.get("granted") is True))
    return results


def _uninstalled(
    check: str, subject: str, app: dict[str, Any], reading: pd.Series, bypassed: bool
) -> Finding:
    name, fix = app["app"], fix_for(app["app"])
    authorized = pd.Timestamp(app["authorized_at"]) if app.get("authorized_at") else None
    since = f" since {authorized:%Y-%m-%d %H:%M} UTC" if authorized is not None else ""
    held = f"{reading['username']} authorized {name}{since} ({app['tokens']:,} OAuth token(s))"
    if bypassed:
        severity = "info"
        title = f"The sync user relies on Approve Uninstalled Connected Apps for {name}"
        why = (
            "it works only because the sync user holds Approve Uninstalled Connected Apps, "
            "which Salesforce means for administrators"
        )
    else:
        severity = "warning"
        title = f"The sync's connected app {name} is not installed in the org"
        why = (
            "since September 2025 Salesforce blocks uninstalled connected apps for users "
            "without Approve Uninstalled Connected Apps: this authorization keeps working, but "
            "a new one (a revoked token, a reset password, another sync user) is refused with "
            "'app must be installed into org'"
        )
    return Finding(
        check,
        subject,
        severity,
        title,
        f"{held}, and the org has no installed connected app of that name: {why}. Fix: {fix}.",
        SALESFORCE_ADMIN,
        {
            "risk": "uninstalled_app",
            "app": name,
            "tokens": app["tokens"],
            "use_count": app.get("use_count"),
            "last_used_at": app.get("last_used_at"),
            "authorized_at": app.get("authorized_at"),
            "installed": False,
            "profile": reading["profile"],
            "username": reading["username"],
            "captured_at": str(reading["captured_at"]),
            "fix": fix,
        },
    )
