"""`check-connection` over real HTTPS against the Salesforce stand-in."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli import environment_without, run_monitor
from tests.standins.salesforce import SYNC_USER_ID, SYNC_USERNAME, SalesforceStandIn


def check_connection(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = environment_without("SALESFORCE_", "MONITOR_")
    return run_monitor("check-connection", env={**base, **env}, timeout=120)


def reaching(standin: SalesforceStandIn, tmp_path: Path) -> dict[str, str]:
    """Settings that point check-connection at the stand-in, with its token and the sync user."""
    return {
        **standin.secrets(),
        "SALESFORCE_SYNC_USER": SYNC_USERNAME,
        "REQUESTS_CA_BUNDLE": standin.ca_bundle,
        "MONITOR_DB": str(tmp_path / "m.duckdb"),
    }


def test_check_connection_names_the_sync_user_and_the_budget_without_the_token(tmp_path):
    with SalesforceStandIn() as standin:
        result = check_connection(reaching(standin, tmp_path))
    assert result.returncode == 0, result.stderr
    line = result.stdout.splitlines()[0]
    assert line.startswith("salesforce: ok (access token for https://127.0.0.1:")
    assert SYNC_USER_ID in line and "daily API requests left" in line
    assert standin.token not in result.stdout + result.stderr
    assert result.stdout.splitlines()[1].startswith("marketo: not configured")


def test_check_connection_with_a_bad_token_fails_in_one_line(tmp_path):
    with SalesforceStandIn() as standin:
        result = check_connection(
            {
                "SALESFORCE_INSTANCE_URL": standin.url,
                "SALESFORCE_ACCESS_TOKEN": "00Dbad!token",
                "REQUESTS_CA_BUNDLE": standin.ca_bundle,
                "MONITOR_DB": str(tmp_path / "m.duckdb"),
            }
        )
    assert result.returncode == 1
    assert result.stdout.strip().startswith("salesforce: FAILED")
    assert "INVALID_SESSION_ID" in result.stdout and "00Dbad!token" not in result.stdout


def test_check_connection_without_configuration_says_what_to_set(tmp_path):
    result = check_connection({"MONITOR_DB": str(tmp_path / "m.duckdb")})
    # Nothing to check is a failure to say so, not a pass (exit 1, with what to set).
    assert result.returncode == 1
    assert result.stdout.startswith("salesforce: not configured")
    assert "no source is configured" in result.stderr


def test_check_connection_names_the_missing_manage_users_permission(tmp_path):
    with SalesforceStandIn() as standin:
        standin.login_history_refused = True
        result = check_connection(reaching(standin, tmp_path))
    assert result.returncode == 1
    line = result.stdout.splitlines()[0]
    assert line.startswith("salesforce: PARTIAL")
    assert line.endswith("missing: Manage Users (to read the sync user's login history)")
