"""The sync user's connection at a glance (the Permissions page's "Sync user's connection"
section): its latest auth reading, connected apps and logins put into words, with times in the
configured zone. The findings and their fixes come from auth_posture; this only shows state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

NOTHING = "—"


@dataclass
class Posture:
    facts: pd.DataFrame  # what, state
    permissions: pd.DataFrame  # system permission, state, held through
    apps: pd.DataFrame  # connected app, installed, authorized, last used, uses
    apps_note: str | None  # why the connected apps are not shown
    logins: str  # the login streak in one sentence
    read_at: str  # when the User row and permissions were read


def _local(value: Any, zone: ZoneInfo) -> str:
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return NOTHING
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return stamp.tz_convert(zone).strftime("%Y-%m-%d %H:%M %Z")


def _permission_state(permission: dict[str, Any]) -> str:
    if permission.get("field") is None:
        if permission.get("permission") == "use_any_api_client":
            return "not in this org (API Access Control is off: not needed)"
        return "not readable over the API (check it in Setup > Users > the sync user)"
    return "granted" if permission.get("granted") else "missing"


def _password(reading: pd.Series, settings: dict[str, Any], now: datetime, zone) -> str:
    permissions = json.loads(reading["permissions"])
    never = any(
        p.get("permission") == "password_never_expires" and p.get("granted") for p in permissions
    )
    changed = reading["last_password_change_at"]
    if never:
        return "never expires (Password Never Expires)"
    if changed is None or pd.isna(changed):
        return "never changed (no LastPasswordChangeDate)"
    days = settings["password_expiry_days"]
    if not days:
        return f"changed {_local(changed, zone)}; the policy set says passwords never expire"
    expires = pd.Timestamp(changed) + timedelta(days=days)
    left = int((expires - pd.Timestamp(now)).total_seconds() // 86400)
    state = f"expired {-left:,} days ago" if left < 0 else f"{left:,} days left"
    return (
        f"changed {_local(changed, zone)}; expires {_local(expires, zone)} under the "
        f"{days:,}-day policy ({state})"
    )


def _logins(logins: pd.DataFrame, settings: dict[str, Any], zone: ZoneInfo) -> str:
    days = settings["lookback_days"]
    if logins.empty:
        return f"No login of the sync user in the last {days:,} days (LoginHistory)."
    ok = logins["status"].fillna("").str.strip().str.lower() == "success"
    failures = int((~ok).sum())
    streak = int((~ok[::-1]).cumprod().sum())  # failures since the last success
    limit = settings["failed_logins"]
    if streak:
        since = logins["occurred_at"].iloc[len(logins) - streak]
        return (
            f"{streak:,} failed logins in a row since {_local(since, zone)} (a critical "
            f"finding at {limit:,}); last: {logins['status'].iloc[-1]}."
        )
    last_ok = logins.loc[ok, "occurred_at"].iloc[-1]
    sentence = f"Last login succeeded {_local(last_ok, zone)}; no failure streak"
    if failures:
        last_failure = logins.loc[~ok, "occurred_at"].iloc[-1]
        sentence += (
            f" ({failures:,} failed in the last {days:,} days, the last "
            f"{_local(last_failure, zone)})"
        )
    return f"{sentence}. A streak of {limit:,} makes a critical finding."


def _apps(apps: pd.DataFrame, zone: ZoneInfo) -> tuple[pd.DataFrame, str | None]:
    if apps.empty:
        return pd.DataFrame(), "The org's OAuth usage has not been read yet."
    row = apps.iloc[0]
    # A reading is stored only when the apps or their installation change (the use moves every
    # cycle): its use figures are as of that reading, and the headers say so.
    read = _local(row["captured_at"], zone)
    columns = [
        "connected app",
        "installed in the org",
        "authorized",
        f"last used (as read {read})",
        f"uses (as read {read})",
    ]
    empty = pd.DataFrame(columns=columns)
    if not pd.isna(row["not_read"]):
        return empty, f"The org's OAuth usage was not read: {row['not_read']}."
    entries = json.loads(row["apps"])
    if not entries:
        return empty, "No OAuth token of the sync user is visible (it may log in with a password)."
    installed = {True: "yes", False: "no", None: "not known"}
    frame = pd.DataFrame(
        [
            [
                a["app"],
                installed[a.get("installed")],
                _local(a.get("authorized_at"), zone),
                _local(a.get("last_used_at"), zone),
                f"{int(a.get('use_count') or 0):,}",
            ]
            for a in entries
        ],
        columns=columns,
    )
    return frame, None


def posture(
    auth: pd.DataFrame,
    apps: pd.DataFrame,
    logins: pd.DataFrame,
    settings: dict[str, Any],
    now: datetime,
    zone: ZoneInfo,
) -> Posture | None:
    """The sync user's posture from queries auth_posture_latest, auth_connected_apps_latest
    and auth_logins_recent and auth_posture's settings; None before the first reading."""
    if auth.empty:
        return None
    reading = auth.iloc[0]
    active = reading["is_active"]
    facts = pd.DataFrame(
        [
            ["Sync user", reading["username"]],
            ["Active", NOTHING if pd.isna(active) else ("yes" if active else "NO: deactivated")],
            ["Profile", reading["profile"] or NOTHING],
            ["Password", _password(reading, settings, now, zone)],
        ],
        columns=["what", "state"],
    )
    permissions = pd.DataFrame(
        [
            [p["label"], _permission_state(p), ", ".join(p.get("via") or []) or NOTHING]
            for p in json.loads(reading["permissions"])
        ],
        columns=["system permission", "state", "the sync user holds"],
    )
    app_table, note = _apps(apps, zone)
    return Posture(
        facts,
        permissions,
        app_table,
        note,
        _logins(logins, settings, zone),
        _local(reading["captured_at"], zone),
    )


def open_risks(findings: pd.DataFrame) -> pd.DataFrame:
    """The open auth_posture findings (query auth_posture_findings), worst first, with the
    exact change to make."""
    still_open = findings[findings["status"] == "open"]
    return still_open[["severity", "risk_to", "finding", "what_to_change"]].rename(
        columns={"risk_to": "risk to", "what_to_change": "what to change"}
    )
