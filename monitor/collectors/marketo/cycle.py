"""The Marketo REST collector: SFDC-related lead activities, and Marketo's API usage and errors.

A steady cycle costs one call: `activities.json` with the paging token the previous cycle kept
(marketo_streams: stream 0, the types the checks live on). Housekeeping rides along, one call in
a cycle at most, the most overdue first: the activity types (ids vary by subscription, looked
up by name once a day, hourly while the subscription has no SFDC type yet), the usage and
the error statistics (hourly), stream 1 (the rarer types, hourly). So a steady cycle costs one
or two calls. The cycle that looks the types up or starts the streams spends its calls on
that instead (the first: three in all), and a burst of activities costs one more call per
300 activities. A 607 (daily quota used up) stops every call until Marketo's midnight.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from monitor.collectors.marketo import usage
from monitor.collectors.marketo.client import MarketoClient
from monitor.collectors.marketo.paging import (
    EVERY_CYCLE,
    STATS_INTERVAL,
    STREAM_MARK,
    TYPES_MARK,
    TYPES_REFRESH,
    MarketoCycleReport,
    Progress,
    backfill_stream,
    cached_types,
    follow_stream,
    iso,
    parse_time,
    plan_streams,
    read_marks,
    read_types,
    set_mark,
    state_of,
)
from monitor.config import Config
from monitor.errors import ConfigError, DailyQuotaExceeded, MarketoRefused, SourceError
from monitor.store import Store, ensure_instance, record_run

__all__ = [
    "EVERY_CYCLE",
    "MarketoCycleReport",
    "backfill_marketo",
    "collect_marketo",
    "plan_streams",
]

JOB = "marketo"
MAX_HISTORY = timedelta(days=90)  # Marketo keeps lead activities this long
MARKETO_DAY = ZoneInfo("America/Chicago")  # the daily quota resets at 00:00 US Central time
USAGE_MARK = "marketo.usage_read_at"
ERRORS_MARK = "marketo.errors_read_at"
QUOTA_MARK = "marketo.quota_exhausted_until"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def next_quota_reset(now: datetime) -> datetime:
    """The next 00:00 US Central time after `now`, in UTC (when a 607 stops being answered)."""
    local = now.astimezone(MARKETO_DAY)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
    return midnight.replace(tzinfo=MARKETO_DAY).astimezone(UTC)


def _refuse_while_quota_used_up(marks: dict[str, str], now: datetime) -> None:
    until = marks.get(QUOTA_MARK)
    if until and now < parse_time(until):
        raise DailyQuotaExceeded(
            f"Marketo's daily API quota was used up (607): no calls until it resets at "
            f"{parse_time(until):%Y-%m-%d %H:%M} UTC (00:00 US Central time)"
        )


# -- housekeeping ---------------------------------------------------------------------------


def _read_statistics(
    store: Store,
    client: MarketoClient,
    instance: str,
    now: datetime,
    report: MarketoCycleReport,
    kind: str,
) -> None:
    """Today's API usage (kind "usage") or errors ("errors") as api_usage rows; the time of the
    read moves with them, also after a refusal (asked again in an hour, not every cycle)."""
    ts = now.replace(second=0, microsecond=0)
    try:
        body = client.get(f"v1/stats/{kind}.json")
    except MarketoRefused as exc:
        report.errors.append(str(exc))
        frame = None
    else:
        frame = (
            usage.usage_rows(body, instance=instance, ts=ts, monitor_user=client.api_user)
            if kind == "usage"
            else usage.error_rows(body, instance=instance, ts=ts)
        )
    with store.write() as con:
        ensure_instance(con, instance)
        if frame is not None:
            report.rows_written += _insert_usage(con, frame)
            report.parts.append(f"API {kind}")
        set_mark(con, instance, USAGE_MARK if kind == "usage" else ERRORS_MARK, iso(now), now)


def _insert_usage(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    # A sample taken again in the same minute replaces the earlier one.
    con.register("_usage", frame)
    try:
        con.execute("INSERT OR REPLACE INTO api_usage BY NAME SELECT * FROM _usage")
    finally:
        con.unregister("_usage")
    return len(frame)


def _due(
    marks: dict[str, str], name: str, key: str | None, every: timedelta, now: datetime
) -> timedelta | None:
    """How long ago a housekeeping task fell due (None: not due)."""
    value = marks.get(name)
    if value and key:
        value = (json.loads(value) or {}).get(key)
    if not value:
        return timedelta.max
    overdue = now - (parse_time(value) + every)
    return overdue if overdue >= timedelta(0) else None


def _housekeeping(
    store: Store,
    client: MarketoClient,
    instance: str,
    streams: list[list[int]],
    marks: dict[str, str],
    now: datetime,
    report: MarketoCycleReport,
) -> None:
    """The most overdue task, one call (two for a stream's first read)."""
    # Without any SFDC type (the sync not set up yet) the types are looked up again hourly,
    # so activities are collected soon after the sync is set up.
    types_every = TYPES_REFRESH if streams else STATS_INTERVAL
    tasks = [
        (
            _due(marks, TYPES_MARK, "read_at", types_every, now),
            lambda: read_types(store, client, instance, now, report, state_of(marks, TYPES_MARK)),
        ),
        (
            _due(marks, USAGE_MARK, None, STATS_INTERVAL, now),
            lambda: _read_statistics(store, client, instance, now, report, "usage"),
        ),
        (
            _due(marks, ERRORS_MARK, None, STATS_INTERVAL, now),
            lambda: _read_statistics(store, client, instance, now, report, "errors"),
        ),
    ]
    for index in range(1, len(streams)):
        tasks.append(
            (
                _due(marks, STREAM_MARK.format(index), "read_at", STATS_INTERVAL, now),
                lambda index=index: follow_stream(
                    store,
                    client,
                    instance,
                    index,
                    streams[index],
                    len(streams),
                    marks,
                    now,
                    now - STATS_INTERVAL,
                    report,
                ),
            )
        )
    due = [(overdue, run) for overdue, run in tasks if overdue is not None]
    if not due:
        return
    _, run = max(due, key=lambda task: task[0])
    try:
        run()
    except MarketoRefused as exc:
        report.errors.append(str(exc))


# -- cycle and backfill ---------------------------------------------------------------------


def _record_run(store: Store, report: MarketoCycleReport, started: datetime, suffix: str = ""):
    with store.write() as con:
        ensure_instance(con, report.instance)
        record_run(
            con,
            run_id=f"{JOB}|{report.instance}|{report.kind}{suffix}|{started.isoformat()}",
            instance=report.instance,
            job=JOB,
            started=started,
            finished=datetime.now(UTC),
            status=report.status,
            rows=report.rows_written,
            api_calls=report.api_calls,
            error="; ".join(report.errors) or None,
        )


def _pause_for_the_day(store: Store, instance: str, now: datetime) -> None:
    with store.write() as con:
        ensure_instance(con, instance)
        set_mark(con, instance, QUOTA_MARK, iso(next_quota_reset(now)), now)


def collect_marketo(
    store: Store, client: MarketoClient, config: Config, *, instance: str, now: datetime
) -> MarketoCycleReport:
    """One cycle: new SFDC-related activities since the kept paging token (a first cycle starts
    marketo_interval_minutes back), plus at most one due housekeeping call. Raises
    DailyQuotaExceeded (607, also for the rest of Marketo's day) and SourceError when Marketo
    cannot be used at all; both are recorded in collection_runs first."""
    now = _utc(now)
    report = MarketoCycleReport(instance, now)
    calls_before = client.calls
    marks = read_marks(store, instance)
    try:
        _refuse_while_quota_used_up(marks, now)
    except DailyQuotaExceeded as exc:
        report.errors.append(str(exc))
        _record_run(store, report, now)
        raise
    reads_types = TYPES_MARK not in marks
    try:
        types = cached_types(store, client, instance, marks, now, report)
        marks[TYPES_MARK] = json.dumps(types)
        streams = plan_streams(types["ids"])
        # A cycle that looks the types up or starts the streams spends its calls on that (and
        # its marks no longer tell where the streams are). Every other cycle does housekeeping,
        # also while there is no SFDC type to follow: else the types, and with them the
        # streams, would never come.
        is_setup = reads_types or (bool(streams) and STREAM_MARK.format(0) not in marks)
        if streams:
            start = now - timedelta(minutes=config.marketo_interval_minutes)
            if types.get("appeared_after"):  # the sync was set up since the monitor began
                start = max(min(start, parse_time(types["appeared_after"])), now - MAX_HISTORY)
            follow_stream(
                store, client, instance, 0, streams[0], len(streams), marks, now, start, report
            )
        else:
            report.errors.append(
                "none of the SFDC activity types exists in this Marketo subscription "
                "(is the Salesforce sync set up?)"
            )
        if not is_setup:
            _housekeeping(store, client, instance, streams, marks, now, report)
    except SourceError as exc:
        if isinstance(exc, DailyQuotaExceeded):
            _pause_for_the_day(store, instance, now)
        report.errors.append(str(exc))
        report.api_calls = client.calls - calls_before
        _record_run(store, report, now)
        raise
    report.api_calls = client.calls - calls_before
    _record_run(store, report, now)
    return report


def backfill_marketo(
    store: Store,
    client: MarketoClient,
    config: Config,
    *,
    instance: str,
    now: datetime,
    since: datetime,
    progress: Progress | None = None,
) -> list[MarketoCycleReport]:
    """Walk the activity history from `since` (at most 90 days back, Marketo's retention), one
    report per stream, then run one ordinary cycle. Interrupted, it resumes where it stopped.
    `progress(pages, reached, share)` is called after every page."""
    now, since = _utc(now), _utc(since)
    if since < now - MAX_HISTORY:
        days = (now - since).days
        raise ConfigError(
            f"--since reaches {days} days back, but Marketo keeps lead activities for 90 days: "
            "ask for 90d or less"
        )
    marks = read_marks(store, instance)
    reports = []
    setup = MarketoCycleReport(instance, now, kind="backfill")
    try:
        _refuse_while_quota_used_up(marks, now)
    except DailyQuotaExceeded as exc:
        setup.errors.append(str(exc))
        _record_run(store, setup, now)
        raise
    calls_before = client.calls
    try:
        types = cached_types(store, client, instance, marks, now, setup)
    except SourceError as exc:
        setup.errors.append(str(exc))
        setup.api_calls = client.calls - calls_before
        _record_run(store, setup, now)
        raise
    streams = plan_streams(types["ids"])
    for index, ids in enumerate(streams):
        report = setup if index == 0 else MarketoCycleReport(instance, now, kind="backfill")
        calls_before = calls_before if index == 0 else client.calls
        pages_before = sum(r.pages for r in reports)
        try:
            backfill_stream(
                store, client, instance, index, ids, since, now, report, progress, pages_before
            )
            if index > 0:
                # An hourly stream is brought up to now too (the closing cycle reads stream 0).
                marks = read_marks(store, instance)
                follow_stream(
                    store, client, instance, index, ids, len(streams), marks, now, now, report
                )
        except SourceError as exc:
            if isinstance(exc, DailyQuotaExceeded):
                _pause_for_the_day(store, instance, now)
            report.errors.append(str(exc))
            report.api_calls = client.calls - calls_before
            _record_run(store, report, now, f".{index}")
            raise
        report.api_calls = client.calls - calls_before
        _record_run(store, report, now, f".{index}")
        reports.append(report)
    reports.append(collect_marketo(store, client, config, instance=instance, now=now))
    return reports
