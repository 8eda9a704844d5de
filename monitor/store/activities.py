"""Marketo lead activities that matter to the sync, however they arrive (REST API, Data Streams).

Both channels normalise to one frame and write through `store_activities`, which keeps each
activity once by its marketoGUID (REST `marketoGUID`; the stream's CloudEvents `id`, to which
Adobe maps it; the stream's `activityLogItemId` is another number) and, in
the same transaction, recounts the 5-minute buckets it touched from the stored rows. Counts are
therefore derived, never added up: a redelivered batch or an activity seen through both
channels cannot count twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from monitor.errors import ActivityShapeError
from monitor.store.facts import insert_frame

# Names as /rest/v1/activities/types.json and the Data Streams docs spell them. Ids of standard
# types are the same everywhere, but the REST collector still resolves them by name.
SFDC_ACTIVITY_TYPES: dict[int, str] = {
    13: "Change Data Value",
    19: "Sync Lead to SFDC",
    21: "Convert Lead",
    26: "SFDC Activity",
    28: "Sync Lead Updates to SFDC",
    29: "Delete Lead from SFDC",
    30: "SFDC Activity Updated",
    31: "SFDC Merge Leads",
    42: "Add to SFDC Campaign",
    43: "Remove from SFDC Campaign",
    44: "Change Status in SFDC Campaign",
    145: "Push Lead to Marketo",
}
CHANGE_DATA_VALUE = "Change Data Value"
BUCKET = "INTERVAL 5 MINUTE"
COLUMNS = [
    "instance",
    "activity_id",
    "occurred_at",
    "activity_type_id",
    "activity_type",
    "lead_id",
    "primary_attribute",
    "attributes",
    "source",
    "received_at",
]


def _required(record: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    raise ActivityShapeError(f"activity without {' or '.join(names)}")


def _fields_as_attributes(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """/activities/leadchanges.json gives a Change Data Value's field as `fields[]` with
    old and new values; /activities.json and Data Streams give the field as the primary
    attribute and the values as "Old Value"/"New Value" attributes. Store the latter shape."""
    fields = record.get("fields")
    if not fields or not isinstance(fields, list) or not isinstance(fields[0], Mapping):
        return record
    changed = fields[0]
    attributes = list(record.get("attributes") or [])
    attributes += [
        {"name": "Old Value", "value": changed.get("oldValue")},
        {"name": "New Value", "value": changed.get("newValue")},
    ]
    primary = record.get("primaryAttributeValue") or changed.get("name")
    return {**record, "primaryAttributeValue": primary, "attributes": attributes}


def activity_frame(
    records: Iterable[Mapping[str, Any]],
    *,
    instance: str,
    source: str,
    received_at: datetime,
    type_names: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """Rows for marketo_activities from REST-shaped records (`marketoGUID` or `id`, `leadId`,
    `activityDate`, `activityTypeId`, `primaryAttributeValue`, `attributes`) or stream-shaped
    ones (`activityLogItemId`, `activityType`). Raises ActivityShapeError on a record that is
    not an activity."""
    names = {**SFDC_ACTIVITY_TYPES, **(type_names or {})}
    rows = []
    for record in map(_fields_as_attributes, records):
        type_id = int(_required(record, "activityTypeId"))
        occurred = pd.Timestamp(_required(record, "activityDate"))
        rows.append(
            {
                "instance": instance,
                "activity_id": str(_required(record, "marketoGUID", "activityLogItemId", "id")),
                "occurred_at": occurred.tz_localize("UTC")
                if occurred.tzinfo is None
                else occurred.tz_convert("UTC"),
                "activity_type_id": type_id,
                "activity_type": str(record.get("activityType") or names.get(type_id, type_id)),
                "lead_id": None if record.get("leadId") is None else str(record["leadId"]),
                "primary_attribute": None
                if record.get("primaryAttributeValue") is None
                else str(record["primaryAttributeValue"]),
                "attributes": json.dumps(record.get("attributes") or [], default=str),
                "source": source,
                "received_at": received_at,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if len(frame):
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def stored_activity_ids(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> set[str]:
    """The activity ids of `frame` already stored (by another channel, or an earlier body)."""
    if not len(frame):
        return set()
    con.register("_incoming", frame[["instance", "activity_id"]])
    try:
        found = con.execute(
            "SELECT activity_id FROM marketo_activities SEMI JOIN _incoming "
            "USING (instance, activity_id)"
        ).fetchall()
    finally:
        con.unregister("_incoming")
    return {row[0] for row in found}


def store_activities(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Insert new activities and recount the 5-minute buckets they fall in (activity_counts,
    detail = the changed field for Change Data Value). Returns the activities actually added.
    Call inside the write transaction that also moves the caller's watermark."""
    added = insert_frame(con, "marketo_activities", frame)
    if added == 0:
        return 0
    con.register("_touched", frame[["instance", "occurred_at"]])
    try:
        con.execute(
            f"""
            INSERT OR REPLACE INTO activity_counts
            SELECT a.instance,
                   time_bucket({BUCKET}, a.occurred_at) AS ts,
                   a.activity_type,
                   CASE WHEN a.activity_type = $cdv THEN coalesce(a.primary_attribute, '')
                        ELSE '' END AS detail,
                   count(*) AS activities,
                   'collected' AS provenance
            FROM marketo_activities a
            SEMI JOIN (SELECT DISTINCT instance, time_bucket({BUCKET}, occurred_at) AS ts
                       FROM _touched) t
              ON a.instance = t.instance AND time_bucket({BUCKET}, a.occurred_at) = t.ts
            GROUP BY ALL
            """,
            {"cdv": CHANGE_DATA_VALUE},
        )
    finally:
        con.unregister("_touched")
    return added
