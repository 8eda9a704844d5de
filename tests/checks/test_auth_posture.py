"""auth_posture on a real DuckDB file: the sync user's auth reading written by the store writer
the collector uses, its LoginHistory rows written the way the collector writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checks import get_check
from monitor.collectors.salesforce.audit import login_rows
from monitor.incidents import open_incidents
from monitor.incidents.words import describe
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.auth import write_auth_snapshot
from monitor.store.facts import ensure_instance, insert_frame
from tests.checks.harness import NOT_EVALUATED, SILENT, judge

INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
USERNAME = "sync@acme.example"
FIELDS = {
    "api_enabled": ("API Enabled", "PermissionsApiEnabled"),
    # No documented API name: the collector takes whatever the describe says for the label.
    "approve_uninstalled_apps": ("Approve Uninstalled Connected Apps", "PermissionsX_Approve"),
    "password_never_expires": ("Password Never Expires", "PermissionsPasswordNeverExpires"),
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "monitor.duckdb")


def permissions(**granted: bool) -> list[dict[str, Any]]:
    """A clean sync user by default: every readable permission granted (Password Never Expires
    too), Use Any API Client absent (API Access Control off)."""
    values = {"api_enabled": True, "approve_uninstalled_apps": True, "password_never_expires": True}
    values.update(granted)
    return [
        {
            "permission": key,
            "label": FIELDS[key][0],
            "field": FIELDS[key][1],
            "granted": values[key],
            "via": ["Marketo Sync User (profile)", "Marketo Sync"],
        }
        for key in FIELDS
    ]


def reading(
    store: Store,
    perms: list[dict[str, Any]],
    *,
    changed: datetime | None = NOW - timedelta(days=10),
    active: bool = True,
    at: datetime = NOW - timedelta(hours=1),
) -> None:
    user = {
        "user_id": "005000000000001AAA",
        "username": USERNAME,
        "is_active": active,
        "profile": "Marketo Sync User",
        "last_password_change_at": changed,
    }
    with store.write() as con:
        ensure_instance(con, INSTANCE)
        write_auth_snapshot(con, INSTANCE, user, perms, at, "salesforce")


def logins(store: Store, *statuses: str, start: datetime = NOW - timedelta(hours=5)) -> None:
    """LoginHistory records (Status as Salesforce writes it), one every 5 minutes."""
    records = [
        {
            # One id per login time: a later call adds logins, never clashes with earlier ones.
            "Id": f"0Ya{int((start + timedelta(minutes=5 * index)).timestamp()):012d}AAA",
            "LoginTime": f"{start + timedelta(minutes=5 * index):%Y-%m-%dT%H:%M:%S}.000+0000",
            "Status": status,
            "LoginType": "Remote Access 2.0",
            "SourceIp": "192.28.144.10",
        }
        for index, status in enumerate(statuses)
    ]
    with store.write() as con:
        ensure_instance(con, INSTANCE)
        insert_frame(con, "audit_events", login_rows(INSTANCE, USERNAME, records))


def test_a_clean_sync_user_stays_silent(store: Store) -> None:
    reading(store, permissions())
    logins(store, "Success", "Invalid Password", "Success")
    outcomes = judge("auth_posture", store, now=NOW)
    assert outcomes == []


def test_missing_api_enabled_is_critical_with_the_setup_path(store: Store) -> None:
    reading(store, permissions(api_enabled=False))
    finding = judge("auth_posture", store, now=NOW).finding("sync user: API Enabled")
    assert finding.severity == "critical"
    assert finding.owner == "Salesforce admin"
    assert "System Permissions > Edit > tick API Enabled" in finding.evidence["fix"]
    assert finding.evidence["via"] == ["Marketo Sync User (profile)", "Marketo Sync"]


def test_missing_uninstalled_apps_permission_warns_unless_the_app_is_installed(
    store: Store,
) -> None:
    reading(store, permissions(approve_uninstalled_apps=False))
    subject = "sync user: Approve Uninstalled Connected Apps"
    outcomes = judge("auth_posture", store, now=NOW)
    assert outcomes.outcome(subject) == "warning"
    assert "Connected Apps OAuth Usage" in outcomes.finding(subject).detail
    installed = judge("auth_posture", store, now=NOW, connected_app_installed=True)
    assert installed.outcome(subject) == SILENT


def test_a_permission_the_org_does_not_expose_is_not_evaluated(store: Store) -> None:
    perms = [p for p in permissions() if p["permission"] != "approve_uninstalled_apps"]
    reading(store, perms)
    outcomes = judge("auth_posture", store, now=NOW)
    assert outcomes.outcome("sync user: Approve Uninstalled Connected Apps") == NOT_EVALUATED
    # Use Any API Client is absent where API Access Control is off: nothing to say.
    assert outcomes.outcome("sync user: Use Any API Client") == SILENT


def test_password_expiring_in_n_days_warns_then_is_critical_once_expired(store: Store) -> None:
    # Changed 80 days ago under a 90-day policy: 10 days left.
    reading(store, permissions(password_never_expires=False), changed=NOW - timedelta(days=80))
    finding = judge("auth_posture", store, now=NOW).finding("sync user: password")
    assert finding.severity == "warning"
    assert finding.evidence["days_left"] == 10
    assert "expires in 10 days" in finding.title
    later = judge("auth_posture", store, now=NOW, password_expiry_days=75)
    assert later.finding("sync user: password").severity == "critical"
    far = judge("auth_posture", store, now=NOW, password_expiry_days=180)
    assert far.outcome("sync user: password") == SILENT


def test_password_never_expires_silences_the_expiry(store: Store) -> None:
    reading(store, permissions(), changed=NOW - timedelta(days=400))
    assert judge("auth_posture", store, now=NOW).outcome("sync user: password") == SILENT


def test_three_failed_logins_in_a_row_are_one_critical_incident(store: Store) -> None:
    reading(store, permissions())
    logins(store, "Success", "Invalid Password", "Invalid Password", "Password Lockout")
    finding = judge("auth_posture", store, now=NOW).finding("sync user: logins")
    assert finding.severity == "critical"
    assert finding.evidence["failures"] == 3
    assert finding.evidence["statuses"][-1] == "Password Lockout"
    first = finding.evidence["first_failure_at"]
    assert finding.evidence["cause_key"] == f"auth:{USERNAME}|{first}"
    story = describe("auth", [{"check": "auth_posture", **vars(finding)}])
    assert story.title.startswith("The sync user cannot log in to Salesforce since 2026-11-20")
    assert "Invalid Password and Password Lockout" in story.cause


def test_a_success_in_between_resets_the_streak(store: Store) -> None:
    reading(store, permissions())
    logins(store, "Invalid Password", "Invalid Password", "Success", "Invalid Password")
    outcomes = judge("auth_posture", store, now=NOW)
    assert outcomes.outcome("sync user: logins") == SILENT
    assert (
        judge("auth_posture", store, now=NOW, failed_logins=1).outcome("sync user: logins")
        == "critical"
    )


def test_a_deactivated_sync_user_is_critical(store: Store) -> None:
    reading(store, permissions(), active=False)
    assert judge("auth_posture", store, now=NOW).outcome("sync user: active") == "critical"


def test_no_reading_yet_is_not_evaluated(store: Store) -> None:
    with store.write() as con:
        ensure_instance(con, INSTANCE)
    outcomes = judge("auth_posture", store, now=NOW)
    assert outcomes.outcome("sync user") == NOT_EVALUATED


def test_a_failed_login_streak_opens_a_critical_incident_that_a_success_resolves(
    store: Store,
) -> None:
    check = [get_check("auth_posture")]
    reading(store, permissions())
    logins(store, "Success", "Invalid Password", start=NOW - timedelta(hours=5))
    overrides = {"auth_posture": {"failed_logins": 2}}  # configurable N: two in a row here
    run_checks(store, INSTANCE, NOW, checks=check, overrides=overrides)
    assert open_incidents(store, INSTANCE) == []  # one failure is not a streak of two
    logins(store, "Invalid Password", start=NOW - timedelta(hours=4))
    later = NOW + timedelta(minutes=5)
    run_checks(store, INSTANCE, later, checks=check, overrides=overrides)
    [incident] = open_incidents(store, INSTANCE)
    assert (incident.kind, incident.severity) == ("auth", "critical")
    assert incident.cause_key.startswith(f"auth:{USERNAME}|")
    assert "Unlock" in incident.fix
    logins(store, "Success", start=NOW - timedelta(hours=3))
    run_checks(store, INSTANCE, later + timedelta(minutes=5), checks=check, overrides=overrides)
    assert open_incidents(store, INSTANCE) == []
