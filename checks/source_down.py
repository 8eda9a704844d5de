"""Source down: a collector (Salesforce, Marketo) has not collected for several of its intervals,
or its last run was refused its login. Without it every other check goes blind."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, SALESFORCE_ADMIN, Finding, Input, Setting, cause_key
from monitor.vocabulary.taxonomy import classify

ID = "source_down"
TITLE = "A source stopped collecting"
SEVERITY = "warning"
# Findings about Marketo name the Marketo admin (see OWNERS); this is the default.
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: every other check reads what the collectors store. When the Salesforce or
Marketo collector stops (credentials changed or expired, the integration user was frozen, the
API is unreachable, the daily quota is used up, or the scheduler itself stopped), the monitor
does not see backlogs, errors or permission changes any more, and stays silent about them.
A refused login is critical at once: nothing will be collected until someone fixes it.

How to fix: read the last error in the finding (also on the Sources page, per job).
A refused login or an invalid session: the Salesforce admin checks the integration user
(active, not frozen, API Enabled, password or certificate not expired, login IP ranges) and
renews the variables the monitor reads (SALESFORCE_* or the instance's own names); the Marketo
admin checks the API-only user and its LaunchPoint service (Admin > Integration > LaunchPoint),
and MARKETO_CLIENT_ID / MARKETO_CLIENT_SECRET. Unreachable: check the network, the proxy
(HTTPS_PROXY) and the service status pages. Daily quota used up: see the api_budget finding.
Scheduler stopped: start `python -m monitor run` again (systemd: `systemctl start`).
`python -m monitor check-connection` says what works.
"""
SETTINGS = [
    Setting(
        "missed_intervals",
        3,
        "Collection intervals without a successful run before the source counts as down.",
    ),
    Setting(
        "fallback_interval_minutes",
        5,
        "Interval assumed for a source the scheduler does not plan (e.g. `collect` from cron).",
    ),
    Setting(
        "critical_after_minutes",
        60,
        "Minutes without a successful run after which a down source is critical.",
    ),
    Setting(
        "lookback_hours",
        168,
        "A source neither scheduled nor run in this many hours counts as retired, not down.",
    ),
    Setting("sources", ["salesforce", "marketo"], "Collection jobs judged (collection_runs.job)."),
    Setting(
        "auth_error_markers",
        ["login", "session", "credentials", "access token", "invalid_client", "unauthorized"],
        "Words that mark a failed run's error as an authentication failure (case-insensitive),"
        " besides the auth codes of the error taxonomy.",
    ),
]
INPUTS = {"runs": Input("source_health_runs", "sources", "lookback_hours")}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "source": "salesforce or marketo",
    "last_ok_at": "last successful run (UTC, or null)",
    "last_run_at": "last run (UTC)",
    "last_status": "status of the last run",
    "last_error": "error of the last run",
    "failed_runs": "failed runs since the last success",
    "interval_minutes": "the interval the source runs at",
    "quiet_minutes": "minutes since the last success",
    "is_auth_failure": "whether the source refused the login or session",
    "scheduler_state": "running, stopped, once or null",
    "cause_key": "outage:<source>|<last success, or first run>: one outage of one source",
}
OWNERS = {"salesforce": SALESFORCE_ADMIN, "marketo": MARKETO_ADMIN}
LABELS = {"salesforce": "Salesforce", "marketo": "Marketo"}


def is_auth_error(error: str, markers: list[str]) -> bool:
    """Whether a run's error says the source refused the login or the session."""
    if not error:
        return False
    if classify(error).category == "auth":
        return True
    lowered = error.lower()
    return any(re.search(rf"\b{re.escape(marker.lower())}\b", lowered) for marker in markers)


def _time(value: Any) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _judge(row: Any, settings: dict[str, Any], now: pd.Timestamp) -> Finding | None:
    source = str(row.source)
    name = LABELS.get(source, source)
    interval = timedelta(
        seconds=int(row.interval_seconds)
        if not pd.isna(row.interval_seconds)
        else settings["fallback_interval_minutes"] * 60
    )
    last_ok, last_run = _time(row.last_ok_at), _time(row.last_run_at)
    since = last_ok or _time(row.first_run_at) or _time(row.scheduled_at)
    if since is None:
        return None
    error = "" if pd.isna(row.last_error) else str(row.last_error)
    refused = row.last_status == "failed" and is_auth_error(error, settings["auth_error_markers"])
    quiet = now - since
    is_down = quiet >= settings["missed_intervals"] * interval
    if not (refused or is_down):
        return None
    is_critical = refused or quiet >= timedelta(minutes=settings["critical_after_minutes"])
    if refused:
        title = f"{name} refuses the monitor's login"
    elif last_ok is None:
        title = f"{name} has not collected once since {since:%Y-%m-%d %H:%M} UTC"
    else:
        title = f"{name} has not collected for {_minutes(quiet)}"
    stopped = row.scheduler_state == "stopped"
    detail = (
        "Last successful collection: "
        + (f"{last_ok:%Y-%m-%d %H:%M} UTC" if last_ok is not None else "never")
        + f"; {int(row.failed_runs)} failed runs since"
        + (f"; last run {last_run:%Y-%m-%d %H:%M} UTC ({row.last_status})" if last_run else "")
        + (f": {error}" if error else "")
        + f". Expected every {_minutes(interval)}."
        + (" The scheduler (`python -m monitor run`) is stopped." if stopped else "")
    )
    return Finding(
        check=ID,
        subject=source,
        severity="critical" if is_critical else "warning",
        title=title,
        detail=detail,
        owner=OWNERS.get(source, OWNER),
        evidence={
            "source": source,
            "last_ok_at": str(last_ok) if last_ok is not None else None,
            "last_run_at": str(last_run) if last_run is not None else None,
            "last_status": None if pd.isna(row.last_status) else str(row.last_status),
            "last_error": error[:500] or None,
            "failed_runs": int(row.failed_runs),
            "interval_minutes": round(interval.total_seconds() / 60, 2),
            "quiet_minutes": round(quiet.total_seconds() / 60, 1),
            "is_auth_failure": bool(refused),
            "scheduler_state": None if pd.isna(row.scheduler_state) else str(row.scheduler_state),
            "cause_key": cause_key("outage", source, since),
        },
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per source that is down or refused; sources that are fine stay silent, and
    a source that is neither scheduled nor recently run is not judged."""
    findings = []
    for row in data["runs"].itertuples(index=False):
        finding = _judge(row, settings, pd.Timestamp(now))
        if finding is not None:
            findings.append(finding)
    return findings
