"""Hypothesis against the running receiver: 0 crashes and 0 partial writes.

One receiver serves the whole module over real HTTP. Every example checks, through the store:
random bytes and random JSON are refused with 400 and quarantined; a valid batch with one event
corrupted at random is either stored whole (the corruption left it valid) or not at all; and the
server keeps answering /health. The default run draws 40 examples per property, a quick pass;
STREAMS_FUZZ_EXAMPLES=N draws N new ones (CI's deep step: 300, seed 18; 2000 for a deeper pass).
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.collectors.streams.receiver import Receiver, ReceiverSettings
from monitor.store import Store
from tests.collectors.streams.test_receiver import AUTH, INSTANCE, TOKEN, sfdc_event

# The default run (CI's) draws the same examples every time, so a red build names a change, not
# a lucky draw; a deeper run (STREAMS_FUZZ_EXAMPLES set) explores new ones each time.
FUZZ = settings(
    derandomize="STREAMS_FUZZ_EXAMPLES" not in os.environ,
    max_examples=int(os.environ.get("STREAMS_FUZZ_EXAMPLES", "40")),
    deadline=None,
    database=None,  # leave no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
# Keys the receiver reads, so that corruptions hit what matters more often than chance would.
KEYS = ["eventid", "id", "type", "time", "data", "event"]
DATA_KEYS = ["activityTypeId", "activityType", "activityDate", "activityLogItemId", "leadId"]
DATA_KEYS += ["primaryAttributeValue", "attributes", "fields"]


@pytest.fixture(scope="module")
def fuzz_receiver(tmp_path_factory: pytest.TempPathFactory):
    store = Store(tmp_path_factory.mktemp("fuzz") / "monitor.duckdb")
    receiver = Receiver(
        ReceiverSettings(store=store, instance=INSTANCE, token=TOKEN, max_body_bytes=64 * 1024),
        "127.0.0.1",
        0,
    ).start()
    yield receiver
    receiver.stop()


def post(receiver: Receiver, body: bytes) -> requests.Response:
    return requests.post(f"{receiver.url}/events", data=body, headers=AUTH, timeout=60)


def stored(receiver: Receiver, event_ids: list[str], activity_ids: list[str]) -> tuple[int, int]:
    """(events of these ids in stream_events, activities of these ids)."""
    with receiver.settings.store.read() as con:
        events = con.execute(
            "SELECT count(*) FROM stream_events WHERE list_contains($ids, event_id)",
            {"ids": event_ids},
        ).fetchone()[0]
        activities = con.execute(
            "SELECT count(*) FROM marketo_activities WHERE list_contains($ids, activity_id)",
            {"ids": activity_ids},
        ).fetchone()[0]
    return events, activities


def quarantined(receiver: Receiver, reason: str) -> int:
    with receiver.settings.store.read() as con:
        return con.execute(
            "SELECT count(*) FROM quarantine WHERE reason = $reason", {"reason": reason}
        ).fetchone()[0]


def assert_alive(receiver: Receiver) -> None:
    assert requests.get(f"{receiver.url}/health", timeout=10).status_code == 200


@FUZZ
@given(body=st.binary(max_size=2048))
def test_random_bytes_are_refused_with_400_and_quarantined(fuzz_receiver, body):
    reply = post(fuzz_receiver, body)
    assert reply.status_code == 400, reply.text
    assert quarantined(fuzz_receiver, reply.json()["error"]) >= 1
    assert_alive(fuzz_receiver)


@FUZZ
@given(document=JSON)
def test_random_json_is_refused_with_400_and_quarantined(fuzz_receiver, document):
    reply = post(fuzz_receiver, json.dumps(document).encode())
    assert reply.status_code == 400, reply.text
    assert quarantined(fuzz_receiver, reply.json()["error"]) >= 1
    assert_alive(fuzz_receiver)


@st.composite
def corrupted_batches(draw: st.DrawFn) -> tuple[list[dict], list[str], list[str]]:
    """A valid batch of SFDC activity events (fresh ids) with one event corrupted at random;
    with the event ids and activity ids of the events left intact."""
    size = draw(st.integers(1, 5))
    base = uuid.uuid4().int % 10**12
    events = [sfdc_event(base + i, minute=i) for i in range(size)]
    victim = draw(st.integers(0, size - 1))
    where = events[victim]["data"] if draw(st.booleans()) else events[victim]
    key = draw(st.sampled_from(DATA_KEYS if where is events[victim]["data"] else KEYS))
    if draw(st.booleans()):
        where.pop(key, None)
    else:
        where[key] = draw(JSON)
    intact = [i for i in range(size) if i != victim]
    return events, [events[i]["eventid"] for i in intact], [str(base + i) for i in intact]


@FUZZ
@given(case=corrupted_batches())
def test_a_corrupted_batch_is_stored_whole_or_not_at_all(fuzz_receiver, case):
    events, intact_event_ids, intact_activity_ids = case
    reply = post(fuzz_receiver, json.dumps(events).encode())
    assert reply.status_code in (200, 400), reply.text
    stored_now = stored(fuzz_receiver, intact_event_ids, intact_activity_ids)
    if reply.status_code == 400:
        assert stored_now == (0, 0)
        assert quarantined(fuzz_receiver, reply.json()["error"]) >= 1
    else:
        assert reply.json()["received"] == len(events)
        assert stored_now == (len(intact_event_ids), len(intact_activity_ids))
    assert_alive(fuzz_receiver)
