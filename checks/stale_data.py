"""Stale data: a source that stopped delivering. No data is not health: when the exports or the
Data Streams stop arriving, the checks that read them can no longer see a problem, and the
monitor says so instead of calling the sync healthy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, Finding, Input, Setting, cause_key

ID = "stale_data"
TITLE = "Data too old to judge the sync"
SEVERITY = "warning"
OWNER = MARKETO_ADMIN
RUNBOOK = """
Why it matters: the monitor judges the sync by the data it has. Marketo's Sync Errors and Sync
Status pages have no API, so their exports reach the monitor only when someone (or a scheduled
download into the inbox folder) delivers them; Data Streams reach it only while the Adobe I/O
subscription delivers events. When a feed stops, every check that reads it keeps its last
verdict: a problem stays open, but a new one cannot be seen. This check names the feed that
went quiet and since when. Collectors (Salesforce, Marketo REST) are watched by source_down.

How to fix (Marketo admin): export Admin > Salesforce > Sync Errors (and Sync Status) and
import it (`python -m monitor import sync-errors FILE`, the dashboard's Sources page, or the
inbox folder that `run` watches); if the inbox is fed by a scheduled download, check that job.
For Data Streams, check the Adobe I/O Events subscription and the receiver's log
(`serve-streams`). If you no longer use a feed on purpose, raise its setting or silence this
finding.
"""
SETTINGS = [
    Setting(
        "export_stale_hours",
        36,
        "Hours without a new Sync Errors or Sync Status export (or imported series) after "
        "which that feed is stale.",
    ),
    Setting(
        "stream_stale_hours",
        24,
        "Hours without any Data Streams event after which the stream is stale.",
    ),
]
INPUTS = {"sources": Input("source_freshness")}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "source": "the feed (Sync Errors exports, Sync Status exports, Data Streams ...)",
    "kind": "export or stream",
    "newest": "the newest data the feed delivered (UTC)",
    "last_delivery": "the last import or event received (UTC, or null)",
    "age_hours": "hours since the newest data",
    "stale_after_hours": "the feed's expected cadence",
    "cause_key": "outage:<source>|<newest data>: one outage of one feed",
}
# What goes blind when a feed stops: said in the finding, so the reader knows what is at stake.
BLIND = {
    "sync-errors": "permission failures, validation and picklist errors, stuck records and "
    "lock contention",
    "sync-status": "the Sync Status steps (silent sync, the Salesforce → Marketo backlog basis)",
    "sync-stats": "the imported backlog and throughput series (backlog spikes)",
    "data_streams": "Marketo's sync activity from the stream (score churn, task volume, "
    "silent sync)",
}


def _limit(kind: str, settings: dict[str, Any]) -> int | None:
    if kind == "export":
        return settings["export_stale_hours"]
    if kind == "stream":
        return settings["stream_stale_hours"]
    return None  # collectors: source_down; a demo workspace is a recording


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per export feed or stream whose newest data is older than its cadence."""
    results: list[Finding] = []
    moment = pd.Timestamp(now)
    for row in data["sources"].itertuples(index=False):
        hours = _limit(row.kind, settings)
        if hours is None or pd.isna(row.newest):
            continue
        age = moment - pd.Timestamp(row.newest)
        if age <= timedelta(hours=hours):
            continue
        age_hours = age.total_seconds() / 3600
        since = f"{pd.Timestamp(row.newest):%Y-%m-%d %H:%M} UTC"
        results.append(
            Finding(
                check=ID,
                subject=row.source,
                severity=SEVERITY,
                title=f"No {row.source} data since {since}: the monitor cannot judge the sync",
                detail=(
                    f"The newest {row.source} data is {age_hours:,.0f} hours old (expected "
                    f"within {hours} h). Until fresh data arrives, the monitor cannot see new "
                    f"problems in {BLIND.get(row.key, 'what this source reports')}; findings "
                    "already open stay open."
                ),
                owner=OWNER,
                evidence={
                    "source": row.source,
                    "kind": row.kind,
                    "newest": str(pd.Timestamp(row.newest)),
                    "last_delivery": None
                    if pd.isna(row.last_attempt)
                    else str(pd.Timestamp(row.last_attempt)),
                    "age_hours": round(age_hours, 1),
                    "stale_after_hours": hours,
                    "cause_key": cause_key("outage", row.source, pd.Timestamp(row.newest)),
                },
            )
        )
    return results
