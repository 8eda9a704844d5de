"""The demo's sync user auth posture, written through the store writers the Salesforce
collector uses: an active user on the "Marketo Sync User" profile whose password (90-day
policy, no Password Never Expires) expires in a week, a connected app the sync authorized but
nobody installed in the org, and logins every two hours with a short streak of failures five
days ago that a success ended."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from monitor.collectors.salesforce.audit import login_rows
from monitor.store.auth import write_auth_snapshot, write_connected_apps
from monitor.store.facts import insert_frame
from monitor.vocabulary import AUTH_PERMISSIONS

USERNAME = "marketo.sync@acme.example"
PROFILE = "Marketo Sync User"
SYNC_APP = "Marketo Sync Connector"
# Which PermissionSet field holds each permission in the demo org (None: the org's describe has
# no field with that label, as in most real orgs for these two).
FIELDS = {
    "api_enabled": "PermissionsApiEnabled",
    "approve_uninstalled_apps": None,
    "use_any_api_client": None,
    "password_never_expires": "PermissionsPasswordNeverExpires",
}
GRANTED = {"api_enabled": True, "password_never_expires": False}


def _permissions() -> list[dict]:
    via = [f"{PROFILE} (profile)", "Marketo Sync Field Access"]
    return [
        {
            "permission": key,
            "label": label,
            "field": FIELDS[key],
            "granted": GRANTED.get(key) if FIELDS[key] else None,
            "via": via,
        }
        for key, label in AUTH_PERMISSIONS.items()
    ]


def _logins(start: datetime, now: datetime) -> list[dict]:
    """A login every two hours (a new session); two failures five days ago, then success."""
    failures = {now - timedelta(days=5, hours=h) for h in (4, 2)}
    records, at = [], start
    while at <= now:
        records.append(
            {
                "Id": f"0Ya{int(at.timestamp()):012d}AAA",
                "LoginTime": f"{at:%Y-%m-%dT%H:%M:%S}.000+0000",
                "Status": "Invalid Password" if at in failures else "Success",
                "LoginType": "Remote Access 2.0",
                "SourceIp": "192.28.144.10",
            }
        )
        at += timedelta(hours=2)
    return records


def write_auth_demo(
    con: duckdb.DuckDBPyConnection, instance: str, now: datetime, *, start: datetime
) -> int:
    """Store the demo's auth reading (at `start`), connected apps and logins; rows added."""
    user = {
        "user_id": "005Dm000000SyncAAA",
        "username": USERNAME,
        "is_active": True,
        "profile": PROFILE,
        "last_password_change_at": now - timedelta(days=83),
    }
    rows = write_auth_snapshot(con, instance, user, _permissions(), start, "demo")
    apps = [
        {
            "app": SYNC_APP,
            "tokens": 1,
            "use_count": 8_640,
            "last_used_at": (start - timedelta(minutes=5)).isoformat(),
            "authorized_at": (now - timedelta(days=412)).isoformat(),
            "installed": False,
            "admin_approved_only": None,
            "not_judged": None,
        }
    ]
    rows += write_connected_apps(con, instance, apps, None, start, "demo")
    logins = login_rows(instance, USERNAME, _logins(start, now))
    return rows + insert_frame(con, "audit_events", logins)
