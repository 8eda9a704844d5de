"""Silent sync: records keep changing in Salesforce, yet the sync shows no sign of work: no
records synced, no sync activity in Marketo, no Sync Status step, for a long stretch."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.base import MARKETO_ADMIN, Finding, Input, NotEvaluated, Setting

ID = "silent_sync"
TITLE = "The sync is silent while Salesforce records change"
SEVERITY = "warning"
OWNER = MARKETO_ADMIN
SUBJECT = "sync"
RUNBOOK = """
Why it matters: a stopped sync raises no error. When Marketo's sync is paused (by an admin, or
after Salesforce refused the sync user's login), stuck on one object, or its sync user lost its
access, nothing fails record by record: changes in Salesforce simply stop reaching Marketo, and
Marketo's changes stop reaching Salesforce. This check watches for that silence: records keep
changing in Salesforce (inflow) while no record is synced (no writes by the sync user, no
synced throughput), Marketo logs no sync activity (Sync Lead to SFDC, SFDC Activity...) and
no Sync Status step ends.

How to fix: the Marketo admin opens Admin > Salesforce: is the sync enabled, and what does
Sync Status show as the last step? Restart a paused sync (Disable, then Enable Sync). If the
sync reports a login failure, the Salesforce admin checks the sync user (active, not frozen,
password not expired, API Enabled); look for a source_down or sync_user_drift finding. A sync
stuck on one object for hours (a huge backlog after a mass update) drains by itself; contact
Adobe support when it does not move for a day. Quiet hours with little inflow do not fire: tune
min_inflow_records and silent_minutes to the org's rhythm.
"""
SETTINGS = [
    Setting(
        "silent_minutes",
        60,
        "Minutes without any sync activity, while Salesforce inflow continues, before it fires.",
    ),
    Setting(
        "critical_silent_minutes",
        240,
        "Minutes of silence after which the finding is critical.",
    ),
    Setting(
        "min_inflow_records",
        100,
        "Records changed in Salesforce during the silence below which silence is normal.",
    ),
    Setting(
        "lookback_hours",
        24,
        "Hours of history read to find when the sync was last seen at work.",
    ),
    Setting(
        "activity_types",
        [
            "Sync Lead to SFDC",
            "Sync Lead Updates to SFDC",
            "SFDC Activity",
            "SFDC Activity Updated",
            "Convert Lead",
            "Delete Lead from SFDC",
            "SFDC Merge Leads",
            "Add to SFDC Campaign",
            "Remove from SFDC Campaign",
            "Change Status in SFDC Campaign",
        ],
        "Marketo activity types that show the sync at work.",
    ),
]
# Judged as of the newest sync_stats data (checks/base.py, "Judging time").
ANCHOR = "sync_stats"
INPUTS = {
    "signals": Input("silent_sync_signals", "lookback_hours", "activity_types", anchor="sync_stats")
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "silent_since": "when the sync was last seen at work, or the start of what was observed (UTC)",
    "silent_minutes": "minutes of silence",
    "last_activity_at": "last sign of work (UTC, or null)",
    "inflow_records": "records changed in Salesforce during the silence",
    "latest_inflow_at": "latest inflow sample (UTC)",
    "signals_observed": "the signals watched",
}
ACTIVITY_SIGNALS = ("synced_records", "marketo_activities", "sync_status_steps")


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding when inflow continued through `silent_minutes` without any sync activity;
    not evaluated without a recent inflow sample (nothing to compare with)."""
    signals = data["signals"]
    moment = pd.Timestamp(now)
    silent_for = timedelta(minutes=settings["silent_minutes"])
    inflow = signals[signals["signal"] == "inflow"]
    if inflow.empty or inflow["ts"].max() < moment - silent_for:
        return [
            NotEvaluated(
                ID,
                SUBJECT,
                f"no Salesforce inflow collected in the last {settings['silent_minutes']} min",
            )
        ]
    watched = signals[signals["signal"].isin(ACTIVITY_SIGNALS)]
    if watched.empty:
        return [
            NotEvaluated(
                ID,
                SUBJECT,
                "nothing collected shows sync activity (synced records, Marketo sync "
                "activities, Sync Status steps)",
            )
        ]
    activity = watched[watched["amount"] > 0]
    last_activity = activity["ts"].max() if len(activity) else None
    # The silence starts at the last activity seen, or at the start of what was observed.
    silent_since = last_activity if last_activity is not None else inflow["ts"].min()
    quiet = moment - silent_since
    inflow_since = float(inflow.loc[inflow["ts"] > silent_since, "amount"].sum())
    if quiet < silent_for or inflow_since < settings["min_inflow_records"]:
        return []
    is_critical = quiet >= timedelta(minutes=settings["critical_silent_minutes"])
    observed = sorted(set(watched["signal"]))
    seen = (
        f"last seen at work {last_activity:%Y-%m-%d %H:%M} UTC"
        if last_activity is not None
        else f"not seen at work in the last {settings['lookback_hours']} h"
    )
    return [
        Finding(
            check=ID,
            subject=SUBJECT,
            severity="critical" if is_critical else "warning",
            title=f"No sync activity for {_minutes(quiet)} min while "
            f"{inflow_since:,.0f} Salesforce records changed",
            detail=(
                f"The sync was {seen}. Since then {inflow_since:,.0f} records were changed in "
                "Salesforce by users other than the sync user, and no record was synced, no "
                "sync activity was logged in Marketo and no Sync Status step ended. Signals "
                f"watched: {', '.join(observed)}."
            ),
            owner=OWNER,
            evidence={
                "silent_since": str(silent_since),
                "silent_minutes": _minutes(quiet),
                "last_activity_at": str(last_activity) if last_activity is not None else None,
                "inflow_records": inflow_since,
                "latest_inflow_at": str(inflow["ts"].max()),
                "signals_observed": observed,
            },
        )
    ]
