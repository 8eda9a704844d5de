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

from monitor.collectors.context import Cycle
from monitor.collectors.marketo import usage
from monitor.collectors.marketo.paging import (
    EVERY_CYCLE,
    STATS_INTERVAL,
    STREAM_MARK,
    TYPES_MARK,
    TYPES_REFRESH,
    Progress,
    backfill_stream,
    cached_types,
    follow_stream,
    plan_streams,
    read_types,
)
from monitor.collectors.marketo.report import JOB, MarketoReport
from monitor.errors import ConfigError, DailyQuotaExceeded, MarketoRefused
from monitor.store.facts import ensure_instance, replace_api_usage
from monitor.store.runs import recorded_run
from monitor.store.watermarks import iso, json_watermark, parse_time, set_watermark

__all__ = [
    "EVERY_CYCLE",
    "MarketoReport",
    "backfill_marketo",
    "collect_marketo",
    "plan_streams",
]

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


def _read_statistics(cycle: Cycle, kind: str) -> None:
    """Today's API usage (kind "usage") or errors ("errors") as api_usage rows; the time of the
    read moves with them, also after a refusal (asked again in an hour, not every cycle)."""
    now, report = cycle.now, cycle.report
    ts = now.replace(second=0, microsecond=0)
    try:
        body = cycle.client.get(f"v1/stats/{kind}.json")
    except MarketoRefused as exc:
        report.errors.append(str(exc))
        frame = None
    else:
        frame = (
            usage.usage_rows(
                body, instance=cycle.instance, ts=ts, monitor_user=cycle.client.api_user
            )
            if kind == "usage"
            else usage.error_rows(body, instance=cycle.instance, ts=ts)
        )
    with cycle.store.write() as con:
        ensure_instance(con, cycle.instance)
        if frame is not None:
            # A sample taken again in the same minute replaces the earlier one.
            report.rows_written += replace_api_usage(con, frame)
            report.parts.append(f"API {kind}")
        mark = USAGE_MARK if kind == "usage" else ERRORS_MARK
        set_watermark(con, cycle.instance, mark, iso(now), now)


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


def _housekeeping(cycle: Cycle, streams: list[list[int]]) -> None:
    """The most overdue task, one call (two for a stream's first read)."""
    marks, now = cycle.marks, cycle.now
    # Without any SFDC type (the sync not set up yet) the types are looked up again hourly,
    # so activities are collected soon after the sync is set up.
    types_every = TYPES_REFRESH if streams else STATS_INTERVAL
    tasks = [
        (
            _due(marks, TYPES_MARK, "read_at", types_every, now),
            lambda: read_types(cycle, json_watermark(marks, TYPES_MARK)),
        ),
        (
            _due(marks, USAGE_MARK, None, STATS_INTERVAL, now),
            lambda: _read_statistics(cycle, "usage"),
        ),
        (
            _due(marks, ERRORS_MARK, None, STATS_INTERVAL, now),
            lambda: _read_statistics(cycle, "errors"),
        ),
    ]
    for index in range(1, len(streams)):
        tasks.append(
            (
                _due(marks, STREAM_MARK.format(index), "read_at", STATS_INTERVAL, now),
                lambda index=index: follow_stream(cycle, streams, index, now - STATS_INTERVAL),
            )
        )
    due = [(overdue, run) for overdue, run in tasks if overdue is not None]
    if not due:
        return
    _, run = max(due, key=lambda task: task[0])
    try:
        run()
    except MarketoRefused as exc:
        cycle.report.errors.append(str(exc))


# -- cycle and backfill ---------------------------------------------------------------------


def _pause_for_the_day(cycle: Cycle) -> None:
    with cycle.store.write() as con:
        ensure_instance(con, cycle.instance)
        set_watermark(con, cycle.instance, QUOTA_MARK, iso(next_quota_reset(cycle.now)), cycle.now)


def collect_marketo(cycle: Cycle) -> MarketoReport:
    """One cycle: new SFDC-related activities since the kept paging token (a first cycle starts
    marketo_interval_minutes back), plus at most one due housekeeping call. Raises
    DailyQuotaExceeded (607, also for the rest of Marketo's day) and SourceError when Marketo
    cannot be used at all; the run is recorded however it ends."""
    cycle.now = _utc(cycle.now)
    report = cycle.report = MarketoReport(JOB, cycle.instance, cycle.now, key="cycle")
    with recorded_run(cycle.store, report, client=cycle.client, calls_before=cycle.client.calls):
        marks = cycle.read_marks("marketo.")
        _refuse_while_quota_used_up(marks, cycle.now)
        reads_types = TYPES_MARK not in marks
        try:
            types = cached_types(cycle)
            marks[TYPES_MARK] = json.dumps(types)
            streams = plan_streams(types["ids"])
            # A cycle that looks the types up or starts the streams spends its calls on that
            # (and its marks no longer tell where the streams are). Every other cycle does
            # housekeeping, also while there is no SFDC type to follow: else the types, and
            # with them the streams, would never come.
            is_setup = reads_types or (bool(streams) and STREAM_MARK.format(0) not in marks)
            if streams:
                start = cycle.now - timedelta(minutes=cycle.config.marketo_interval_minutes)
                if types.get("appeared_after"):  # the sync was set up since the monitor began
                    start = max(
                        min(start, parse_time(types["appeared_after"])), cycle.now - MAX_HISTORY
                    )
                follow_stream(cycle, streams, 0, start)
            else:
                report.has_no_sfdc_types = True
                report.errors.append(
                    "none of the SFDC activity types exists in this Marketo subscription "
                    "(is the Salesforce sync set up?)"
                )
            if not is_setup:
                _housekeeping(cycle, streams)
        except DailyQuotaExceeded:
            _pause_for_the_day(cycle)
            raise
    return report


def backfill_marketo(
    cycle: Cycle, since: datetime, progress: Progress | None = None
) -> list[MarketoReport]:
    """Walk the activity history from `since` (at most 90 days back, Marketo's retention), one
    report (and run) per stream, then run one ordinary cycle. Interrupted, it resumes where it
    stopped. `progress(pages, reached, share)` is called after every page."""
    now, since = _utc(cycle.now), _utc(since)
    cycle.now = now
    if since < now - MAX_HISTORY:
        days = (now - since).days
        raise ConfigError(
            f"--since reaches {days} days back, but Marketo keeps lead activities for 90 days: "
            "ask for 90d or less"
        )
    reports: list[MarketoReport] = []
    # Until the streams are known, the run is the backfill's; then stream 0's (the types
    # lookup and stream 0's pages are one run).
    setup = cycle.report = MarketoReport(JOB, cycle.instance, now, key="backfill", kind="backfill")
    calls_before = cycle.client.calls
    with recorded_run(cycle.store, setup, client=cycle.client, calls_before=calls_before):
        marks = cycle.read_marks("marketo.")
        _refuse_while_quota_used_up(marks, now)
        types = cached_types(cycle)
        streams = plan_streams(types["ids"])
        if streams:
            setup.key = "backfill.0"
            _backfill_one(cycle, streams, 0, since, progress, reports)
    reports.append(setup)
    for index in range(1, len(streams)):
        report = cycle.report = MarketoReport(
            JOB, cycle.instance, now, key=f"backfill.{index}", kind="backfill"
        )
        with recorded_run(
            cycle.store, report, client=cycle.client, calls_before=cycle.client.calls
        ):
            _backfill_one(cycle, streams, index, since, progress, reports)
            # An hourly stream is brought up to now too (the closing cycle reads stream 0).
            cycle.read_marks("marketo.")
            follow_stream(cycle, streams, index, now)
        reports.append(report)
    reports.append(
        collect_marketo(Cycle(cycle.store, cycle.client, cycle.config, cycle.instance, now))
    )
    return reports


def _backfill_one(
    cycle: Cycle,
    streams: list[list[int]],
    index: int,
    since: datetime,
    progress: Progress | None,
    reports: list[MarketoReport],
) -> None:
    pages_before = sum(r.pages for r in reports)
    try:
        backfill_stream(cycle, streams[index], index, since, progress, pages_before)
    except DailyQuotaExceeded:
        _pause_for_the_day(cycle)
        raise
