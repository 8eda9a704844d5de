"""`check-connection`: one line per source saying what works and what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from monitor.collectors import salesforce_soql as soql
from monitor.collectors.salesforce import resolve_sync_user
from monitor.collectors.salesforce_client import SalesforceClient, connect, login_from
from monitor.config import Config
from monitor.errors import MonitorError, SourceError


def check_salesforce(config: Config, secrets: Mapping[str, str]) -> tuple[bool, str]:
    """(works, one line) for Salesforce."""
    login = login_from(secrets)
    if login is None:
        return True, (
            "salesforce: not configured (set SALESFORCE_INSTANCE_URL and "
            "SALESFORCE_ACCESS_TOKEN, or a username login; see the README)"
        )
    try:
        client = SalesforceClient(connect(login, config.salesforce_api_version), max_attempts=2)
        sync_user = resolve_sync_user(client, secrets.get("SALESFORCE_SYNC_USER", ""), "")
        limits = client.get("limits/")
    except MonitorError as exc:
        return False, f"salesforce: FAILED ({login.describe()}): {exc}"
    api = limits.get("DailyApiRequests", {})
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
