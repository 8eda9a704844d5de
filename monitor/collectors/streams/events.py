"""Marketo Data Streams payloads -> rows: what the receiver accepts, and why it rejects the rest.

Adobe I/O Events posts one event (a JSON object) or a batch (an array). Each event carries an
id (`eventid`; older examples `event_id`; CloudEvents `id`) and a CloudEvents body, either flat
(lead activity stream) or under `event.body` (user audit and notification streams). A lead
activity's own id is the CloudEvents `id`: Adobe's migration guide maps the REST API's (and the
legacy stream's) `activities[].marketoGUID` to it; `data.activityLogItemId` is another number
(fixtures/real/marketo/lead_activity_stream_migration_*). Keyed by it, an activity that arrives
over REST and over Data Streams is stored and counted once.

    lead activity  com.adobe.platform.marketo.activity.standard.<name>  -> marketo_activities
                   (SFDC-related types only, known by the documented standard type id
                   or by name; other activity types are ignored)
    user audit     com.adobe.platform.marketo.audit.user.<component>    -> audit_events
    notification   com.adobe.platform.marketo.notification.web_services -> api_usage
    anything else of Marketo's (other activity types, observability, campaign notifications)
                   is acknowledged and logged as `ignored`.

The legacy Lead Activity Data Stream (before Adobe I/O Events; Adobe still documents it for
customers in migration) posts `{"sourceApplication": "Marketo", "munchkinId", "messageId",
"messageCreatedDate", "activities": [{"marketoGUID", "leadId", "activityDate",
"activityTypeId", "activityType", ...}]}`. Its fields map one to one: each activity is taken as
an event (id `legacy:<marketoGUID>`, type LEGACY_TYPE), and a problem in it is named as the
legacy format's.

A batch is accepted whole or not at all: one event that is not an event rejects the body,
naming the event's position, so nothing of a bad batch is stored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from monitor.errors import ActivityShapeError, EventShapeError
from monitor.store.activities import (
    SFDC_ACTIVITY_TYPES,
    activity_frame,
)
from monitor.vocabulary import MARKETO_DAILY_API

MARKETO = "com.adobe.platform.marketo."
ACTIVITY = MARKETO + "activity."
AUDIT = MARKETO + "audit.user."
WEB_SERVICES = MARKETO + "notification.web_services"
SOURCE = "data_streams"
USAGE_METRIC = MARKETO_DAILY_API  # the metric the REST collector and the api_budget check use
ID_KEYS = ("eventid", "event_id", "id")
# A lead activity's marketoGUID: the CloudEvents `id` (Adobe's mapping), else a marketoGUID the
# data carries.
ACTIVITY_ID_KEYS = ("id",)
LEGACY = "legacy Lead Activity Data Stream format (sourceApplication, activities[])"
LEGACY_TYPE = "marketo.legacy.activity"
MAX_ID_CHARS = 256
# Plausible event times; also keeps every time inside pandas' and DuckDB's ranges.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200
SFDC_TYPE_NAMES = {name.lower() for name in SFDC_ACTIVITY_TYPES.values()}
LOG_COLUMNS = ["instance", "event_id", "event_type", "outcome", "occurred_at", "received_at"]
AUDIT_COLUMNS = [
    "instance",
    "event_id",
    "occurred_at",
    "actor",
    "action",
    "subject",
    "detail",
    "source",
    "raw",
]
USAGE_COLUMNS = ["instance", "ts", "source", "metric", "used", "quota"]


@dataclass(frozen=True)
class StreamEvent:
    """One accepted event: where it goes (`outcome`) and what it says."""

    position: int
    event_id: str
    event_type: str
    outcome: str  # activity | audit | api_usage | ignored
    occurred_at: datetime | None
    data: Mapping[str, Any]
    raw: Mapping[str, Any]


@dataclass
class Batch:
    """The rows one request body becomes; written in one transaction."""

    events: list[StreamEvent]
    activities: pd.DataFrame
    audit: pd.DataFrame
    usage: pd.DataFrame
    log: pd.DataFrame
    outcomes: dict[str, int] = field(default_factory=dict)


def decode_body(body: bytes) -> Any:
    """The body as JSON (strict UTF-8, no NaN/Infinity), or EventShapeError with the reason."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EventShapeError(f"the body is not UTF-8 text (byte {exc.start})") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise EventShapeError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except (ValueError, RecursionError) as exc:
        # Integers past Python's digit limit, NaN/Infinity, nesting past the recursion limit.
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise EventShapeError(f"invalid JSON: {reason}"[:200]) from None
    if "\\ud" in text.lower():
        # A \uD800-\uDFFF escape decodes to a lone surrogate that no database column can hold.
        try:
            json.dumps(document, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise EventShapeError("invalid JSON: a \\u escape names a lone surrogate") from None
    return document


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def validation_url(document: Any) -> str | None:
    """Adobe's asynchronous validation request ({"validationUrl": ...}), if it is one."""
    if isinstance(document, dict) and set(document) == {"validationUrl"}:
        url = document["validationUrl"]
        if isinstance(url, str) and url.startswith("https://") and len(url) < 2048:
            return url
    return None


def parse_batch(document: Any, *, instance: str, received_at: datetime) -> Batch:
    """Every event of a decoded body, classified and turned into rows; EventShapeError for the
    first event that is not a Marketo Data Streams event (then nothing of the body is used)."""
    if is_legacy(document):
        every = _legacy_events(document)
    else:
        items = document if isinstance(document, list) else [document]
        if not items:
            raise EventShapeError("an empty batch holds no event")
        every = [_event(item, position) for position, item in enumerate(items, start=1)]
    events: list[StreamEvent] = []
    seen: set[str] = set()
    for event in every:
        if event.event_id not in seen:  # the same event twice in one body counts once
            seen.add(event.event_id)
            events.append(event)
    activities = _activities(events, instance, received_at)
    outcomes: dict[str, int] = {}
    for event in events:
        outcomes[event.outcome] = outcomes.get(event.outcome, 0) + 1
    log = pd.DataFrame(
        {
            "instance": instance,
            "event_id": [e.event_id for e in events],
            "event_type": [e.event_type for e in events],
            "outcome": [e.outcome for e in events],
            "occurred_at": pd.to_datetime([e.occurred_at for e in events], utc=True),
            "received_at": received_at,
        },
        columns=LOG_COLUMNS,
    )
    return Batch(
        events=events,
        activities=activities,
        audit=_audit_rows(events, instance),
        usage=_usage_rows(events, instance),
        log=log,
        outcomes=outcomes,
    )


def is_legacy(document: Any) -> bool:
    """A body of the legacy (pre-Adobe I/O) Lead Activity Data Stream: a wrapper object with
    `activities` and no CloudEvents `type`."""
    return isinstance(document, dict) and "activities" in document and "type" not in document


def _legacy_events(document: dict[str, Any]) -> list[StreamEvent]:
    activities = document["activities"]
    if not isinstance(activities, list):
        raise EventShapeError(f"{LEGACY}: activities is {_kind(activities)}, not an array")
    if not activities:
        raise EventShapeError(f"{LEGACY}: activities is empty")
    events = []
    for position, activity in enumerate(activities, start=1):
        if not isinstance(activity, dict):
            raise EventShapeError(f"{LEGACY}: expected an object, got {_kind(activity)}", position)
        guid = _event_id(activity, ("marketoGUID",))
        if guid is None:
            raise EventShapeError(f"{LEGACY}: no marketoGUID", position)
        outcome = "activity" if _is_sfdc_activity(LEGACY, activity, position) else "ignored"
        try:
            when = _time(activity.get("activityDate"), "activityDate", 0)
        except EventShapeError as exc:
            raise EventShapeError(f"{LEGACY}: {exc}", position) from None
        data = {**activity, "marketoGUID": guid, "activityDate": when.isoformat()}
        events.append(
            StreamEvent(position, f"legacy:{guid}", LEGACY_TYPE, outcome, when, data, activity)
        )
    return events


def _event(item: Any, position: int) -> StreamEvent:
    if not isinstance(item, dict):
        raise EventShapeError(f"expected a JSON object, got {_kind(item)}", position)
    body = item
    inner = item.get("event")
    if isinstance(inner, dict):
        body = inner["body"] if isinstance(inner.get("body"), dict) else inner
    event_id = _event_id(item) or _event_id(body)
    if event_id is None:
        raise EventShapeError("no event id (eventid, event_id or id)", position)
    event_type = body.get("type")
    if not isinstance(event_type, str) or not event_type.startswith(MARKETO):
        shown = repr(event_type)[:80] if event_type is not None else "none"
        raise EventShapeError(
            f"type {shown} is not a Marketo Data Streams event ({MARKETO}...)", position
        )
    data = body.get("data")
    if not isinstance(data, dict):
        raise EventShapeError(f"{event_type}: data is {_kind(data)}, not an object", position)
    outcome = _outcome(event_type, data, position)
    if outcome == "activity":
        guid = _event_id(body, ACTIVITY_ID_KEYS) or _event_id(data, ("marketoGUID",))
        if guid is None:
            raise EventShapeError(f"{event_type}: no id (the activity's marketoGUID)", position)
        when = _time(data.get("activityDate"), "activityDate", position)
        # activity_frame reads the id and the time again: hand it those validated here.
        data = {**data, "marketoGUID": guid, "activityDate": when.isoformat()}
    elif outcome in ("audit", "api_usage"):
        when = _time(body.get("time"), "time", position)
    else:  # an event we only acknowledge: its time is a courtesy, not a condition
        try:
            when = _time(body.get("time"), "time", position)
        except EventShapeError:
            when = None
    return StreamEvent(position, event_id, event_type, outcome, when, data, item)


def _event_id(container: Mapping[str, Any], keys: tuple[str, ...] = ID_KEYS) -> str | None:
    for key in keys:
        value = container.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) or (isinstance(value, str) and value.strip()):
            text = str(value).strip()
            return text if len(text) <= MAX_ID_CHARS else None
    return None


def _outcome(event_type: str, data: Mapping[str, Any], position: int) -> str:
    if event_type.startswith(ACTIVITY):
        return "activity" if _is_sfdc_activity(event_type, data, position) else "ignored"
    if event_type.startswith(AUDIT):
        return "audit"
    if event_type == WEB_SERVICES and _daily_quota(data) is not None:
        return "api_usage"
    return "ignored"


def _is_sfdc_activity(event_type: str, data: Mapping[str, Any], position: int) -> bool:
    type_id = data.get("activityTypeId")
    name = data.get("activityType")
    if type_id is None and not isinstance(name, str):
        raise EventShapeError(f"{event_type}: no activityTypeId or activityType", position)
    if type_id is not None:
        if isinstance(type_id, str) and type_id.isascii() and type_id.isdigit():
            type_id = int(type_id) if len(type_id) <= 12 else type_id  # longer: out of range
        if isinstance(type_id, bool) or not isinstance(type_id, int) or not 0 < type_id < 2**31:
            raise EventShapeError(
                f"{event_type}: activityTypeId {str(type_id)[:40]!r} is not an activity type id",
                position,
            )
        if type_id in SFDC_ACTIVITY_TYPES:
            return True
    return isinstance(name, str) and name.strip().lower() in SFDC_TYPE_NAMES


def _daily_quota(data: Mapping[str, Any]) -> tuple[float, float] | None:
    """(calls used, daily quota) of a web services quota notification, else None."""
    action = data.get("eventAction")
    if not isinstance(action, dict):
        return None
    quota, percent = action.get("dailyQuota"), action.get("percent")
    numbers = (quota, percent)
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
        return None
    if not all(math.isfinite(n) and 0 <= n < 1e15 for n in numbers):
        return None
    return float(quota) * float(percent) / 100, float(quota)


def _time(value: Any, name: str, position: int) -> datetime:
    """An ISO 8601 time as aware UTC (Adobe writes UTC; a time without offset is taken as UTC)."""
    if value is None:
        raise EventShapeError(f"no {name}", position)
    if not isinstance(value, str):
        raise EventShapeError(f"{name} is {_kind(value)}, expected an ISO 8601 time", position)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise EventShapeError(f"{name} {value[:40]!r} is not an ISO 8601 time", position) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise EventShapeError(f"{name} {value[:40]!r} is out of range", position) from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise EventShapeError(f"{name} {value[:40]!r} is out of range", position)
    return moment


def _activities(events: list[StreamEvent], instance: str, received_at: datetime) -> pd.DataFrame:
    chosen = [e for e in events if e.outcome == "activity"]
    try:
        return activity_frame(
            [e.data for e in chosen], instance=instance, source=SOURCE, received_at=received_at
        )
    except (ActivityShapeError, ValueError, TypeError, OverflowError):
        pass
    # Find the event at fault, one by one, to name it (only on the error path).
    for event in chosen:
        try:
            activity_frame([event.data], instance=instance, source=SOURCE, received_at=received_at)
        except (ActivityShapeError, ValueError, TypeError, OverflowError) as exc:
            raise EventShapeError(f"{event.event_type}: {str(exc)[:160]}", event.position) from None
    raise AssertionError("activity_frame failed on the batch but on none of its events")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _audit_rows(events: list[StreamEvent], instance: str) -> pd.DataFrame:
    chosen = [e for e in events if e.outcome == "audit"]
    rows = [
        {
            "instance": instance,
            "event_id": e.event_id,
            "occurred_at": e.occurred_at,
            "actor": _text(e.data.get("userId")),
            "action": _text(e.data.get("eventAction")),
            "subject": " ".join(
                _text(e.data.get(key)) or "" for key in ("componentType", "componentId")
            ).strip()
            or None,
            "detail": e.event_type.removeprefix(MARKETO),
            "source": SOURCE,
            "raw": json.dumps(e.raw, sort_keys=True),
        }
        for e in chosen
    ]
    frame = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def _usage_rows(events: list[StreamEvent], instance: str) -> pd.DataFrame:
    rows = []
    for e in events:
        if e.outcome != "api_usage":
            continue
        used, quota = _daily_quota(e.data) or (0.0, 0.0)
        rows.append(
            {
                "instance": instance,
                "ts": e.occurred_at,
                "source": "marketo",
                "metric": USAGE_METRIC,
                "used": used,
                "quota": quota,
            }
        )
    frame = pd.DataFrame(rows, columns=USAGE_COLUMNS)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
