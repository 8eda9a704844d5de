"""The auth posture read of the Salesforce collector: the real simple-salesforce client over
HTTPS to the loopback stand-in, which answers the User row, the PermissionSetAssignment query
and the PermissionSet describe (tests/fixtures/real/SOURCES.md, issue 17). Assertions are on
what lands in DuckDB, what the check then says, and the calls made."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitor.collectors.context import Cycle
from monitor.collectors.salesforce.client import SalesforceClient, connect, login_from
from monitor.collectors.salesforce.cycle import collect_cycle
from monitor.config import Config
from monitor.store import Store
from tests.checks.harness import judge
from tests.standins.https import trusted
from tests.standins.salesforce import SYNC_USER_ID, SYNC_USERNAME, SalesforceStandIn

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
OBJECTS = ("Lead", "Contact")
# A name this test chooses: Salesforce documents no API name for this permission.
APPROVE_FIELD = "PermissionsApproveUninstalledApps"


def assignment(index: int, label: str, by_profile: bool, **permissions: bool) -> dict:
    return {
        "Id": f"0Pa00000000{index:04d}AAA",
        "AssigneeId": SYNC_USER_ID,
        "PermissionSet": {
            "Id": f"0PS00000000{index:04d}AAA",
            "Label": label,
            "IsOwnedByProfile": by_profile,
            "PermissionsApiEnabled": False,
            "PermissionsPasswordNeverExpires": False,
            APPROVE_FIELD: False,
            **permissions,
        },
    }


@contextmanager
def sync_user_standin(
    monkeypatch: pytest.MonkeyPatch, password_changed: str
) -> Iterator[SalesforceStandIn]:
    """The stand-in with an active sync user on its profile (API Enabled) and one permission
    set, its password last changed at `password_changed` (Salesforce's time format)."""
    with trusted(SalesforceStandIn(), monkeypatch) as running:
        running.users[SYNC_USERNAME].update(
            IsActive=True,
            LastPasswordChangeDate=password_changed,
            Profile={"Name": "Marketo Sync User"},
        )
        running.permission_set_assignments = [
            assignment(1, "00ex00000018ozh_128_09_04_12_1", True, PermissionsApiEnabled=True),
            assignment(2, "Marketo Sync", False),
        ]
        yield running


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceStandIn]:
    with sync_user_standin(monkeypatch, "2026-08-30T09:12:44.000+0000") as running:
        yield running


def client_for(standin: SalesforceStandIn) -> SalesforceClient:
    login = login_from(
        {"SALESFORCE_INSTANCE_URL": standin.url, "SALESFORCE_ACCESS_TOKEN": standin.token}
    )
    return SalesforceClient(connect(login, "59.0"), sleep=lambda seconds: None)


def collect(store: Store, standin: SalesforceStandIn, now: datetime = NOW):
    cycle = Cycle(store, client_for(standin), Config(salesforce_objects=OBJECTS), "prod", now)
    return collect_cycle(cycle, SYNC_USERNAME)


def stored(store: Store) -> list[tuple]:
    with store.read() as con:
        frame = con.execute(
            "SELECT username, is_active, profile, last_password_change_at, permissions "
            "FROM sync_user_auth ORDER BY captured_at"
        ).df()
    return list(frame.itertuples(index=False, name=None))


def test_the_sync_users_row_and_system_permissions_are_stored(standin, tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    report = collect(store, standin)
    assert report.status == "ok", report.errors
    [(username, active, profile, changed, permissions)] = stored(store)
    assert (username, active, profile) == (SYNC_USERNAME, True, "Marketo Sync User")
    assert changed == pd.Timestamp("2026-08-30 09:12:44", tz="UTC")
    by_key = {p["permission"]: p for p in json.loads(permissions)}
    assert by_key["api_enabled"]["granted"] is True
    assert by_key["api_enabled"]["field"] == "PermissionsApiEnabled"
    assert by_key["api_enabled"]["via"] == ["Marketo Sync", "Marketo Sync User (profile)"]
    assert by_key["password_never_expires"]["granted"] is False
    # The real describe has no field for these two: not readable, not "missing".
    assert by_key["approve_uninstalled_apps"]["field"] is None
    assert by_key["use_any_api_client"]["granted"] is None
    # Only the PermissionSet fields the describe names were asked for.
    query = next(r.soql for r in standin.subrequests if "PermissionSetAssignment" in (r.soql or ""))
    assert "PermissionSet.PermissionsApiEnabled" in query
    assert APPROVE_FIELD not in query


def test_a_field_found_by_its_label_is_read_and_judged(standin, tmp_path: Path):
    describe = copy.deepcopy(standin.permission_set_describe)
    describe["fields"].append(
        {"name": APPROVE_FIELD, "label": "Approve Uninstalled Connected Apps", "type": "boolean"}
    )
    standin.permission_set_describe = describe
    store = Store(tmp_path / "monitor.duckdb")
    assert collect(store, standin).status == "ok"
    # The password was changed on 30 August: 82 days before NOW, 7 whole days left under 90.
    outcomes = judge("auth_posture", store, now=NOW)
    assert outcomes.outcome("sync user: Approve Uninstalled Connected Apps") == "warning"
    assert outcomes.finding("sync user: password").evidence["days_left"] == 7
    assert outcomes.outcome("sync user: API Enabled") == "silent"
    # Granted in the sync user's own permission set: silent at the next reading.
    standin.permission_set_assignments[1]["PermissionSet"][APPROVE_FIELD] = True
    later = NOW + timedelta(hours=1)
    assert collect(store, standin, later).status == "ok"
    outcomes = judge("auth_posture", store, now=later)
    assert outcomes.outcome("sync user: Approve Uninstalled Connected Apps") == "silent"


def test_an_unchanged_reading_is_stored_once_and_costs_one_call(standin, tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    collect(store, standin)
    auth_calls = [r for r in standin.requests if r.path.endswith("/composite")]
    later = NOW + timedelta(hours=1)
    collect(store, standin, later)
    assert len(stored(store)) == 1
    queries = [
        r.soql for r in standin.subrequests if r.soql and "FROM PermissionSetAssignment" in r.soql
    ]
    assert len(queries) == 2  # once per schema pass
    assert auth_calls  # the reads went in /composite calls, never one call per query
