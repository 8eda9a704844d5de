"""The weekly report's Salesforce section lists what puts the sync user's connection at risk,
with the Setup change to make, from the auth_posture findings in a real store."""

from __future__ import annotations

from datetime import timedelta

from checks import get_check
from monitor.report.build import build_report
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.test_auth_posture import INSTANCE, NOW, logins, permissions, reading


def test_the_salesforce_section_lists_the_sync_users_auth_risks(tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    reading(store, permissions(api_enabled=False))
    logins(store, "Invalid Password", "Invalid Password", "Invalid Password")
    run_checks(store, INSTANCE, NOW, checks=[get_check("auth_posture")])
    report = build_report(store, week="2026-W47", instance=INSTANCE, now=NOW + timedelta(days=5))
    table = report.instances[0].section("salesforce").table("auth-posture").frame
    assert list(table["risk to"]) == ["sync user: API Enabled", "sync user: logins"]
    assert set(table["severity"]) == {"critical"}
    assert "tick API Enabled" in table.iloc[0]["what to change"]
    assert table.iloc[1]["sync user"] == "sync@acme.example"
