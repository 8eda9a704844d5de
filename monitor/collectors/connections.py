"""`check-connection`: one line per source saying what works and what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from monitor.collectors.salesforce import soql
from monitor.collectors.salesforce.client import SalesforceClient, connect, login_from
from monitor.collectors.salesforce.cycle import resolve_sync_user
from monitor.config import Config
from monitor.errors import ConfigError, MonitorError, SourceError
from monitor.vocabulary import SALESFORCE_DAILY_API


def check_salesforce(config: Config, secrets: Mapping[str, str]) -> tuple[bool | None, str]:
    """(works, one line) for Salesforce; works is None when it is not configured."""
    login = login_from(secrets)
    if login is None:
        return None, (
            "salesforce: not configured (set SALESFORCE_INSTANCE_URL and "
            "SALESFORCE_ACCESS_TOKEN, or a username login; see the README)"
        )
    try:
        client = SalesforceClient(connect(login, config.salesforce_api_version), max_attempts=2)
        sync_user = resolve_sync_user(client, secrets.get("SALESFORCE_SYNC_USER", ""), "")
        limits = client.get("limits/")
    except MonitorError as exc:
        return False, f"salesforce: FAILED ({login.describe()}): {exc}"
    api = limits.get(SALESFORCE_DAILY_API, {})
    missing = []
    now = datetime.now(UTC)
    probes = [
        (
            soql.object_permissions(config.salesforce_objects[:1], sync_user),
            "View Setup and Configuration (to read the sync user's permissions)",
        ),
        (
            soql.setup_audit_trail(now - timedelta(hours=1), now),
            "View Setup and Configuration (to read the setup audit trail)",
        ),
        (
            soql.login_history(sync_user, now - timedelta(hours=1), now),
            "Manage Users (to read the sync user's login history)",
        ),
    ]
    for query, permission in probes:
        try:
            client.query_all(query)
        except SourceError:
            if permission not in missing:
                missing.append(permission)
    budget = f"{api.get('Remaining', '?')}/{api.get('Max', '?')} daily API requests left"
    line = f"salesforce: ok ({login.describe()}; sync user {sync_user}; {budget})"
    if missing:
        return False, line.replace(": ok", ": PARTIAL") + "; missing: " + ", ".join(missing)
    return True, line


def check_marketo(config: Config, secrets: Mapping[str, str]) -> tuple[bool | None, str]:
    """(works, one line) for Marketo: a token, then one call per permission the collector
    needs (activity types, activities, API usage). Four calls, one of them the token's.
    works is None when Marketo is not configured."""
    from monitor.collectors.marketo.client import (
        MarketoClient,
        marketo_login_from,
        since_datetime,
    )
    from monitor.collectors.marketo.usage import DAILY_QUOTA
    from monitor.errors import MarketoRefused
    from monitor.store.activities import SFDC_ACTIVITY_TYPES

    try:
        login = marketo_login_from(secrets)
    except ConfigError as exc:
        return False, f"marketo: FAILED: {exc}"
    if login is None:
        return None, "marketo: not configured (set the four MARKETO_* variables; see the README)"
    client = MarketoClient(login, max_attempts=2)
    missing: list[str] = []
    found: int | None = None
    used: float | None = None
    probes = [
        ("v1/activities/types.json", {}, "Read-Only Activity Metadata (the activity types)"),
        (
            "v1/activities/pagingtoken.json",
            {"sinceDatetime": since_datetime(datetime.now(UTC))},
            "Read-Only Activity (the lead activities)",
        ),
        ("v1/stats/usage.json", {}, "API usage statistics (Marketo answered 603)"),
    ]
    for path, params, permission in probes:
        try:
            body = client.get(path, params)
        except MarketoRefused:
            missing.append(permission)
            continue
        except MonitorError as exc:
            return False, f"marketo: FAILED ({login.describe()}): {exc}"
        if path.endswith("types.json"):
            names = {name.lower() for name in SFDC_ACTIVITY_TYPES.values()}
            found = sum(str(t.get("name", "")).lower() in names for t in body.get("result") or [])
        elif path.endswith("usage.json"):
            days = body.get("result") or [{}]
            used = float(max(days, key=lambda day: str(day.get("date", ""))).get("total") or 0)
    details = [login.describe(), f"API user {client.api_user}"]
    if used is not None:
        details.append(f"{used:,.0f}/{DAILY_QUOTA:,.0f} daily API calls used today")
    if found is not None:
        details.append(f"{found} of {len(SFDC_ACTIVITY_TYPES)} SFDC activity types found")
    line = f"marketo: ok ({'; '.join(details)})"
    if missing:
        return False, line.replace(": ok", ": PARTIAL") + "; missing: " + ", ".join(missing)
    return True, line
