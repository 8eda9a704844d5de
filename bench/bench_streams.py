"""Throughput and latency of the Data Streams receiver on loopback, next to the raw store write.

    python bench/bench_streams.py [--requests 300] [--senders 4]

`monitor.collectors.streams.receiver.Receiver` runs on 127.0.0.1 with a fresh store. Senders
POST batches of SFDC
activity events (the documented Lead Activity Data Stream shape, fresh ids each time) with a
keep-alive `requests.Session`; every request is answered after its batch committed. Figures:
events/s over the run, p50/p99 latency per request. Baseline: the same batches written
directly with `activity_frame` + `store_activities` in one `Store.write()` each (what a request
costs the store alone, without HTTP, JSON and the event log). No timing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.collectors.streams.receiver import Receiver, ReceiverSettings
from monitor.store import Store
from monitor.store.activities import activity_frame, store_activities

TOKEN = "bench-streams-token-" + uuid.uuid4().hex
INSTANCE = "bench"
_next_id = iter(range(1, 10**12))
_id_lock = threading.Lock()


def event(minute: int) -> dict:
    """One Sync Lead to SFDC event with fresh ids (documented envelope, as in the tests)."""
    with _id_lock:
        activity_id = next(_next_id)
    return {
        "eventid": str(uuid.uuid4()),
        "specversion": "1.0",
        "type": "com.adobe.platform.marketo.activity.standard.syncleadtosfdc",
        "source": "urn:marketo_activity_stream",
        "id": str(uuid.uuid4()),
        "time": f"2026-11-20T14:{minute % 60:02d}:00Z",
        "datacontenttype": "application/json",
        "data": {
            "munchkinId": "123-ABC-456",
            "leadId": str(1000 + activity_id % 5000),
            "activityDate": f"2026-11-20T14:{minute % 60:02d}:00Z",
            "activityTypeId": 19,
            "activityType": "Sync Lead to SFDC",
            "activityLogItemId": activity_id,
            "primaryAttributeValue": None,
            "attributes": [{"name": "Assign To", "dataType": "string", "value": "queue"}],
        },
        "recipientclientid": "bench",
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_receiver(batch_size: int, requests_total: int, senders: int, workdir: Path) -> dict:
    """POST `requests_total` batches from `senders` threads; events/s and latency in ms."""
    store = Store(workdir / f"receiver-{batch_size}-{senders}.duckdb")
    settings = ReceiverSettings(
        store=store, instance=INSTANCE, token=TOKEN, max_body_bytes=4 * 1024 * 1024
    )
    bodies = [
        json.dumps([event(n + i) for i in range(batch_size)]).encode()
        for n in range(requests_total)
    ]
    latencies: list[float] = []
    lock = threading.Lock()
    with Receiver(settings, "127.0.0.1", 0) as receiver:

        def sender(share: list[bytes]) -> None:
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
            with requests.Session() as session:
                for body in share:
                    started = time.perf_counter()
                    reply = session.post(
                        f"{receiver.url}/events", data=body, headers=headers, timeout=60
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    if reply.status_code != 200:
                        raise SystemExit(f"unexpected {reply.status_code}: {reply.text}")
                    with lock:
                        latencies.append(elapsed)

        threads = [
            threading.Thread(target=sender, args=(bodies[n::senders],)) for n in range(senders)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    with store.read() as con:
        stored = con.execute("SELECT count(*) FROM marketo_activities").fetchone()[0]
    assert stored == batch_size * requests_total, stored
    return {
        "events_per_s": batch_size * requests_total / wall,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
    }


def run_baseline(batch_size: int, requests_total: int, workdir: Path) -> dict:
    """The same batches through activity_frame + store_activities, one Store.write() each."""
    store = Store(workdir / f"baseline-{batch_size}.duckdb")
    store.init()
    batches = [[event(n + i)["data"] for i in range(batch_size)] for n in range(requests_total)]
    latencies = []
    started = time.perf_counter()
    for records in batches:
        began = time.perf_counter()
        frame = activity_frame(
            records, instance=INSTANCE, source="data_streams", received_at=datetime.now(UTC)
        )
        with store.write() as con:
            store_activities(con, frame)
        latencies.append((time.perf_counter() - began) * 1000)
    wall = time.perf_counter() - started
    return {
        "events_per_s": batch_size * requests_total / wall,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per batch size")
    parser.add_argument("--senders", type=int, default=4, help="concurrent senders in run 2")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'batch':>5} {'senders':>7} {'requests':>8} | {'receiver ev/s':>13} {'p50 ms':>7} "
        f"{'p99 ms':>7} | {'raw write ev/s':>14} {'p50 ms':>7} {'p99 ms':>7} | {'ratio':>5}"
    )
    with tempfile.TemporaryDirectory() as workdir:
        for batch_size in (1, 100):
            total = args.requests if batch_size == 1 else max(10, args.requests // 10)
            baseline = run_baseline(batch_size, total, Path(workdir))
            for senders in (1, args.senders):
                measured = run_receiver(batch_size, total, senders, Path(workdir))
                ratio = measured["events_per_s"] / baseline["events_per_s"]
                print(
                    f"{batch_size:>5} {senders:>7} {total:>8} | "
                    f"{measured['events_per_s']:>13,.0f} {measured['p50_ms']:>7.1f} "
                    f"{measured['p99_ms']:>7.1f} | {baseline['events_per_s']:>14,.0f} "
                    f"{baseline['p50_ms']:>7.1f} {baseline['p99_ms']:>7.1f} | {ratio:>5.2f}"
                )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
