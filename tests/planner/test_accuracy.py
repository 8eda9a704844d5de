"""The planner's accuracy after real spikes, on a store written by a queue with known rates:
the sync serves 6,000 Lead records an hour, a nightly batch of 9,000 (no spike) gives it its
measured pace, a 60,000-record spike drains at that pace (the planner is right), then the sync
slows to 3,000 an hour just as a 30,000-record spike arrives (the planner, knowing only the
past, is wrong by about five hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from monitor.planner import plan_mass_update
from monitor.planner.accuracy import (
    DRAINED_SHARE,
    accuracy_summary,
    check_past_spikes,
    drained_spikes,
)
from monitor.planner.words import plan_lines
from monitor.store.facts import ensure_instance, insert_frame

INSTANCE = "acme"
FIRST = datetime(2026, 11, 1, tzinfo=UTC)  # a Sunday
NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
SPIKE_A = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)  # Wednesday
SPIKE_B = datetime(2026, 11, 13, 10, 0, tzinfo=UTC)  # Friday: the sync halves its pace
# Two arrivals half an hour apart (Sunday): one episode that answers neither plan.
OVERLAP = (datetime(2026, 11, 15, 10, 0, tzinfo=UTC), datetime(2026, 11, 15, 10, 30, tzinfo=UTC))
STEP = timedelta(minutes=5)


def arrivals(moment: datetime) -> float:
    if moment == SPIKE_A:
        return 60_000.0
    if moment == SPIKE_B:
        return 30_000.0
    if moment in OVERLAP:
        return 20_000.0
    return 9_000.0 if (moment.hour, moment.minute) == (1, 0) else 0.0


def capacity_per_sample(moment: datetime) -> float:
    return (6_000.0 if moment < SPIKE_B else 3_000.0) / 12


def batched(moment: datetime) -> float:
    """As `arrivals`, but spike A loaded in six batches of 10,000, five minutes apart."""
    if SPIKE_A <= moment < SPIKE_A + 6 * STEP:
        return 10_000.0
    return arrivals(moment)


def write_queue(store, arriving=arrivals) -> None:
    """Each 5-minute sample: arrivals join, the sync serves up to its capacity, the backlog
    left and the records served are stored."""
    rows, backlog, moment = [], 0.0, FIRST
    while moment <= NOW:
        backlog += arriving(moment)
        served = min(backlog, capacity_per_sample(moment))
        backlog -= served
        rows += [(moment, "backlog", backlog), (moment, "throughput", served)]
        moment += STEP
    frame = pd.DataFrame(rows, columns=["ts", "metric", "value"]).assign(
        instance=INSTANCE, object="Lead", direction="sfdc_to_marketo", provenance="reported"
    )
    store.init()
    with store.write() as con:
        ensure_instance(con, INSTANCE)
        insert_frame(con, "sync_stats", frame)


def cleared(start: datetime, records: float) -> datetime:
    """The sample at which the spike has drained (no other arrival in between): at most
    DRAINED_SHARE of it still waits (the backlog was empty before it)."""
    moment, left = start, records
    while True:
        left -= capacity_per_sample(moment)
        if left <= DRAINED_SHARE * records + 1e-9:
            return moment
        moment += STEP


def test_only_drained_single_spikes_are_found_with_their_records_and_drain(store):
    write_queue(store)
    spikes = drained_spikes(store, INSTANCE, NOW)
    assert [(s["started_at"], round(s["records"])) for s in spikes] == [
        (SPIKE_A, 60_000),
        (SPIKE_B, 30_000),
    ]
    assert [s["cleared_at"] for s in spikes] == [
        cleared(SPIKE_A, 60_000),
        cleared(SPIKE_B, 30_000),
    ]
    assert [s["known_at"] for s in spikes] == [SPIKE_A - STEP, SPIKE_B - STEP]


def test_a_spike_loaded_in_batches_is_one_spike_from_its_first_batch(store):
    write_queue(store, batched)
    spikes = drained_spikes(store, INSTANCE, NOW)
    assert [(s["started_at"], round(s["records"])) for s in spikes] == [
        (SPIKE_A, 60_000),
        (SPIKE_B, 30_000),
    ]
    assert spikes[0]["known_at"] == SPIKE_A - STEP
    assert spikes[0]["cleared_at"] == cleared(SPIKE_A, 60_000)


def test_plans_made_at_each_spike_are_compared_with_when_it_drained(store):
    write_queue(store)
    first, second = check_past_spikes(store, INSTANCE, NOW, order=("Lead",))
    # Spike A: 60,000 at the measured 6,000/h: 10 hours after 10:00, within the range.
    assert first.predicted == SPIKE_A + timedelta(hours=10)
    assert first.actual == cleared(SPIKE_A, 60_000)
    assert first.error_hours == pytest.approx(10 / 60)
    assert first.is_within_range is True
    # Every past day ran at 6,000/h: no day-to-day variation, so the range has no width.
    assert first.earliest == first.latest and first.range_hours == 0
    # Spike B: the planner knew only the 6,000/h pace (5 hours); the sync took 10.
    assert second.predicted == SPIKE_B + timedelta(hours=5)
    assert second.error_hours == pytest.approx(-(4 + 50 / 60))
    assert second.is_within_range is False
    summary = accuracy_summary([first, second])
    assert summary["mean_absolute_error_hours"] == pytest.approx((10 / 60 + 4 + 50 / 60) / 2)
    assert summary["share_within_range"] == 0.5


def test_a_plan_at_a_spike_uses_no_sample_after_it(store):
    """Planned as of spike B's start, the slowdown that came after it is not seen: the same
    answer as from a store whose samples end just before the spike."""
    write_queue(store)
    (_, second) = check_past_spikes(store, INSTANCE, NOW, order=("Lead",))
    with store.write() as con:
        con.execute("DELETE FROM sync_stats WHERE ts >= $t", {"t": SPIKE_B})
        con.execute("DELETE FROM sync_drain_hourly WHERE hour >= $t", {"t": SPIKE_B})
    plan = plan_mass_update(
        store, INSTANCE, "Lead", 30_000, SPIKE_B - STEP, start=SPIKE_B, order=("Lead",)
    )
    assert second.predicted == plan.synced_at["estimate"]
    assert (second.earliest, second.latest) == (
        plan.synced_at["earliest"],
        plan.synced_at["latest"],
    )


def test_a_plan_without_day_to_day_spread_says_so_instead_of_a_range_of_one_moment(store):
    """Every past day ran at 6,000/h: "likely between X and X" would read as a bug."""
    write_queue(store)
    plan = plan_mass_update(
        store, INSTANCE, "Lead", 30_000, SPIKE_B - STEP, start=SPIKE_B, order=("Lead",)
    )
    answer = plan_lines(plan)[1]
    assert answer.startswith("Fully synced: about ")
    assert "5.0 h after the start; no spread: every past day measured ran at the same pace" in (
        answer
    )
    assert "likely between" not in answer
