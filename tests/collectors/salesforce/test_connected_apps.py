"""The org's OAuth usage of connected apps, read with the auth posture: the real
simple-salesforce client over HTTPS to the loopback stand-in, which replays the OauthToken and
ConnectedApplication query responses built from Salesforce's documented field lists
(tests/fixtures/real/SOURCES.md, issue 17). Assertions on what lands in DuckDB, what
auth_posture then says, and the calls the reading costs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.store import Store
from tests.checks.harness import NOT_EVALUATED, SILENT, judge
from tests.collectors.salesforce.test_auth import (
    APPROVE_FIELD,
    NOW,
    collect,
    sync_user_standin,
)
from tests.standins.salesforce import SYNC_USER_ID, SalesforceStandIn, load_fixture

SYNC_APP = "Marketo Sync Connector"
SUBJECT = f"sync user: connected app {SYNC_APP}"


def records(name: str, **extra: str) -> list[dict]:
    """The fixture's records as stand-in rows: attributes dropped, Id from the record url."""
    rows = []
    for record in load_fixture(name)["records"]:
        attributes = record.pop("attributes")
        rows.append({"Id": attributes["url"].rsplit("/", 1)[-1], **record, **extra})
    return rows


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceStandIn]:
    with sync_user_standin(monkeypatch, "2026-11-01T09:12:44.000+0000") as running:
        running.oauth_tokens = [
            *records("query_oauthtoken_sync_user_doc.json", UserId=SYNC_USER_ID),
            # Somebody else's token of the same app: not the sync user's, never counted.
            {**records("query_oauthtoken_sync_user_doc.json")[0], "UserId": "005000000000009AAA"},
        ]
        running.connected_applications = records("query_connectedapplication_doc.json")
        yield running


def test_an_uninstalled_app_of_the_sync_user_warns_with_the_install_path(standin, tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    report = collect(store, standin)
    assert report.status == "ok", report.errors
    with store.read() as con:
        [(apps, not_read)] = con.execute(
            "SELECT apps, not_read FROM sync_user_connected_apps"
        ).fetchall()
    assert not_read is None
    by_app = {a["app"]: a for a in json.loads(apps)}
    assert by_app[SYNC_APP]["installed"] is False
    assert by_app[SYNC_APP]["use_count"] == 48213  # the other user's token is not counted
    assert by_app[SYNC_APP]["authorized_at"] == "2024-03-11T16:02:19+00:00"
    assert by_app["Salesforce CLI"]["installed"] is True
    outcomes = judge("auth_posture", store, now=NOW)
    finding = outcomes.finding(SUBJECT)
    assert finding.severity == "warning"
    assert finding.evidence["fix"].startswith(
        f"Setup > Connected Apps OAuth Usage > {SYNC_APP} > Install"
    )
    assert "External Client App" in finding.evidence["fix"]
    assert "app must be installed into org" in finding.detail
    assert outcomes.outcome("sync user: connected app Salesforce CLI") == SILENT
    # Judged per app: the bare permission finding would say it twice.
    assert outcomes.outcome("sync user: Approve Uninstalled Connected Apps") == SILENT
    # The admin declares the app installed (or moved to an External Client App): silent.
    assert judge("auth_posture", store, now=NOW, connected_app_installed=True).outcome(SUBJECT) == (
        SILENT
    )


def test_the_oauth_usage_rides_in_the_auth_composite_call(standin, tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    collect(store, standin)
    token_query = next(r for r in standin.subrequests if "FROM OauthToken" in (r.soql or ""))
    assert f"UserId = '{SYNC_USER_ID}'" in token_query.soql
    composites = [r.json for r in standin.requests if r.path.endswith("/composite")]
    urls = [[sub["url"] for sub in body["compositeRequest"]] for body in composites]
    together = [u for u in urls if any("OauthToken" in x for x in u)]
    # One /composite call carries the User, permission set, token and app queries.
    assert len(together) == 1
    [urls] = together
    assert len(urls) == 4
    for sobject in ("User", "PermissionSetAssignment", "OauthToken", "ConnectedApplication"):
        assert any(f"FROM+{sobject}" in url or f"FROM%20{sobject}" in url for url in urls)


def test_holding_the_bypass_permission_is_info_not_a_warning(standin, tmp_path):
    describe = standin.permission_set_describe
    describe["fields"].append(
        {"name": APPROVE_FIELD, "label": "Approve Uninstalled Connected Apps", "type": "boolean"}
    )
    standin.permission_set_assignments[1]["PermissionSet"][APPROVE_FIELD] = True
    store = Store(tmp_path / "monitor.duckdb")
    assert collect(store, standin).status == "ok"
    finding = judge("auth_posture", store, now=NOW).finding(SUBJECT)
    assert finding.severity == "info"
    assert "relies on Approve Uninstalled Connected Apps" in finding.title


def test_a_hidden_connected_application_list_is_not_evaluated_and_says_why(standin, tmp_path):
    standin.connected_applications = None  # not visible: INVALID_TYPE
    store = Store(tmp_path / "monitor.duckdb")
    assert collect(store, standin).status == "ok"
    outcomes = judge("auth_posture", store, now=NOW)
    assert outcomes.outcome(SUBJECT) == NOT_EVALUATED
    assert "INVALID_TYPE" in outcomes.skipped[SUBJECT].reason
    # Not judged per app: the permission is judged on its own again.
    assert outcomes.outcome("sync user: Approve Uninstalled Connected Apps") == NOT_EVALUATED


def test_refused_oauth_tokens_are_not_evaluated_and_the_rest_is_still_read(standin, tmp_path):
    standin.fail_subrequest("OauthToken", 403, "INSUFFICIENT_ACCESS", "Insufficient Privileges")
    store = Store(tmp_path / "monitor.duckdb")
    assert collect(store, standin).status == "ok"
    outcomes = judge("auth_posture", store, now=NOW)
    reason = outcomes.skipped["sync user: connected app"].reason
    assert "refused (INSUFFICIENT_ACCESS)" in reason
    assert outcomes.outcome("sync user: API Enabled") == SILENT  # the User reading stands


def test_no_visible_token_is_not_evaluated(standin, tmp_path: Path):
    standin.oauth_tokens = []
    store = Store(tmp_path / "monitor.duckdb")
    assert collect(store, standin).status == "ok"
    outcomes = judge("auth_posture", store, now=NOW)
    assert "username and password" in outcomes.skipped["sync user: connected app"].reason


def test_an_unchanged_app_reading_is_stored_once(standin, tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    collect(store, standin)
    standin.oauth_tokens[0]["UseCount"] += 12  # the sync kept using it
    collect(store, standin, NOW + timedelta(hours=1))
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM sync_user_connected_apps").fetchone()[0] == 1
