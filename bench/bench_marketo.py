"""Marketo REST calls per collection cycle, counted by the loopback stand-in, next to a naive cycle.

    python bench/bench_marketo.py [--hours 24] [--latency-ms 0]

`monitor.collectors.marketo.cycle.collect_marketo` runs the real MarketoClient over HTTPS against
tests/standins/marketo.py for a simulated day of 5-minute cycles (the clock is passed in, so a
day takes seconds), with a steady trickle of SFDC-related activities (about 5 per cycle, one
page). The calls are the REST calls the stand-in received; identity (token) calls are counted
apart, as Marketo does not meter them. The naive cycle is what a straightforward collector
does every time: a new token, the activity types, a paging token for the window, one
activities call per 10 type ids (the 12 SFDC types need 2), usage and error statistics: six
REST calls. It stores the same rows the same way. Loopback latency is near zero, so the times
are the clients' and the store's work; `--latency-ms 150` makes the stand-in answer as a
distant Marketo would. No timing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.collectors.context import Cycle
from monitor.collectors.marketo.client import MarketoClient, RateLimiter, marketo_login_from
from monitor.collectors.marketo.cycle import collect_marketo, plan_streams, usage
from monitor.config import Config
from monitor.store import Store
from monitor.store.activities import SFDC_ACTIVITY_TYPES, activity_frame, store_activities
from monitor.store.facts import ensure_instance, insert_frame
from tests.standins.marketo import MarketoStandIn, steady_activities

NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=5)
GOAL_CALLS = 2
NAIVE_SAMPLE = 24  # naive cycles measured (its calls per cycle do not vary)


def naive_cycle(
    standin: MarketoStandIn, store: Store, limiter: RateLimiter, start: datetime, end: datetime
) -> None:
    """Everything from scratch: token, types, paging token, activities per 10 ids, stats.
    Polite all the same: it shares one rate limiter, so it waits instead of drawing 606s."""
    client = MarketoClient(marketo_login_from(standin.secrets()), limiter=limiter)
    types = client.get("v1/activities/types.json")["result"]
    wanted = set(SFDC_ACTIVITY_TYPES.values())
    ids = {t["name"]: t["id"] for t in types if t["name"] in wanted}
    token = client.get("v1/activities/pagingtoken.json", {"sinceDatetime": start.isoformat()})
    records = []
    for chunk in plan_streams(ids):
        page_token, more = token["nextPageToken"], True
        while more:
            page = client.get(
                "v1/activities.json",
                {"nextPageToken": page_token, "activityTypeIds": [str(i) for i in chunk]},
            )
            records += [
                r
                for r in page.get("result", [])
                if r["activityDate"] <= f"{end:%Y-%m-%dT%H:%M:%SZ}"
            ]
            page_token, more = page["nextPageToken"], page["moreResult"]
    stats = usage.usage_rows(
        client.get("v1/stats/usage.json"), instance="naive", ts=end, monitor_user=client.api_user
    )
    errors = usage.error_rows(client.get("v1/stats/errors.json"), instance="naive", ts=end)
    frame = activity_frame(records, instance="naive", source="marketo_rest", received_at=end)
    with store.write() as con:
        ensure_instance(con, "naive")
        store_activities(con, frame)
        insert_frame(con, "api_usage", stats)
        insert_frame(con, "api_usage", errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="answer every REST call this much later, as a distant Marketo would (default 0)",
    )
    args = parser.parse_args()
    cycles = int(args.hours * 60 / 5)
    with MarketoStandIn() as standin, tempfile.TemporaryDirectory() as directory:
        os.environ["REQUESTS_CA_BUNDLE"] = standin.ca_bundle
        standin.delay_seconds = args.latency_ms / 1000
        steady_activities(standin, NOW - timedelta(hours=1), args.hours + 2, every_minutes=5)
        store = Store(Path(directory) / "bench.duckdb")
        store.init()
        client = MarketoClient(marketo_login_from(standin.secrets()))

        standin.visible_until = NOW
        started = time.perf_counter()
        first = collect_marketo(Cycle(store, client, Config(), "bench", NOW))
        first_ms = (time.perf_counter() - started) * 1000
        spent, seconds, parts = [], [], Counter()
        for step in range(1, cycles + 1):
            before = standin.rest_calls()
            standin.visible_until = NOW + step * INTERVAL
            waited, started = client.limiter.waited_seconds, time.perf_counter()
            report = collect_marketo(Cycle(store, client, Config(), "bench", NOW + step * INTERVAL))
            # Work only: a simulated day squeezes 288 cycles into a minute or so, far faster
            # than Marketo's 100 calls / 20 s, so the limiter makes the bench wait; real
            # 5-minute cycles never do.
            seconds.append(time.perf_counter() - started - (client.limiter.waited_seconds - waited))
            spent.append(standin.rest_calls() - before)
            if report.api_calls != spent[-1] or report.errors:
                raise SystemExit(f"cycle {step}: {report.summary()}")
            parts.update(report.parts)
        identity_ours = len(standin.identity_requests)
        waited_ours = client.limiter.waited_seconds

        before, identity_before = standin.rest_calls(), len(standin.identity_requests)
        naive_seconds, limiter = [], client.limiter  # one subscription, one window
        for step in range(1, NAIVE_SAMPLE + 1):
            end = NOW + step * INTERVAL
            standin.visible_until = end
            waited, started = limiter.waited_seconds, time.perf_counter()
            naive_cycle(standin, store, limiter, end - INTERVAL, end)
            naive_seconds.append(time.perf_counter() - started - (limiter.waited_seconds - waited))
        naive_calls = (standin.rest_calls() - before) / NAIVE_SAMPLE
        naive_identity = (len(standin.identity_requests) - identity_before) / NAIVE_SAMPLE

    per_day = 24 * 60 / 5
    ours_day = sum(spent) * per_day / cycles
    naive_day = naive_calls * per_day
    ours_ms = statistics.median(seconds) * 1000
    naive_ms = statistics.median(naive_seconds) * 1000
    verdict = "met" if max(spent) <= GOAL_CALLS else "NOT met"
    shape = ", ".join(f"{n} cycles x {calls}" for calls, n in sorted(Counter(spent).items()))
    print(
        f"load average {os.getloadavg()[0]:.1f}; {cycles} cycles of 5 min ({args.hours:g} h); "
        f"REST latency {args.latency_ms:g} ms"
    )
    print(
        f"first cycle (types, paging token, activities): {first.api_calls} calls, {first_ms:.0f} ms"
    )
    print(
        f"steady cycles: max {max(spent)} calls, mean {statistics.mean(spent):.2f} ({shape}); "
        f"housekeeping done: {dict(parts)}"
    )
    print(f"{'':<34}{'calls/cycle':>12}{'calls/day':>11}{'of 50,000':>11}{'ms/cycle':>10}")
    for label, calls, day, ms in (
        ("collect_marketo (median work)", statistics.mean(spent), ours_day, ours_ms),
        ("naive cycle (median work)", naive_calls, naive_day, naive_ms),
    ):
        print(f"  {label:<32}{calls:>12.2f}{day:>11,.0f}{day / 50_000:>11.1%}{ms:>10.0f}")
    print(
        f"naive / collect_marketo: {naive_calls / statistics.mean(spent):.1f}x the calls; "
        f"token requests (not metered): {identity_ours} in the run vs {naive_identity:.0f} per "
        "naive cycle"
    )
    print(
        f"the rate limiter held calls back (simulated time runs fast): {waited_ours:.1f} s over "
        f"the {cycles} cycles, then {limiter.waited_seconds - waited_ours:.1f} s over the "
        f"{NAIVE_SAMPLE} naive ones; 606/615 refusals: {standin.refused or 'none'}"
    )
    print(f"goal <= {GOAL_CALLS} calls per steady-state cycle: {verdict}")


if __name__ == "__main__":
    main()
