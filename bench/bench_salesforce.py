"""HTTP calls and wall time of one Salesforce collection cycle, counted by the loopback stand-in.

    python bench/bench_salesforce.py

`monitor.collectors.salesforce.cycle.collect_cycle` for the 7 default objects runs the real
simple-salesforce client over HTTPS against tests/standins/salesforce.py. The calls are the
requests the stand-in received (a /composite call is one), next to two baselines: every figure
its own call (3 figures x 7 objects + 1 limits call = 22) and every object query its own call
(7). Salesforce accepts at most 5 queries in one /composite call, so the floor is one call per
5 queries. Loopback latency is near zero: the times are the client's and the store's work, not
the network's. No timing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.collectors.context import Cycle
from monitor.collectors.salesforce.client import (
    COMPOSITE_QUERY_LIMIT,
    SalesforceClient,
    connect,
    login_from,
)
from monitor.collectors.salesforce.cycle import SalesforceReport, collect_cycle
from monitor.config import DEFAULTS, Config
from monitor.store import Store
from tests.standins.salesforce import SYNC_USER_ID, SYNC_USERNAME, SalesforceStandIn

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
OBJECTS = tuple(DEFAULTS["salesforce_objects"])
FIGURES_PER_OBJECT = 3  # inflow, the sync user's writes, the modifiers
EVERY_FIGURE = FIGURES_PER_OBJECT * len(OBJECTS) + 1  # + one /limits call
EVERY_OBJECT = len(OBJECTS)
GOAL_CALLS = 1
RUNS = 5


def scripted_org(standin: SalesforceStandIn) -> None:
    """Modifiers on every object and Read on all of them, as in the collector's tests."""
    for n, name in enumerate(OBJECTS):
        standin.modifiers[name] = [
            ("005000000000002AAA", "Dana Whitfield", 40 + n),
            ("005000000000003AAA", "Ops Data Loader", 900 - n),
            (SYNC_USER_ID, "Marketo Sync", 12 + n),
        ]
        standin.object_permissions.append(
            {
                "SobjectType": name,
                "PermissionsRead": True,
                "PermissionsCreate": True,
                "PermissionsEdit": True,
            }
        )
    # Task is not in the real describeGlobal subset: script it (a renamed Contact).
    standin.describes["Task"] = {**standin.describes["Contact"], "name": "Task"}


@dataclass
class Measured:
    report: SalesforceReport
    seconds: float
    http_seconds: float  # whole HTTP calls (request, wait, body read), summed over the cycle
    requests: list  # what the stand-in received


def measured_cycle(
    standin: SalesforceStandIn, store: Store, client: SalesforceClient, now: datetime
) -> Measured:
    """One cycle: its report, wall time, HTTP time and the requests the stand-in received."""
    first = len(standin.requests)
    session = client.sf.session
    send = session.request
    spent: list[float] = []

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return send(*args, **kwargs)  # reads the whole body (stream=False)
        finally:
            spent.append(time.perf_counter() - started)

    session.request = timed
    started = time.perf_counter()
    try:
        report = collect_cycle(
            Cycle(store, client, Config(salesforce_objects=OBJECTS), "bench", now), SYNC_USERNAME
        )
    finally:
        seconds = time.perf_counter() - started
        session.request = send
    if report.errors:
        raise SystemExit(f"the cycle reported problems: {report.errors}")
    return Measured(report, seconds, sum(spent), standin.requests[first:])


def kinds(requests: list) -> str:
    """What the calls were, e.g. "3 composite, 3 query, 1 limits"."""
    counted = Counter(r.path.rstrip("/").rsplit("/", 1)[-1] for r in requests)
    return ", ".join(f"{n} {kind}" for kind, n in counted.most_common())


def queries_per_composite(requests: list) -> list[int]:
    return [
        sum("/query" in sub["url"] for sub in request.json["compositeRequest"])
        for request in requests
        if request.path.rstrip("/").endswith("/composite")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    with SalesforceStandIn() as standin, tempfile.TemporaryDirectory() as directory:
        os.environ["REQUESTS_CA_BUNDLE"] = standin.ca_bundle
        scripted_org(standin)
        store = Store(Path(directory) / "bench.duckdb")
        store.init()
        login = login_from(standin.secrets())
        client = SalesforceClient(connect(login, DEFAULTS["salesforce_api_version"]))

        first = measured_cycle(standin, store, client, NOW)
        steady = [
            measured_cycle(standin, store, client, NOW + timedelta(minutes=5 * (run + 1)))
            for run in range(RUNS)
        ]

    calls = [len(cycle.requests) for cycle in steady]
    reported = [cycle.report.api_calls for cycle in steady]
    if len(set(calls)) != 1 or calls != reported:
        raise SystemExit(f"steady-state calls differ: stand-in {calls}, reports {reported}")
    steady_calls = calls[0]
    packed = queries_per_composite(steady[-1].requests)
    queries = sum(packed)
    steady_ms = statistics.median(cycle.seconds for cycle in steady) * 1000
    http_ms = statistics.median(cycle.http_seconds for cycle in steady) * 1000
    floor = -(-queries // COMPOSITE_QUERY_LIMIT)
    verdict = "met" if steady_calls <= GOAL_CALLS else "NOT met"

    print(f"load average {os.getloadavg()[0]:.1f}; {len(OBJECTS)} objects: {', '.join(OBJECTS)}")
    print(
        f"first cycle (sync user lookup, describe, permissions, limits): "
        f"{len(first.requests)} calls ({kinds(first.requests)}), {first.seconds * 1000:.0f} ms "
        f"(HTTP {first.http_seconds * 1000:.0f} ms, the rest "
        f"{(first.seconds - first.http_seconds) * 1000:.0f} ms)"
    )
    print(
        f"steady-state cycle: {steady_calls} calls ({kinds(steady[-1].requests)}), "
        f"queries per call {packed}, median of {RUNS}: {steady_ms:.0f} ms (HTTP {http_ms:.0f} ms, "
        f"the rest {steady_ms - http_ms:.0f} ms)"
    )
    print(f"{'if every':<38}{'calls':>6}{'ratio':>8}")
    for label, baseline in (
        (f"figure were its own call ({FIGURES_PER_OBJECT} x {len(OBJECTS)} + 1)", EVERY_FIGURE),
        ("object query were its own call", EVERY_OBJECT),
        (f"query were its own call ({queries})", queries),
    ):
        print(f"  {label:<36}{baseline:>6}{baseline / steady_calls:>7.1f}x")
    print(
        f"goal <= {GOAL_CALLS} call per steady-state cycle: {verdict}; {queries} queries need at "
        f"least {floor} /composite calls at Salesforce's {COMPOSITE_QUERY_LIMIT} queries per call"
    )


if __name__ == "__main__":
    main()
