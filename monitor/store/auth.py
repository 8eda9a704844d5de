"""The sync user's auth posture (its User row and system permissions, and the connected apps
it holds OAuth tokens for): stored only when it changed since the last reading, like the other
snapshots."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from monitor.store.facts import insert_frame
from monitor.store.snapshots import record_snapshot


def write_auth_snapshot(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    user: Mapping[str, Any],
    permissions: list[dict[str, Any]],
    captured_at: datetime,
    source: str,
) -> int:
    """Store one reading: `user` holds user_id, username, is_active, profile and
    last_password_change_at; `permissions` one dict per known system permission. Returns the
    rows added (0 when nothing changed)."""
    content = {
        **{k: user.get(k) for k in ("user_id", "username", "is_active", "profile")},
        "last_password_change_at": str(user.get("last_password_change_at") or ""),
        "permissions": sorted(permissions, key=lambda p: p["permission"]),
    }
    if not record_snapshot(con, instance, "auth", "sync_user", captured_at, content, source):
        return 0
    frame = pd.DataFrame(
        [
            {
                "instance": instance,
                "captured_at": captured_at,
                "user_id": user.get("user_id"),
                "username": user.get("username"),
                "is_active": user.get("is_active"),
                "profile": user.get("profile"),
                "last_password_change_at": user.get("last_password_change_at"),
                "permissions": json.dumps(content["permissions"], sort_keys=True),
                "source": source,
            }
        ]
    )
    frame["last_password_change_at"] = pd.to_datetime(frame["last_password_change_at"], utc=True)
    return insert_frame(con, "sync_user_auth", frame)


def write_connected_apps(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    apps: list[dict[str, Any]],
    not_read: str | None,
    captured_at: datetime,
    source: str,
) -> int:
    """Store one reading of the sync user's connected apps (one dict per app: app, tokens,
    use_count, last_used_at, authorized_at, installed, admin_approved_only, not_judged) or why
    it could not be read. UseCount and LastUsedDate move with every sync cycle: only what the
    check judges (which apps, installed or not) decides whether a new reading is stored."""
    judged = [
        {k: a.get(k) for k in ("app", "installed", "admin_approved_only", "not_judged")}
        for a in apps
    ]
    content = {"apps": sorted(judged, key=lambda a: a["app"]), "not_read": not_read}
    if not record_snapshot(con, instance, "auth", "connected_apps", captured_at, content, source):
        return 0
    frame = pd.DataFrame(
        [
            {
                "instance": instance,
                "captured_at": captured_at,
                "apps": json.dumps(sorted(apps, key=lambda a: a["app"]), sort_keys=True),
                "not_read": not_read,
                "source": source,
            }
        ]
    )
    return insert_frame(con, "sync_user_connected_apps", frame)
