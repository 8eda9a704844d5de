"""The weekly report's Salesforce section lists what puts the sync user's connection at risk,
with the Setup change to make, from the auth_posture findings in a real store; names from
Salesforce (a connected app's) are escaped in the HTML as every other value."""

from __future__ import annotations

from datetime import timedelta

from checks import get_check
from monitor.report.build import build_report
from monitor.report.html import render_html
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.auth import write_connected_apps
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


def test_an_uninstalled_connected_app_is_listed_and_its_name_escaped_in_html(tmp_path):
    hostile = "Sync <img src=x onerror=alert(9)>"
    store = Store(tmp_path / "monitor.duckdb")
    reading(store, permissions(approve_uninstalled_apps=False))
    app = {
        "app": hostile,
        "tokens": 1,
        "use_count": 1200,
        "last_used_at": None,
        "authorized_at": "2024-03-11T16:02:19+00:00",
        "installed": False,
        "admin_approved_only": None,
        "not_judged": None,
    }
    with store.write() as con:
        write_connected_apps(con, INSTANCE, [app], None, NOW - timedelta(hours=1), "salesforce")
    run_checks(store, INSTANCE, NOW, checks=[get_check("auth_posture")])
    report = build_report(store, week="2026-W47", instance=INSTANCE, now=NOW + timedelta(days=5))
    table = report.instances[0].section("salesforce").table("auth-posture").frame
    row = table[table["risk to"] == f"sync user: connected app {hostile}"].iloc[0]
    assert row["severity"] == "warning"
    assert row["what to change"].startswith(f"Setup > Connected Apps OAuth Usage > {hostile}")
    # Judged per app: the bare permission finding is not listed twice.
    assert "sync user: Approve Uninstalled Connected Apps" not in set(table["risk to"])
    html = render_html(report)
    assert hostile not in html
    assert "Sync &lt;img src=x onerror=alert(9)&gt;" in html
