"""The Permissions page's "Sync user's connection" section in AppTest: on the demo workspace
it shows the sync user's posture at a glance (active, profile, password against the policy,
system permissions, connected apps, logins) and each open risk with the change to make; a
failed-login streak shows as a critical risk; before any reading it says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from streamlit.testing.v1 import AppTest

from checks import get_check
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import ensure_instance
from tests.checks.test_auth_posture import INSTANCE, logins, permissions, reading
from tests.dashboard.pages import open_page

SECTION = "Sync user's connection"


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if column in d.value.columns)


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def open_permissions(dashboard, path, instance: str | None = None) -> AppTest:
    app = dashboard(path)
    if instance:
        app.query_params["instance"] = instance
    open_page(app, "permissions")
    assert SECTION in texts(app.subheader)
    return app


def test_the_demo_shows_the_sync_users_connection_at_a_glance(demo_store, dashboard):
    app = open_permissions(dashboard, demo_store.path)
    facts = table_with(app, "what").set_index("what")["state"]
    assert facts["Active"] == "yes"
    assert facts["Profile"] == "Marketo Sync User"
    assert facts["Sync user"] == "marketo.sync@acme.example"
    # Changed 83 days before the end of the simulation, 90-day policy; the zone is named.
    assert "(7 days left)" in facts["Password"]
    assert "under the 90-day policy" in facts["Password"] and " UTC" in facts["Password"]
    system = table_with(app, "system permission").set_index("system permission")["state"]
    assert system["API Enabled"] == "granted"
    assert system["Password Never Expires"] == "missing"
    assert system["Approve Uninstalled Connected Apps"].startswith("not readable over the API")
    apps = table_with(app, "connected app")
    assert apps.iloc[0].tolist()[:2] == ["Marketo Sync Connector", "no"]
    # Use figures are as of the stored reading (stored only on change), and say so.
    assert [c for c in apps.columns if c.startswith("last used (as read ")]
    markdown = " ".join(texts(app.markdown))
    assert "Marketo Sync Connector is not installed in the org" in markdown
    assert "Connected Apps OAuth Usage" in markdown  # the change to make, in full
    assert "password expires in 7 days" in markdown
    captions = " ".join(texts(app.caption))
    assert "no failure streak (2 failed in the last 7 days" in captions


def test_a_failed_login_streak_shows_as_a_critical_risk(tmp_path, dashboard):
    store = Store(tmp_path / "monitor.duckdb")
    # The page reads as of the wall clock for a real instance: the facts are written around it.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    reading(store, permissions(), changed=now - timedelta(days=10), at=now - timedelta(hours=1))
    logins(
        store,
        "Success",
        "Invalid Password",
        "Invalid Password",
        "Password Lockout",
        start=now - timedelta(hours=3),
    )
    run_checks(store, INSTANCE, now, checks=[get_check("auth_posture")])
    app = open_permissions(dashboard, store.path, INSTANCE)
    captions = " ".join(texts(app.caption))
    assert "3 failed logins in a row since" in captions
    assert "last: Password Lockout" in captions
    markdown = " ".join(texts(app.markdown))
    assert "3 failed logins of the sync user in a row** (critical)" in markdown
    assert "Unlock" in markdown


def test_before_any_reading_the_section_says_so(tmp_path, dashboard):
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        ensure_instance(con, INSTANCE)
    app = open_permissions(dashboard, store.path, INSTANCE)
    assert any("No reading of the sync user's User row" in c for c in texts(app.caption))
