"""Activities from either channel are stored once and counted from what is stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from monitor.errors import ActivityShapeError
from monitor.store.activities import activity_frame, store_activities
from tests.conftest import REAL_FIXTURES

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def rest_record(activity_id: int, minute: int, type_id: int = 19, field: str = "") -> dict:
    return {
        "id": activity_id,
        "marketoGUID": str(activity_id),
        "leadId": 7,
        "activityDate": f"2026-11-20T14:{minute:02d}:00Z",
        "activityTypeId": type_id,
        "primaryAttributeValue": field or None,
        "attributes": [{"name": "Assign To", "value": "queue"}],
    }


def counts(store) -> list[tuple]:
    with store.read() as con:
        return con.execute(
            "SELECT strftime(ts, '%H:%M'), activity_type, detail, activities FROM activity_counts "
            "ORDER BY ALL"
        ).fetchall()


def test_an_activity_seen_twice_is_stored_and_counted_once(store):
    first = activity_frame(
        [rest_record(1, 1), rest_record(2, 2)],
        instance="prod",
        source="marketo_rest",
        received_at=NOW,
    )
    stream = {  # the same activity 2 as Data Streams delivers it, plus a new one
        "activityLogItemId": 2,
        "leadId": "7",
        "activityDate": "2026-11-20T14:02:00Z",
        "activityTypeId": 19,
        "activityType": "Sync Lead to SFDC",
        "attributes": [],
    }
    second = activity_frame(
        [stream, rest_record(3, 7)], instance="prod", source="data_streams", received_at=NOW
    )
    with store.write() as con:
        assert store_activities(con, first) == 2
    with store.write() as con:
        assert store_activities(con, second) == 1
        assert store_activities(con, second) == 0
    assert counts(store) == [
        ("14:00", "Sync Lead to SFDC", "", 2),
        ("14:05", "Sync Lead to SFDC", "", 1),
    ]


def test_change_data_value_is_counted_per_changed_field(store):
    frame = activity_frame(
        [rest_record(i, 1, 13, "Account Score") for i in range(3)]
        + [rest_record(9, 2, 13, "Lead Status")],
        instance="prod",
        source="marketo_rest",
        received_at=NOW,
    )
    with store.write() as con:
        store_activities(con, frame)
    assert counts(store) == [
        ("14:00", "Change Data Value", "Account Score", 3),
        ("14:00", "Change Data Value", "Lead Status", 1),
    ]


def test_the_documented_activity_record_normalises():
    record = json.loads(
        (REAL_FIXTURES / "marketo" / "activity_record_change_data_value_blog.json").read_text()
    )
    frame = activity_frame([record], instance="prod", source="marketo_rest", received_at=NOW)
    assert frame.loc[0, "activity_type"] == "Change Data Value"
    assert frame.loc[0, "occurred_at"].tzinfo is not None
    assert frame.loc[0, "primary_attribute"] == "lastName"
    assert json.loads(frame.loc[0, "attributes"]) == [
        {"name": "Source", "value": "Web form fillout"},
        {"name": "Old Value", "value": "Everly"},
        {"name": "New Value", "value": "Evely"},
    ]


def test_a_record_without_a_date_is_refused_with_the_field_named():
    with pytest.raises(ActivityShapeError, match="activityDate"):
        activity_frame([{"id": 1, "activityTypeId": 19}], instance="p", source="s", received_at=NOW)
