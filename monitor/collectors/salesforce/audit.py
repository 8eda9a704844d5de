"""Who changed the setup (SetupAuditTrail) and how the sync user logged in (LoginHistory):
the evidence behind permission drift and failed-login findings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from monitor.collectors.salesforce import soql

AUDIT = "setup_audit_trail"  # composite reference ids (objects use object_<Name>)
LOGINS = "login_history"
WATERMARKS = {AUDIT: "salesforce.audit", LOGINS: "salesforce.logins"}
NEEDS = {AUDIT: "View Setup and Configuration", LOGINS: "Manage Users"}
WHAT = {AUDIT: "the setup audit trail", LOGINS: "the sync user's login history"}


def requests(starts: dict[str, datetime], end: datetime, sync_user: str) -> dict[str, str]:
    """reference -> SOQL of the audit queries whose window is open."""
    queries = {}
    if AUDIT in starts:
        queries[AUDIT] = soql.setup_audit_trail(starts[AUDIT], end)
    if LOGINS in starts:
        queries[LOGINS] = soql.login_history(sync_user, starts[LOGINS], end)
    return queries


def salesforce_time(text: str) -> datetime:
    """`2026-11-20T14:57:12.000+0000` as Salesforce writes datetimes, in UTC."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def audit_rows(instance: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "instance": instance,
            "event_id": [r["Id"] for r in records],
            "occurred_at": [salesforce_time(r["CreatedDate"]) for r in records],
            "actor": [(r.get("CreatedBy") or {}).get("Username") for r in records],
            "action": [r.get("Action") for r in records],
            "subject": [r.get("Section") for r in records],
            "detail": [r.get("Display") for r in records],
            "source": "salesforce",
            "raw": [json.dumps(r, sort_keys=True) for r in records],
        }
    )


def login_rows(instance: str, sync_user: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "instance": instance,
            "event_id": [r["Id"] for r in records],
            "occurred_at": [salesforce_time(r["LoginTime"]) for r in records],
            "actor": sync_user,
            "action": "login",
            "subject": [r.get("Status") for r in records],
            "detail": [
                f"{r.get('LoginType') or ''} from {r.get('SourceIp') or '?'}" for r in records
            ],
            "source": "salesforce_login",
            "raw": [json.dumps(r, sort_keys=True) for r in records],
        }
    )


# Setup Audit Trail sections whose changes can alter what the sync user sees or may edit.
SCHEMA_SECTIONS = (
    "Customize",
    "Custom Objects",
    "Manage Users",
    "Profiles",
    "Permission Sets",
    "Permission Set Groups",
    "Field Accessibility",
)


def touches_schema(record: dict[str, Any]) -> bool:
    """Whether an audit trail event may change the sync user's fields or access."""
    return str(record.get("Section") or "").startswith(SCHEMA_SECTIONS)


def refusal(reference: str, code: str) -> str:
    """The problem line for a refused audit query."""
    return (
        f"{WHAT[reference]}: refused ({code}); the connected user needs {NEEDS[reference]}; "
        "the objects are still collected"
    )
