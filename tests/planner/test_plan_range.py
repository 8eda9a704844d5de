"""The plan's range is honest: on a store whose sync ran each day at a pace drawn at random
(0.85 to 1.15 times the nominal, as real syncs vary day to day), the clear times of queues
simulated minute by minute with new days drawn the same way fall within the stated range about
as often as the plan says (8 in 10), and the range is not wider than the variation needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from monitor.planner import plan_mass_update
from monitor.planner.words import plan_lines
from tests.planner.test_planner import INSTANCE, NOW, ORDER, minutes_to_sync, write_history

DAYS_OF_HISTORY = 21
FUTURES = 40
START = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
RECORDS = 200_000


def daily_paces(seed: int, days: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.85, 1.15, days)


def history_paces(ts: pd.DatetimeIndex, now: datetime) -> np.ndarray:
    """Each sample at the pace of its UTC day (one draw per day, the same for every object)."""
    first = (now - timedelta(days=DAYS_OF_HISTORY + 1)).date()
    day = np.array([(t.date() - first).days for t in ts])
    return daily_paces(1, DAYS_OF_HISTORY + 2)[day]


def true_clear(seed: int) -> datetime:
    """When the update really clears in one future: each day at a new random pace."""
    paces = daily_paces(100 + seed, 7)
    (done,) = minutes_to_sync(
        [("Account", RECORDS)], START, factor=lambda m: paces[(m.date() - START.date()).days]
    )
    return done


def test_true_clear_times_fall_within_the_stated_range_as_often_as_it_says(store):
    write_history(store, NOW, factors=history_paces)
    plan = plan_mass_update(store, INSTANCE, "Account", RECORDS, NOW, start=START, order=ORDER)
    earliest, latest = plan.synced_at["earliest"], plan.synced_at["latest"]
    truths = [true_clear(seed) for seed in range(FUTURES)]
    inside = sum(earliest <= t <= latest for t in truths)
    assert inside >= 0.8 * FUTURES, (inside, earliest, latest, min(truths), max(truths))
    # Not wider than the truths themselves spread: at most the fastest to the slowest future.
    assert min(truths) - timedelta(minutes=30) <= earliest
    assert latest <= max(truths) + timedelta(minutes=30)
    assert plan.range_coverage == 0.8
    assert "8 in 10 runs at past days' paces clear in this window" in plan_lines(plan)[1]


def test_the_former_quartile_range_missed_most_true_clear_times(store):
    """The measurement behind the change: the 25th-75th percentile of the hourly rates holds
    far fewer of the same futures."""
    write_history(store, NOW, factors=history_paces)
    plan = plan_mass_update(
        store, INSTANCE, "Account", RECORDS, NOW, start=START, order=ORDER, range_method="quartiles"
    )
    truths = [true_clear(seed) for seed in range(FUTURES)]
    inside = sum(plan.synced_at["earliest"] <= t <= plan.synced_at["latest"] for t in truths)
    assert inside < 0.8 * FUTURES
    assert plan.range_coverage is None
