"""The Data Streams receiver over real HTTP on 127.0.0.1: the real server, the real store.

Real payloads come from tests/fixtures/real/marketo/. There is no real example of an
SFDC-type lead activity event, so `sfdc_event` builds one by the documented Lead Activity Data
Stream envelope (type com.adobe.platform.marketo.activity.standard.<name>, data with
activityLogItemId, activityTypeId 19/26/13..., activityType, activityDate, attributes), the
same shape as the real Open Email / Click Link examples. Its CloudEvents `id` is the
activity's marketoGUID (Adobe's migration guide maps `activities[].marketoGUID` to it) and its
activityLogItemId another number, as in every documented example.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from monitor.collectors.streams.receiver import Receiver, ReceiverSettings
from monitor.errors import ConfigError
from monitor.store import Store
from tests.cli import environment_without, python_path, run_monitor
from tests.conftest import REAL_FIXTURES

TOKEN = "test-streams-token-" + uuid.uuid4().hex
MAX_BODY = 64 * 1024
INSTANCE = "prod"
MARKETO = REAL_FIXTURES / "marketo"
MALFORMED = sorted(MARKETO.glob("*.json.txt"))
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def sfdc_event(
    activity_id: int,  # the marketoGUID, as the REST API would give it
    *,
    type_id: int = 19,
    name: str = "Sync Lead to SFDC",
    minute: int = 1,
    field: str | None = None,
    event_id: str | None = None,
) -> dict:
    """An SFDC-type lead activity event as Adobe I/O delivers it (documented envelope)."""
    return {
        "eventid": event_id or str(uuid.uuid4()),
        "specversion": "1.0",
        "type": "com.adobe.platform.marketo.activity.standard." + name.replace(" ", "").lower(),
        "source": "urn:marketo_activity_stream",
        "id": str(activity_id),
        "time": f"2026-11-20T14:{minute:02d}:00Z",
        "datacontenttype": "application/json",
        "data": {
            "munchkinId": "123-ABC-456",
            "leadId": "1234",
            "activityDate": f"2026-11-20T14:{minute:02d}:00Z",
            "activityTypeId": type_id,
            "activityType": name,
            "activityLogItemId": 7_000_000 + activity_id,
            "primaryAttributeValue": field,
            "attributes": [{"name": "Assign To", "dataType": "string", "value": "queue"}],
        },
        "recipientclientid": "your_client_id",
    }


def start_receiver(store: Store, **overrides) -> Receiver:
    options = {"instance": INSTANCE, "token": TOKEN, "max_body_bytes": MAX_BODY, **overrides}
    settings = ReceiverSettings(store=store, **options)
    return Receiver(settings, "127.0.0.1", 0).start()


def post(receiver: Receiver, body, headers=AUTH) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(f"{receiver.url}/events", data=data, headers=headers, timeout=30)


def rows(store: Store, sql: str) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql).fetchall()


def count(store: Store, table: str) -> int:
    return rows(store, f"SELECT count(*) FROM {table}")[0][0]


def hold_lock(store: Store) -> subprocess.Popen:
    """Another process that holds the DuckDB file read-write (nobody else can open it) until
    its standard input is closed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read()",
            str(store.path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_receiver_answers_the_adobe_challenge_without_a_token(receiver):
    challenge = str(uuid.uuid4())
    reply = requests.get(f"{receiver.url}/events", params={"challenge": challenge}, timeout=10)
    assert reply.status_code == 200
    assert reply.text == challenge
    assert reply.headers["content-type"].startswith("text/plain")


def test_receiver_echoes_no_challenge_that_is_not_a_plain_token(receiver):
    reply = requests.get(
        f"{receiver.url}/events", params={"challenge": "<script>alert(1)</script>"}, timeout=10
    )
    assert reply.status_code == 400
    assert "<script>" not in reply.text
    assert requests.get(f"{receiver.url}/events", timeout=10).status_code == 400


def test_health_answers_200_and_unknown_paths_404(receiver):
    assert requests.get(f"{receiver.url}/health", timeout=10).status_code == 200
    assert requests.get(f"{receiver.url}/nothing", timeout=10).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer"},
    ],
    ids=["missing", "wrong", "other-scheme", "longer", "empty"],
)
def test_receiver_refuses_a_post_without_the_right_token_with_401(receiver, store, headers):
    reply = post(receiver, sfdc_event(1), headers=headers)
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in reply.text and "wrong-token" not in reply.text
    assert count(store, "stream_events") == count(store, "marketo_activities") == 0
    assert count(store, "quarantine") == 0


def raw_request(receiver: Receiver, head: str, body: bytes = b"") -> str:
    """Send `head` and `body` without finishing the body; return what the server answers."""
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=10) as connection:
        connection.sendall(head.encode() + body)
        return connection.recv(65536).decode(errors="replace")


def test_receiver_refuses_a_body_over_the_limit_with_413_before_reading_it(receiver, store):
    # Declared too large: answered at once, though not one byte of the body was sent.
    head = (
        "POST /events HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Length: {10 * MAX_BODY}\r\n\r\n"
    )
    assert raw_request(receiver, head).startswith("HTTP/1.1 413")
    assert count(store, "stream_events") == 0


def test_receiver_refuses_a_chunked_body_with_413_as_soon_as_it_passes_the_limit(receiver):
    # No length declared: the server counts while reading and answers before the body ends.
    head = (
        "POST /events HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"[" + b" " * (MAX_BODY + 10)
    assert raw_request(receiver, head, b"%x\r\n%s\r\n" % (len(chunk), chunk)).startswith(
        "HTTP/1.1 413"
    )
    # The same size within the limit is read to its end.
    ok = requests.post(
        f"{receiver.url}/events",
        data=iter([json.dumps(sfdc_event(5)).encode()]),
        headers=AUTH,
        timeout=10,
    )
    assert ok.status_code == 200


@pytest.mark.parametrize("path", MALFORMED, ids=[p.name for p in MALFORMED])
def test_malformed_doc_payloads_are_refused_with_400_and_quarantined(receiver, store, path):
    body = path.read_bytes()
    reply = post(receiver, body)
    assert reply.status_code == 400
    reason = reply.json()["error"]
    assert reason.startswith("invalid JSON at line ")
    assert rows(store, "SELECT instance, kind, origin, reason, raw FROM quarantine") == [
        (INSTANCE, "data_streams", "POST /events", reason, body.decode())
    ]
    assert count(store, "stream_events") == 0
    # The same body again is answered the same and kept once.
    assert post(receiver, body).status_code == 400
    assert count(store, "quarantine") == 1


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"\xff\xfe[]", "the body is not UTF-8 text (byte 0)"),
        (b"[]", "an empty batch holds no event"),
        (b'{"eventid": "1", "type": "com.example.other", "data": {}}', "event 1: type"),
        (b'[{"type": "com.adobe.platform.marketo.audit.user.email"}]', "event 1: no event id"),
        (b"[1e999]", "event 1: expected a JSON object"),
        (b"[NaN]", "invalid JSON: NaN is not a JSON number"),
        (b'"\\ud800"', "invalid JSON: a \\u escape names a lone surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
        (json.dumps(sfdc_event(1) | {"data": {"activityTypeId": "\u00b2"}}).encode(), "event 1:"),
        (json.dumps(sfdc_event(1) | {"data": {"activityTypeId": "9" * 5000}}).encode(), "event 1:"),
    ],
    ids=[
        "not-utf8",
        "empty",
        "foreign-type",
        "no-id",
        "not-object",
        "nan",
        "surrogate",
        "deep",
        "superscript-digit-type-id",  # "²".isdigit() but int("²") fails: found by fuzzing
        "huge-type-id",
    ],
)
def test_bodies_that_are_not_data_streams_events_are_refused_with_a_reason(store, body, reason):
    receiver = start_receiver(store, max_body_bytes=1024 * 1024)
    try:
        reply = post(receiver, body)
    finally:
        receiver.stop()
    assert reply.status_code == 400
    assert reply.json()["error"].startswith(reason)
    assert rows(store, "SELECT reason FROM quarantine") == [(reply.json()["error"],)]


def test_real_lead_activity_payloads_are_acknowledged_but_not_sync_activities(receiver, store):
    for name in (
        "lead_activity_stream_single_clicklink_doc.json",
        "lead_activity_stream_batch_openemail_visitwebpage_doc.json",
    ):
        reply = post(receiver, (MARKETO / name).read_bytes())
        assert reply.status_code == 200, reply.text
        assert reply.json()["ignored"] == reply.json()["received"] > 0
    assert count(store, "marketo_activities") == 0
    assert rows(store, "SELECT event_type, outcome FROM stream_events ORDER BY event_type") == [
        ("com.adobe.platform.marketo.activity.standard.clicklink", "ignored"),
        ("com.adobe.platform.marketo.activity.standard.openemail", "ignored"),
        ("com.adobe.platform.marketo.activity.standard.visitwebpage", "ignored"),
    ]


def test_real_user_audit_batch_becomes_audit_events(receiver, store):
    reply = post(receiver, (MARKETO / "user_audit_stream_batch_doc.json").read_bytes())
    assert reply.status_code == 200
    assert reply.json()["audit_events"] == 2
    assert rows(
        store,
        "SELECT event_id, strftime(occurred_at, '%Y-%m-%d %H:%M:%S'), actor, action, subject, "
        "detail, source, raw->>'$.recipientclientid' FROM audit_events ORDER BY subject",
    ) == [
        (
            "cf904f43-56bc-4f80-935d-a484de6e4181",
            "2024-07-11 13:20:42",
            "user@marketo.com",
            "approve",
            "Email 232459",
            "audit.user.email",
            "data_streams",
            "your_client_id",
        ),
        (
            "e931c3ec-9d76-406b-ac89-626e9650813a",
            "2024-07-11 13:20:42",
            "user@marketo.com",
            "approve",
            "Landing Page 123321",
            "audit.user.landingpage",
            "data_streams",
            "your_client_id",
        ),
    ]


def test_real_notifications_are_accepted_and_the_daily_quota_becomes_api_usage(receiver, store):
    batch = post(
        receiver,
        (MARKETO / "notification_stream_batch_web_services_campaign_failure_doc.json").read_bytes(),
    )
    single = post(
        receiver, (MARKETO / "notification_stream_single_campaign_abort_doc.json").read_bytes()
    )
    assert batch.status_code == single.status_code == 200
    assert batch.json() | {"api_usage": 1, "ignored": 1} == batch.json()
    assert rows(
        store, "SELECT strftime(ts, '%H:%M:%S'), source, metric, used, quota FROM api_usage"
    ) == [("07:32:30", "marketo", "daily_api_calls", 250_000.0, 1_000_000.0)]
    assert count(store, "stream_events") == 3


def test_real_observability_events_are_acknowledged_and_ignored(receiver, store):
    for name in ("observability_stream_metrics_doc.json", "observability_stream_results_doc.json"):
        reply = post(receiver, (MARKETO / name).read_bytes())
        assert reply.status_code == 200
    # Both doc examples carry the same id: the second is taken for a redelivery.
    assert rows(store, "SELECT outcome FROM stream_events") == [("ignored",)]


def test_sfdc_activity_events_land_in_activities_and_counts(receiver, store):
    events = [
        sfdc_event(101, minute=1),
        sfdc_event(102, minute=2),
        sfdc_event(103, type_id=26, name="SFDC Activity", minute=3),
        sfdc_event(104, type_id=13, name="Change Data Value", minute=6, field="Lead Score"),
        sfdc_event(105, type_id=145, name="Push Lead to Marketo", minute=7),
    ]
    reply = post(receiver, events)
    assert reply.status_code == 200
    assert reply.json() == {
        "received": 5,
        "new": 5,
        "already_stored": 0,
        "activities": 5,
        "audit_events": 0,
        "api_usage": 0,
        "ignored": 0,
    }
    assert rows(
        store,
        "SELECT activity_id, activity_type_id, lead_id, source FROM marketo_activities "
        "ORDER BY activity_id",
    ) == [
        ("101", 19, "1234", "data_streams"),
        ("102", 19, "1234", "data_streams"),
        ("103", 26, "1234", "data_streams"),
        ("104", 13, "1234", "data_streams"),
        ("105", 145, "1234", "data_streams"),
    ]
    assert rows(
        store,
        "SELECT strftime(ts, '%H:%M'), activity_type, detail, activities FROM activity_counts "
        "ORDER BY ALL",
    ) == [
        ("14:00", "SFDC Activity", "", 1),
        ("14:00", "Sync Lead to SFDC", "", 2),
        ("14:05", "Change Data Value", "Lead Score", 1),
        ("14:05", "Push Lead to Marketo", "", 1),
    ]


def test_redelivered_batch_stores_nothing_twice(receiver, store):
    events = [sfdc_event(201, minute=1), sfdc_event(202, minute=1)]
    audit = json.loads((MARKETO / "user_audit_stream_batch_doc.json").read_text())
    first = post(receiver, events + audit)
    again = post(receiver, events + audit)
    assert first.json()["new"] == 4
    assert again.status_code == 200
    assert again.json() | {"new": 0, "already_stored": 4, "activities": 0} == again.json()
    assert count(store, "marketo_activities") == 2
    assert count(store, "audit_events") == 2
    assert rows(store, "SELECT activities FROM activity_counts") == [(2,)]


def test_a_batch_with_one_bad_event_stores_nothing_of_that_batch(receiver, store):
    bad = sfdc_event(302, minute=2)
    del bad["data"]["activityDate"]
    reply = post(receiver, [sfdc_event(301, minute=1), bad, sfdc_event(303, minute=3)])
    assert reply.status_code == 400
    assert reply.json()["error"] == "event 2: no activityDate"
    assert count(store, "marketo_activities") == count(store, "stream_events") == 0
    assert rows(store, "SELECT line FROM quarantine") == [(2,)]


def test_an_activity_already_collected_over_rest_is_not_counted_again(receiver, store):
    from datetime import UTC, datetime

    from monitor.store.activities import activity_frame, store_activities

    rest = {
        "id": 401,
        "marketoGUID": "401",
        "leadId": 1234,
        "activityDate": "2026-11-20T14:01:00Z",
        "activityTypeId": 19,
        "primaryAttributeValue": None,
        "attributes": [],
    }
    frame = activity_frame(
        [rest], instance=INSTANCE, source="marketo_rest", received_at=datetime.now(UTC)
    )
    with store.write() as con:
        store_activities(con, frame)
    reply = post(receiver, [sfdc_event(401, minute=1), sfdc_event(402, minute=1)])
    assert reply.json()["activities"] == 1
    assert rows(store, "SELECT activities FROM activity_counts") == [(2,)]


def test_several_senders_at_once_store_every_event_exactly_once(receiver, store):
    # 40 batches of 5 events, each batch sent by two of 8 threads at the same time.
    batches = [[sfdc_event(1000 + 5 * b + i, minute=i) for i in range(5)] for b in range(40)]
    work = [batch for batch in batches for _ in range(2)]
    statuses: list[int] = []
    lock = threading.Lock()

    def sender(share: list[list[dict]]) -> None:
        with requests.Session() as session:
            for batch in share:
                reply = session.post(
                    f"{receiver.url}/events", data=json.dumps(batch), headers=AUTH, timeout=60
                )
                with lock:
                    statuses.append(reply.status_code)

    threads = [threading.Thread(target=sender, args=(work[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 80
    assert count(store, "marketo_activities") == count(store, "stream_events") == 200
    assert rows(store, "SELECT sum(activities) FROM activity_counts") == [(200,)]


def test_a_store_that_stays_busy_is_answered_503_and_the_redelivery_is_stored_once(store):
    receiver = start_receiver(store, busy_seconds=0.5)
    events = [sfdc_event(501, minute=1), sfdc_event(502, minute=2)]
    # Another process holds the DuckDB file read-write: nobody else can open it.
    holder = hold_lock(store)
    try:
        busy = post(receiver, events)
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "60"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    try:
        # Adobe delivers again until it is answered 2xx.
        for _ in range(50):
            again = post(receiver, events)
            if again.status_code == 200:
                break
        assert again.status_code == 200
    finally:
        receiver.stop()
    assert count(store, "marketo_activities") == count(store, "stream_events") == 2


def test_asynchronous_validation_request_is_acknowledged_and_nothing_stored(receiver, store):
    url = "https://csm.adobe.io/csm/registrations/validate?id=abc&challenge=def"
    reply = post(receiver, {"validationUrl": url})
    assert reply.status_code == 200
    assert count(store, "stream_events") == count(store, "quarantine") == 0


def test_the_token_never_reaches_the_store(receiver, store):
    post(receiver, [sfdc_event(601)])
    post(receiver, b"{not json")
    post(receiver, [sfdc_event(602)], headers={"Authorization": f"Bearer {TOKEN[:-1]}"})
    with store.read() as con:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        dump = "".join(
            str(con.execute(f"SELECT COLUMNS(*)::VARCHAR FROM {t}").fetchall()) for t in tables
        )
    assert "601" in dump and "{not json" in dump  # what was stored and quarantined is there
    assert TOKEN not in dump and TOKEN[:-1] not in dump


def serve_streams(tmp_path: Path, *extra: str, token: str | None = TOKEN) -> subprocess.Popen:
    env = environment_without("MONITOR_")
    env.update({"MONITOR_DB": str(tmp_path / "monitor.duckdb"), "PYTHONPATH": python_path()})
    if token:
        env["MONITOR_STREAMS_TOKEN"] = token
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "-v", "serve-streams", "--port", "0", *extra],
        cwd=tmp_path,  # no monitor.toml, no .streamlit/secrets.toml
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextmanager
def serving_streams(tmp_path: Path, *extra: str) -> Iterator[subprocess.Popen]:
    """`serve-streams` in a child process, killed if the test leaves it running."""
    process = serve_streams(tmp_path, *extra)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_serve_streams_verb_answers_health_and_stops_cleanly_on_a_signal(tmp_path, stop_signal):
    with serving_streams(tmp_path, "--instance", "eu") as process:
        first_line = process.stdout.readline()
        assert first_line.startswith("receiving Marketo Data Streams at http://127.0.0.1:")
        url = first_line.split(" at ")[1].split()[0]  # .../events
        base = url.removesuffix("/events")
        assert requests.get(f"{base}/health", timeout=10).status_code == 200
        ok = requests.post(url, data=json.dumps(sfdc_event(701)), headers=AUTH, timeout=10)
        assert ok.status_code == 200
        refused = requests.post(
            url, data="[]", headers={"Authorization": "Bearer wrong-token-0123456789"}, timeout=10
        )
        assert refused.status_code == 401
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.strip().endswith("stopped")
    assert "Traceback" not in err
    assert TOKEN not in out + err and "wrong-token" not in out + err
    assert "POST /events refused: missing or wrong bearer token" in err
    stored = Store(tmp_path / "monitor.duckdb")
    assert rows(stored, "SELECT instance, activity_id FROM marketo_activities") == [("eu", "701")]


def test_serve_streams_refuses_to_start_without_a_token(tmp_path):
    process = serve_streams(tmp_path, token=None)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.startswith("error: MONITOR_STREAMS_TOKEN is not set")
    assert len(err.strip().splitlines()) == 1


def test_serve_streams_refuses_a_short_token(tmp_path):
    process = serve_streams(tmp_path, token="short")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "MONITOR_STREAMS_TOKEN is too short" in err and "short\n" not in err


def test_serve_streams_says_so_when_the_port_is_taken(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        process = serve_streams(tmp_path, "--port", str(port))
        out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}:")


def test_receiver_keeps_answering_while_a_write_is_slow(store):
    # /health and the challenge never wait for the store: the writes run off the event loop.
    receiver = start_receiver(store, busy_seconds=30)
    holder = hold_lock(store)
    answers: list[int] = []
    pending = threading.Thread(
        target=lambda: answers.append(post(receiver, [sfdc_event(801)]).status_code)
    )
    try:
        pending.start()
        # The POST's write has started on the writer thread and waits for the held lock.
        assert receiver.writer.writing.wait(timeout=60)
        assert requests.get(f"{receiver.url}/health", timeout=5).status_code == 200
        assert receiver.writer.writing.is_set()  # the write was still waiting meanwhile
        assert pending.is_alive()  # and its POST still unanswered
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        pending.join(timeout=60)
        receiver.stop()
    assert answers == [200]
    assert count(store, "marketo_activities") == 1


def test_receiver_refuses_a_port_beyond_65535_with_a_clear_error(store):
    settings = ReceiverSettings(
        store=store, instance=INSTANCE, token=TOKEN, max_body_bytes=MAX_BODY
    )
    with pytest.raises(
        ConfigError, match=r"^cannot listen on 127\.0\.0\.1:99999: a port is 0 to 65535$"
    ):
        Receiver(settings, "127.0.0.1", 99999).start()


def test_serve_streams_refuses_a_port_beyond_65535_as_a_usage_error(tmp_path):
    process = serve_streams(tmp_path, "--port", "99999")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert err.startswith("usage:") and "Traceback" not in err
    assert "'99999': expected a port from 0 to 65535" in err


def test_serve_streams_names_a_streams_port_beyond_65535_from_the_environment(tmp_path):
    env = environment_without("MONITOR_")
    env.update(
        MONITOR_DB=str(tmp_path / "monitor.duckdb"),
        MONITOR_STREAMS_PORT="70000",
        MONITOR_STREAMS_TOKEN=TOKEN,
        PYTHONPATH=python_path(),
    )
    done = run_monitor("serve-streams", env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: MONITOR_STREAMS_PORT: streams_port: expected a port from 1 to 65535"
    ]


TWO_INSTANCES = '[[instances]]\nname = "prod"\n\n[[instances]]\nname = "sandbox"\n'


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "error: several instances are configured (prod, sandbox): pass --instance NAME"),
        (
            ("--instance", "prdo"),
            "error: --instance prdo: no such instance (configured: prod, sandbox)",
        ),
    ],
    ids=["none-named", "mistyped"],
)
def test_serve_streams_with_several_instances_needs_a_configured_one(tmp_path, extra, message):
    (tmp_path / "monitor.toml").write_text(TWO_INSTANCES)
    process = serve_streams(tmp_path, *extra)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.strip().splitlines() == [message]
    assert not (tmp_path / "monitor.duckdb").exists()  # nothing stored under a wrong name


def test_serve_streams_with_several_instances_stores_into_the_one_named(tmp_path):
    (tmp_path / "monitor.toml").write_text(TWO_INSTANCES)
    with serving_streams(tmp_path, "--instance", "sandbox") as process:
        first_line = process.stdout.readline()
        assert "(instance 'sandbox'," in first_line, process.stderr.read()
        url = first_line.split(" at ")[1].split()[0]
        ok = requests.post(url, data=json.dumps(sfdc_event(901)), headers=AUTH, timeout=10)
        assert ok.status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    stored = Store(tmp_path / "monitor.duckdb")
    assert rows(stored, "SELECT instance, activity_id FROM marketo_activities") == [
        ("sandbox", "901")
    ]
