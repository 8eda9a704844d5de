"""Marketo activity streams: which type ids each call asks for, and where each stream stands.

Marketo takes at most 10 activity type ids per `activities.json` call, so the SFDC-related
types are split into streams: stream 0 (EVERY_CYCLE) is read every cycle, stream 1 (the rarer
types) hourly. A stream's position is a paging token, kept in the watermarks table
(`marketo.stream.<n>`) and committed in the same transaction as the page of activities it
follows: a crash re-reads at most the page it was on, and a re-read stores nothing twice
(activities are keyed by their marketoGUID). A backfill walks the history with a token of its
own (`marketo.backfill.<n>`), committed page by page the same way, and hands over to the
stream where the stream began. Paging tokens are positions in time, whatever type ids they are
used with, so a new stream can start from another's token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from monitor.collectors.context import Cycle
from monitor.collectors.marketo.client import MarketoClient, since_datetime
from monitor.errors import ActivityShapeError, MarketoRefused
from monitor.store.activities import (
    SFDC_ACTIVITY_TYPES,
    activity_frame,
    store_activities,
)
from monitor.store.facts import ensure_instance
from monitor.store.quarantine import Rejected, quarantine
from monitor.store.watermarks import (
    drop_watermark,
    iso,
    json_watermark,
    parse_time,
    set_watermark,
    watermarks_in,
)

SOURCE = "marketo_rest"
ORIGIN = "GET /rest/v1/activities.json"
MAX_TYPE_IDS = 10  # activity type ids Marketo takes per activities.json call
MAX_PAGES_PER_CYCLE = 100  # 30,000 activities; the next cycle goes on from the kept token
TYPES_REFRESH = timedelta(days=1)
STATS_INTERVAL = timedelta(hours=1)
# The types every cycle reads (the counts), at most 10; the rest of
# SFDC_ACTIVITY_TYPES go to the hourly stream.
EVERY_CYCLE = (
    "Sync Lead to SFDC",
    "Sync Lead Updates to SFDC",
    "SFDC Activity",
    "SFDC Activity Updated",
    "Push Lead to Marketo",
    "Convert Lead",
    "Add to SFDC Campaign",
    "Remove from SFDC Campaign",
    "Change Status in SFDC Campaign",
    "Change Data Value",
)
TYPES_MARK = "marketo.activity_types"
STREAM_MARK = "marketo.stream.{}"
BACKFILL_MARK = "marketo.backfill.{}"

Progress = Callable[[int, datetime, float], None]


# -- activity types, pages and streams ------------------------------------------------------


def plan_streams(type_ids: dict[str, int]) -> list[list[int]]:
    """Activity type ids per stream, at most 10 each: EVERY_CYCLE first (stream 0)."""
    names = list(EVERY_CYCLE) + [n for n in SFDC_ACTIVITY_TYPES.values() if n not in EVERY_CYCLE]
    ids = [type_ids[name] for name in names if name in type_ids]
    return [ids[i : i + MAX_TYPE_IDS] for i in range(0, len(ids), MAX_TYPE_IDS)]


def read_types(cycle: Cycle, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Look the SFDC-related type ids up by name; when Marketo refuses, fall back to the
    standard ids for an hour. When `previous` (the last lookup) found none and this one finds
    some, `appeared_after` keeps the last lookup's time: no activity of those types is older,
    so the first stream can start there and miss nothing since the sync was set up."""
    now, report = cycle.now, cycle.report
    wanted = {name.lower(): name for name in SFDC_ACTIVITY_TYPES.values()}
    try:
        body = cycle.client.get("v1/activities/types.json")
    except MarketoRefused as exc:
        report.errors.append(f"{exc}; using the standard activity type ids meanwhile")
        ids = {name: type_id for type_id, name in SFDC_ACTIVITY_TYPES.items()}
        read_at = now - TYPES_REFRESH + STATS_INTERVAL
    else:
        ids = {
            wanted[str(item.get("name", "")).lower()]: int(item["id"])
            for item in body.get("result") or []
            if str(item.get("name", "")).lower() in wanted and str(item.get("id", "")).isdigit()
        }
        read_at = now
        report.parts.append("activity types")
    state = {"read_at": iso(read_at), "ids": ids}
    if previous is not None and not previous.get("ids") and ids:
        state["appeared_after"] = previous["read_at"]
    with cycle.store.write() as con:
        ensure_instance(con, cycle.instance)
        set_watermark(con, cycle.instance, TYPES_MARK, state, now)
    return state


def cached_types(cycle: Cycle) -> dict[str, Any]:
    """The type ids looked up earlier, or looked up now (the first cycle)."""
    cached = json_watermark(cycle.marks, TYPES_MARK)
    if cached is None:
        return read_types(cycle)
    return cached


def _rows(
    records: list[dict[str, Any]], instance: str, now: datetime, names: dict[int, str]
) -> tuple[pd.DataFrame, list[Rejected]]:
    """The page's activities as rows; records that are not activities are set aside."""
    try:
        return activity_frame(
            records, instance=instance, source=SOURCE, received_at=now, type_names=names
        ), []
    except (ActivityShapeError, ValueError, TypeError):
        pass
    good, rejected = [], []
    for line, record in enumerate(records, start=1):
        try:
            activity_frame([record], instance=instance, source=SOURCE, received_at=now)
            good.append(record)
        except (ActivityShapeError, ValueError, TypeError) as exc:
            raw = json.dumps(record, default=str, sort_keys=True)
            rejected.append(Rejected(line, f"not an activity record: {exc}", raw))
    frame = activity_frame(
        good, instance=instance, source=SOURCE, received_at=now, type_names=names
    )
    return frame, rejected


@dataclass
class _Page:
    records: list[dict[str, Any]]
    token: str
    more: bool

    @property
    def latest(self) -> datetime | None:
        """The latest activityDate on the page (records without a valid one are skipped)."""
        dates = pd.to_datetime(
            [r.get("activityDate") for r in self.records], utc=True, errors="coerce"
        ).dropna()
        return dates.max().to_pydatetime() if len(dates) else None


def _fetch_page(client: MarketoClient, token: str, ids: list[int]) -> _Page:
    body = client.get(
        "v1/activities.json",
        {"nextPageToken": token, "activityTypeIds": [str(i) for i in ids]},
    )
    records = [r for r in body.get("result") or [] if isinstance(r, dict)]
    return _Page(records, str(body.get("nextPageToken") or token), body.get("moreResult") is True)


def paging_token(client: MarketoClient, since: datetime) -> str:
    """A token for the activities after `since` (one call)."""
    body = client.get("v1/activities/pagingtoken.json", {"sinceDatetime": since_datetime(since)})
    token = body.get("nextPageToken")
    if not isinstance(token, str) or not token:
        raise MarketoRefused("Marketo answered the paging token request without a token")
    return token


def _store_page(
    con: duckdb.DuckDBPyConnection, cycle: Cycle, page: _Page, names: dict[int, str]
) -> None:
    report = cycle.report
    frame, rejected = _rows(page.records, cycle.instance, cycle.now, names)
    ensure_instance(con, cycle.instance)
    report.rows_written += store_activities(con, frame)
    quarantine(con, cycle.instance, "marketo_activity", ORIGIN, rejected)
    report.activities_read += len(page.records)
    report.pages += 1
    if rejected:
        report.errors.append(f"{len(rejected)} activity records were malformed (quarantined)")


def follow_stream(cycle: Cycle, streams: list[list[int]], index: int, start: datetime) -> None:
    """Read stream `index` from its kept token until Marketo says there is no more (or the
    page budget of a cycle is spent); every page is committed with the token after it."""
    marks, now, instance = cycle.marks, cycle.now, cycle.instance
    ids, stream_count = streams[index], len(streams)
    names = {type_id: name for name, type_id in json_watermark(marks, TYPES_MARK)["ids"].items()}
    state = json_watermark(marks, STREAM_MARK.format(index))
    fresh: dict[str, Any] = {}
    if state is None:
        token = paging_token(cycle.client, start)
        state = {"token": token, "origin": iso(start)}
        # Paging tokens are positions in time, whatever types are asked with them: the
        # other new streams start here too, and their first read costs one call.
        fresh = {
            other: dict(state)
            for other in range(stream_count)
            if other != index and STREAM_MARK.format(other) not in marks
        }
    for _ in range(MAX_PAGES_PER_CYCLE):
        page = _fetch_page(cycle.client, state["token"], ids)
        state = {**state, "token": page.token, "read_at": iso(now)}
        with cycle.store.write() as con:
            _store_page(con, cycle, page, names)
            set_watermark(con, instance, STREAM_MARK.format(index), state, now)
            for other, other_state in fresh.items():
                set_watermark(con, instance, STREAM_MARK.format(other), other_state, now)
        fresh = {}
        if not page.more:
            return
    cycle.report.parts.append(f"stream {index}: more activities waiting for the next cycle")


def backfill_stream(
    cycle: Cycle,
    ids: list[int],
    index: int,
    since: datetime,
    progress: Progress | None,
    pages_before: int,
) -> None:
    """Cover [since, where stream `index` began) page by page; resumes a cursor left behind.
    `progress` gets the pages walked by the whole backfill (`pages_before` in other streams)."""
    store, client, instance, now, report = (
        cycle.store,
        cycle.client,
        cycle.instance,
        cycle.now,
        cycle.report,
    )
    while True:
        marks = cycle.read_marks("marketo.")
        names = {
            type_id: name for name, type_id in json_watermark(marks, TYPES_MARK)["ids"].items()
        }
        stream = json_watermark(marks, STREAM_MARK.format(index))
        cursor = json_watermark(marks, BACKFILL_MARK.format(index))
        if cursor is None:
            if stream is not None and parse_time(stream["origin"]) <= since:
                return
            cursor = {
                "token": paging_token(client, since),
                "since": iso(since),
                "until": stream["origin"] if stream else None,
            }
        start = parse_time(cursor["since"])
        until = parse_time(cursor["until"]) if cursor["until"] else None
        end = until or now
        while True:
            page = _fetch_page(client, cursor["token"], ids)
            latest = page.latest
            done = not page.more or (until is not None and latest is not None and latest >= until)
            reached = latest or parse_time(cursor.get("reached") or cursor["since"])
            cursor = {**cursor, "token": page.token, "reached": iso(reached)}
            with store.write() as con:
                _store_page(con, cycle, page, names)
                if done:
                    drop_watermark(con, instance, BACKFILL_MARK.format(index))
                    # Read again inside the transaction: a cycle may have moved the stream on.
                    current = json_watermark(
                        watermarks_in(con, instance, STREAM_MARK.format(index)),
                        STREAM_MARK.format(index),
                    )
                    handed = (
                        {**current, "origin": cursor["since"]}
                        if current
                        else {"token": page.token, "origin": cursor["since"], "read_at": iso(now)}
                    )
                    set_watermark(con, instance, STREAM_MARK.format(index), handed, now)
                else:
                    set_watermark(con, instance, BACKFILL_MARK.format(index), cursor, now)
            if progress:
                reached = min(reached, end)
                span = (end - start).total_seconds() or 1.0
                share = 1.0 if done else max(0.0, (reached - start).total_seconds() / span)
                progress(pages_before + report.pages, reached, share)
            if done:
                break
