"""The demo workspace: a deterministic simulation of a realistic org's sync, written through
the same store functions the importers and collectors use, always labelled as demo data.

Story of the default 30 days (times relative to `now`):
- a daily and weekly rhythm of edits by sales users (US business hours, quiet weekends);
- a nightly enrichment batch at 07:00 UTC on Account and Contact (a recurring, normal peak);
- day -12: a one-off mass update of Lead scores floods the Lead backlog for a few hours;
- day -3: a profile change strips the sync user's edit access to three Lead fields and read
  access to Campaign; INSUFFICIENT_ACCESS errors follow;
- the last 3 hours: a mass update of Contact scores floods the Contact backlog (still open);
- formula fields on every synced object; validation and lock errors as background noise;
- the sync user's password expires in a week, and the connected app it authorized is not
  installed in the org (two warnings of auth_posture); two failed logins on day -5, then success.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from monitor.collectors.demo import auth as demo_auth
from monitor.collectors.demo import hygiene as demo_hygiene
from monitor.collectors.demo import marketo as demo_marketo
from monitor.collectors.demo import org as demo_org
from monitor.collectors.demo import reconciliation as demo_reconciliation
from monitor.store import Store
from monitor.store.activities import activity_frame, store_activities
from monitor.store.facts import delete_instance, ensure_instance, insert_frame, mark_simulated
from monitor.store.snapshots import write_describe_snapshot, write_permission_snapshot
from monitor.store.sync_errors import COLUMNS as SYNC_ERROR_COLUMNS
from monitor.store.sync_errors import write_sync_errors
from monitor.vocabulary import KEY_PREFIXES, MARKETO_DAILY_API, SALESFORCE_DAILY_API

DEMO_INSTANCE = "demo"
STEP = timedelta(minutes=5)
CAPACITY_PER_CYCLE = 800  # about 10,000 records per hour per object
PULL_RATE = {"Lead": 35, "Contact": 45, "Account": 15, "Opportunity": 8}  # per cycle, peak hours
PUSH_RATE = {"Lead": 25, "Contact": 12, "Account": 2, "Opportunity": 1}
SALES_USERS = ["Dana Whitfield", "Marco Ruiz", "Priya Natarajan", "Sam Okafor", "Lena Berg"]
NIGHTLY_JOB = "Nightly Enrichment (integration user)"
MASS_UPDATER = "ops.admin@acme.example (Data Loader)"


@dataclass
class DemoSummary:
    instance: str
    start: datetime
    now: datetime
    rows: int
    findings: int


def _grid(start: datetime, now: datetime) -> pd.DatetimeIndex:
    return pd.date_range(start, now, freq=STEP, inclusive="right", tz=UTC, unit="us")


def _rhythm(ts: pd.DatetimeIndex) -> np.ndarray:
    """Share of the peak edit rate: US business hours, quiet nights and weekends."""
    hour = ts.hour + ts.minute / 60
    daily = 0.15 + 0.85 * np.clip(np.sin((hour - 13) / 11 * np.pi), 0, None)
    weekly = np.where(ts.day_of_week >= 5, 0.25, 1.0)
    return daily * weekly


def _queue(inflow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backlog and throughput of a queue drained CAPACITY_PER_CYCLE records per cycle."""
    backlog = np.zeros(len(inflow))
    done = np.zeros(len(inflow))
    waiting = 0.0
    for i, arriving in enumerate(inflow):
        waiting += arriving
        done[i] = min(waiting, CAPACITY_PER_CYCLE)
        waiting -= done[i]
        backlog[i] = waiting
    return backlog, done


def _floods(ts: pd.DatetimeIndex, now: datetime, start: datetime) -> dict[str, list[tuple]]:
    """(first cycle, cycles, records, modifier, field) per object: the mass updates."""
    floods: dict[str, list[tuple]] = {"Lead": [], "Contact": []}
    lead_flood = now - timedelta(days=12, hours=5)
    if lead_flood > start + timedelta(days=8):
        floods["Lead"].append((lead_flood, 6, 24_000, MASS_UPDATER, "Lead_Score__c"))
    floods["Contact"].append(
        (now - timedelta(hours=3), 6, 60_000, MASS_UPDATER, "Contact_Score__c")
    )
    return floods


def simulate_series(rng: np.random.Generator, start: datetime, now: datetime):
    """Sync stats and change counts for every demo object and direction."""
    ts = _grid(start, now)
    rhythm = _rhythm(ts)
    stats, changes = [], []
    floods = _floods(ts, now, start)
    nightly = (ts.hour == 7) & (ts.minute < 30)
    for object_name, rate in PULL_RATE.items():
        inflow = rng.poisson(rate * rhythm).astype(float)
        batch = np.zeros(len(ts))
        if object_name in ("Account", "Contact"):
            batch[nightly] = rng.poisson(1_500, int(nightly.sum()))
        flood = np.zeros(len(ts))
        flood_meta = []
        for first, cycles, records, modifier, field in floods.get(object_name, []):
            at = ts.searchsorted(pd.Timestamp(first))
            flood[at : at + cycles] += records / cycles
            flood_meta.append((at, cycles, records, modifier, field))
        total = inflow + batch + flood
        backlog, done = _queue(total)
        for metric, values in (("inflow", total), ("backlog", backlog), ("throughput", done)):
            stats.append(_series(ts, object_name, "sfdc_to_marketo", metric, values))
        push = rng.poisson(PUSH_RATE[object_name] * rhythm).astype(float)
        push_backlog, push_done = _queue(push)
        for metric, values in (
            ("inflow", push),
            ("backlog", push_backlog),
            ("throughput", push_done),
        ):
            stats.append(_series(ts, object_name, "marketo_to_sfdc", metric, values))
        changes.append(_changes(rng, ts, object_name, inflow, batch, flood_meta))
    return pd.concat(stats, ignore_index=True), pd.concat(changes, ignore_index=True)


def _series(ts, object_name, direction, metric, values) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": ts,
            "object": object_name,
            "direction": direction,
            "metric": metric,
            "value": np.round(values),
            "provenance": "demo",
        }
    )


def _changes(rng, ts, object_name, inflow, batch, flood_meta) -> pd.DataFrame:
    """Hourly changes by modifier: who edits the records the sync must pull."""
    hours = ts.floor("h")
    frames = []
    users = rng.choice(len(SALES_USERS), size=len(ts))
    for index, user in enumerate(SALES_USERS):
        frames.append(
            pd.DataFrame(
                {
                    "ts": hours,
                    "modifier": user,
                    "field": "",
                    "changes": np.where(users == index, inflow, 0),
                }
            )
        )
    frames.append(
        pd.DataFrame({"ts": hours, "modifier": NIGHTLY_JOB, "field": "", "changes": batch})
    )
    for at, cycles, records, modifier, field in flood_meta:
        frames.append(
            pd.DataFrame(
                {
                    "ts": hours[at : at + cycles],
                    "modifier": modifier,
                    "field": f"{object_name}.{field}",
                    "changes": records / cycles,
                }
            )
        )
    hourly = pd.concat(frames).groupby(["ts", "modifier", "field"], as_index=False)["changes"].sum()
    hourly = hourly[hourly["changes"] > 0]
    hourly["changes"] = hourly["changes"].round().astype("int64")
    hourly.insert(1, "object", object_name)
    hourly["provenance"] = "demo"
    return hourly


ERROR_KINDS = [
    # (object, error type, details, per-day rate)
    (
        "Lead",
        "Failed to update SFDC",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION: Company is required when Status is Qualified",
        4,
    ),
    (
        "Contact",
        "Failed to update SFDC",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION: Mailing Country must be a 2-letter ISO code",
        3,
    ),
    (
        "Lead",
        "Failed to update SFDC",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value for restricted picklist field: "
        "California",
        2,
    ),
    (
        "Lead",
        "Failed to update SFDC",
        "STRING_TOO_LONG: Company: data value too large: (max length=255)",
        1,
    ),
]
LOCK_ERROR = "{UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or 1 records}"
PERMISSION_ERROR = (
    "INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: {fields}. "
    "Please check the security settings of this field and verify that it is "
    "read/write for your profile or permission set."
)
PREFIX = {name: prefix for prefix, name in KEY_PREFIXES.items()}


def _record_ids(rng: np.random.Generator, object_name: str, n: int) -> tuple[list, list]:
    numbers = rng.integers(1, 40_000, size=n)
    sfdc = [f"{PREFIX[object_name]}5e00000{number:08d}" for number in numbers]
    marketo = [str(1_000_000 + int(number)) for number in numbers]
    return sfdc, marketo


def simulate_errors(
    rng: np.random.Generator, start: datetime, now: datetime, profile_change: datetime
) -> pd.DataFrame:
    """Background validation/data noise, nightly lock errors, and the permission failures."""
    rows = []
    span = (now - start).total_seconds()

    def add(object_name, error_type, details, when):
        sfdc, marketo = _record_ids(rng, object_name, len(when))
        for at, s, m in zip(when, sfdc, marketo, strict=True):
            rows.append((at, object_name, "record", m, s, error_type, details))

    for object_name, error_type, details, per_day in ERROR_KINDS:
        n = rng.poisson(per_day * span / 86400)
        add(
            object_name,
            error_type,
            details,
            [start + timedelta(seconds=float(x)) for x in rng.uniform(0, span, n)],
        )
    day = start.replace(hour=7, minute=0, second=0, microsecond=0)
    while day < now:
        for object_name in ("Account", "Contact"):
            n = rng.poisson(6)
            when = [day + timedelta(minutes=float(m)) for m in rng.uniform(0, 40, n)]
            add(object_name, "Failed to update SFDC", LOCK_ERROR, [w for w in when if w < now])
        day += timedelta(days=1)
    broken = (now - profile_change).total_seconds()
    for fields, per_hour in (
        ("Lead_Score__c", 9),
        ("Lead_Status_Reason__c", 3),
        ("Rating, Lead_Score__c", 1),
    ):
        n = rng.poisson(per_hour * broken / 3600)
        when = [profile_change + timedelta(seconds=float(x)) for x in rng.uniform(0, broken, n)]
        add("Lead", "Failed to update SFDC", PERMISSION_ERROR.format(fields=fields), when)
    frame = pd.DataFrame(rows, columns=list(SYNC_ERROR_COLUMNS))
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True).dt.floor("min")
    frame = frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)
    frame["raw"] = [
        json.dumps({"demo": True, "Failed On": "Record Level", "Error Details": d})
        for d in frame["error_details"]
    ]
    return frame


def _sync_cycles(stats: pd.DataFrame) -> pd.DataFrame:
    """Sync Status steps per hour (as Marketo's page lists them) from the simulated throughput."""
    throughput = stats[stats["metric"] == "throughput"].copy()
    throughput["started_at"] = throughput["ts"].dt.floor("h")
    hourly = throughput.groupby(["started_at", "object", "direction"], as_index=False)[
        "value"
    ].sum()
    hourly["operation"] = np.where(
        hourly["direction"] == "sfdc_to_marketo", "Pull updates", "Push updates"
    )
    hourly["ended_at"] = hourly["started_at"] + timedelta(minutes=4)
    hourly["status"] = "Succeeded"
    hourly["new_count"] = (hourly["value"] * 0.1).round().astype("int64")
    hourly["updated_count"] = hourly["value"].astype("int64") - hourly["new_count"]
    hourly["deleted_count"] = 0
    hourly["failed_count"] = 0
    hourly["skipped_count"] = 0
    hourly["source"] = "demo"
    hourly["raw"] = '{"demo": true}'
    return hourly.drop(columns=["value"])


def _api_usage(rng: np.random.Generator, start: datetime, now: datetime) -> pd.DataFrame:
    hours = pd.date_range(start, now, freq="h", inclusive="right", tz=UTC, unit="us")
    share = (hours.hour + 1) / 24
    rows = [
        pd.DataFrame(
            {
                "ts": hours,
                "source": "salesforce",
                "metric": SALESFORCE_DAILY_API,
                "used": np.round(share * rng.normal(42_000, 3_000, len(hours))),
                "quota": 100_000.0,
            }
        ),
        pd.DataFrame(
            {
                "ts": hours,
                "source": "marketo",
                "metric": MARKETO_DAILY_API,
                "used": np.round(share * rng.normal(14_000, 1_500, len(hours))),
                "quota": 50_000.0,
            }
        ),
    ]
    return pd.concat(rows, ignore_index=True)


def reset_demo(store: Store, instance: str = DEMO_INSTANCE) -> None:
    """Remove every row of the demo instance (rebuilding it starts clean)."""
    with store.write() as con:
        delete_instance(con, instance)


def build_demo(
    store: Store,
    *,
    days: int = 30,
    seed: int = 7,
    now: datetime | None = None,
    instance: str = DEMO_INSTANCE,
    judge: Callable[[Store, str, datetime], Any] | None = None,
) -> DemoSummary:
    """(Re)build the demo workspace ending at `now`; with `judge` (the check runner, given by
    the caller: a collector does not run checks), replay the checks at a few past moments so
    that the findings have a real lifecycle history."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    now = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
    start = now - timedelta(days=days)
    profile_change = now - timedelta(days=3, hours=2)
    rng = np.random.default_rng(seed)
    stats, changes = simulate_series(rng, start, now)
    errors = simulate_errors(rng, start, now, profile_change)
    grid = _grid(start, now)
    activities = demo_marketo.simulate_activities(seed, grid, _rhythm(grid), start, now)
    stats = pd.concat([stats, demo_marketo.task_writes(activities, grid)], ignore_index=True)
    reset_demo(store, instance)
    rows = 0
    with store.write() as con:
        ensure_instance(con, instance, is_demo=True, label="Demo workspace (simulated data)")
        mark_simulated(con, instance, now)
        for table, frame in (
            ("sync_stats", stats),
            ("change_counts", changes),
            ("sync_cycles", _sync_cycles(stats)),
            ("api_usage", _api_usage(rng, start, now)),
        ):
            rows += insert_frame(con, table, frame.assign(instance=instance))
        rows += write_sync_errors(con, instance, errors, source="demo")
        rows += store_activities(
            con, activity_frame(activities, instance=instance, source="demo", received_at=now)
        )
        for object_name in demo_org.object_names():
            for at, after in ((start, False), (profile_change, True)):
                rows += write_describe_snapshot(
                    con,
                    instance,
                    demo_org.describe(object_name, after_profile_change=after),
                    at,
                    "demo",
                )
                rows += write_permission_snapshot(
                    con,
                    instance,
                    object_name,
                    demo_org.permissions(object_name, after_profile_change=after),
                    at,
                    "demo",
                )
        rows += insert_frame(con, "audit_events", _audit_events(instance, profile_change))
        rows += demo_hygiene.write_hygiene_demo(con, instance, now, start=start)
        rows += demo_auth.write_auth_demo(con, instance, now, start=start)
        rows += demo_reconciliation.write_reconciliation_demo(con, instance, now, seed)
    # Replay the checks at a few past moments so findings have a real lifecycle history.
    replay = [
        now - timedelta(days=12, hours=3),
        now - timedelta(days=11),
        profile_change + timedelta(hours=2),
        now - timedelta(days=1),
        now,
    ]
    summary = None
    for moment in sorted(m for m in replay if m > start and judge is not None):
        summary = judge(store, instance, moment)
        if summary.failed_checks:  # a bug, not bad data: the demo must show every check
            raise RuntimeError(f"demo: checks failed: {summary.failed_checks}")
    return DemoSummary(instance, start, now, rows, summary.findings if summary else 0)


def _audit_events(instance: str, profile_change: datetime) -> pd.DataFrame:
    changes = [
        (
            "Lead_Score__c",
            "Changed field-level security for Lead: Lead Score from Read/Write "
            "to Read Only on profile Marketo Sync User",
        ),
        (
            "Lead_Status_Reason__c",
            "Changed field-level security for Lead: Lead Status Reason "
            "from Read/Write to Read Only on profile Marketo Sync User",
        ),
        (
            "Rating",
            "Changed field-level security for Lead: Rating from Read/Write to Read Only "
            "on profile Marketo Sync User",
        ),
        (
            "Campaign",
            "Changed Campaign object permissions on profile Marketo Sync User: removed Read",
        ),
    ]
    return pd.DataFrame(
        {
            "instance": instance,
            "event_id": [f"demo-audit-{i}" for i in range(len(changes))],
            "occurred_at": profile_change,
            "actor": "j.smith@acme.example",
            "action": "profileFlsChanged",
            "subject": "Profiles",  # the Setup Audit Trail section, as the collector stores it
            "detail": [c[1] for c in changes],
            "source": "demo",
            "raw": '{"demo": true}',
        }
    )
