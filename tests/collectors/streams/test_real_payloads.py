"""What Adobe really sends to a Data Streams receiver, over real HTTP on 127.0.0.1.

Adobe's migration guide (fixtures/real/marketo/lead_activity_stream_migration_*) maps the REST
API's `activities[].marketoGUID` to the CloudEvents top-level `id`; its samples show
`activityLogItemId` as another number. The legacy (pre-Adobe I/O) stream, which Adobe still
documents for customers in migration, wraps activities in `{"sourceApplication", ...,
"activities": [...]}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.collectors.context import Cycle
from monitor.collectors.marketo.client import MarketoClient, marketo_login_from
from monitor.collectors.marketo.cycle import collect_marketo
from monitor.config import Config
from tests.collectors.streams.test_receiver import (
    INSTANCE,
    MARKETO,
    count,
    post,
    rows,
)
from tests.standins.https import trusted
from tests.standins.marketo import MarketoStandIn

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CLOUD_EVENT = MARKETO / "lead_activity_stream_migration_cloudevents_payload_doc.json"
LEGACY = MARKETO / "lead_activity_stream_migration_legacy_payload_doc.json.txt"


def as_sync_lead_to_sfdc(event: dict, *, guid: str, at: datetime) -> dict:
    """The guide's CloudEvents sample as an SFDC-related activity (no SFDC example is
    published): its type, type id and time changed, its id the activity's marketoGUID."""
    data = {
        **event["data"],
        "activityTypeId": 19,
        "activityType": "Sync Lead to SFDC",
        "activityDate": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return {
        **event,
        "type": "com.adobe.platform.marketo.activity.standard.syncleadtosfdc",
        "id": guid,
        "data": data,
    }


def legacy_body() -> dict:
    """The guide's legacy sample; it is published with `"attributes": [...]`, which is not
    JSON, so that one list is written empty."""
    return json.loads(LEGACY.read_text().replace("[...]", "[]"))


@pytest.fixture
def marketo(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketoStandIn]:
    with trusted(MarketoStandIn(), monkeypatch) as running:
        yield running


def test_an_activity_collected_over_rest_and_streamed_is_stored_and_counted_once(
    marketo, store, receiver
):
    at = NOW - timedelta(minutes=3)
    marketo.add_activity("Sync Lead to SFDC", at, lead_id=1234)
    client = MarketoClient(marketo_login_from(marketo.secrets()), sleep=lambda seconds: None)
    assert collect_marketo(Cycle(store, client, Config(), INSTANCE, NOW)).rows_written == 1
    [(guid,)] = rows(store, "SELECT activity_id FROM marketo_activities")

    event = as_sync_lead_to_sfdc(json.loads(CLOUD_EVENT.read_text()), guid=guid, at=at)
    assert str(event["data"]["activityLogItemId"]) != guid  # two different numbers
    reply = post(receiver, event)

    assert reply.status_code == 200, reply.text
    assert reply.json()["activities"] == 0
    assert count(store, "marketo_activities") == 1
    assert rows(store, "SELECT activity_type, activities FROM activity_counts") == [
        ("Sync Lead to SFDC", 1)
    ]
    # The log says the event brought nothing new, not that it stored an activity.
    assert rows(store, "SELECT event_id, outcome FROM stream_events") == [
        (event["eventid"], "activity_already_stored")
    ]


def test_a_streamed_activity_is_keyed_by_its_cloudevents_id(store, receiver):
    event = as_sync_lead_to_sfdc(
        json.loads(CLOUD_EVENT.read_text()), guid="570b455e-203f-4983-91a8-5a03f597fda5", at=NOW
    )
    assert post(receiver, event).json()["activities"] == 1
    assert rows(store, "SELECT activity_id, source FROM marketo_activities") == [
        ("570b455e-203f-4983-91a8-5a03f597fda5", "data_streams")
    ]
    assert rows(store, "SELECT outcome FROM stream_events") == [("activity",)]


def test_the_legacy_stream_format_is_accepted_where_its_fields_map(store, receiver):
    sample = legacy_body()  # a New Lead activity: not one the sync makes
    ignored = post(receiver, sample)
    assert ignored.status_code == 200, ignored.text
    assert ignored.json() | {"received": 1, "ignored": 1, "activities": 0} == ignored.json()

    sync = legacy_body()
    sync["activities"][0] |= {
        "marketoGUID": "12345678-9876-a191-4567-000000099999",
        "activityTypeId": 19,
        "activityType": "Sync Lead to SFDC",
    }
    stored = post(receiver, sync)
    again = post(receiver, sync)

    assert stored.json()["activities"] == 1
    assert again.json() | {"new": 0, "already_stored": 1, "activities": 0} == again.json()
    assert rows(
        store,
        "SELECT activity_id, activity_type_id, lead_id, strftime(occurred_at, '%H:%M:%S') "
        "FROM marketo_activities",
    ) == [("12345678-9876-a191-4567-000000099999", 19, "12345", "15:26:49")]
    assert rows(store, "SELECT event_id, event_type, outcome FROM stream_events ORDER BY 1") == [
        ("legacy:12345678-9876-a191-4567-000000054321", "marketo.legacy.activity", "ignored"),
        ("legacy:12345678-9876-a191-4567-000000099999", "marketo.legacy.activity", "activity"),
    ]


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            lambda body: body["activities"][0].pop("marketoGUID"),
            "event 1: legacy Lead Activity Data Stream format (sourceApplication, activities[]): "
            "no marketoGUID",
        ),
        (
            lambda body: body["activities"][0].pop("activityDate"),
            "event 1: legacy Lead Activity Data Stream format (sourceApplication, activities[]): "
            "no activityDate",
        ),
        (
            lambda body: body.update(activities={}),
            "legacy Lead Activity Data Stream format (sourceApplication, activities[]): "
            "activities is an object, not an array",
        ),
    ],
    ids=["no-guid", "no-date", "not-a-list"],
)
def test_a_legacy_body_that_cannot_be_mapped_is_refused_naming_the_legacy_format(
    store, receiver, change, reason
):
    body = legacy_body()
    change(body)
    reply = post(receiver, body)
    assert reply.status_code == 400
    assert reply.json()["error"] == reason
    assert rows(store, "SELECT reason FROM quarantine") == [(reason,)]
    assert count(store, "stream_events") == 0
