"""The range of a plan: the queue simulated under the paces the sync actually had, so the range
says how often the truth falls within it.

Methods (bench/bench_plan_accuracy.py measures them side by side on spikes with known clears):
- "quartiles", "deciles": the whole run at the 25th/75th (10th/90th) percentile rate of every
  hour of week (each hour's spread, as if every hour were slow or fast at once);
- "past_days": the run once per past day measured, every hour at the typical rate of its hour
  times that day's pace (RateProfile.day_factors); the range is the 10th to 90th percentile of
  the clears, the estimate their median;
- "resampled_days" (the default): as "past_days", but every day ahead draws one past day's pace
  (the same past day for every object), SCENARIOS runs with a fixed seed: a drain over several
  days meets fast and slow days, as it did in the past;
- "resampled_days_90": the same, its range the 5th to 95th percentile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np

from monitor.planner.queue import Arrival, QueueRun, simulate_queue
from monitor.planner.rates import RateProfile

METHODS = ("quartiles", "deciles", "past_days", "resampled_days", "resampled_days_90")
DEFAULT_METHOD = "resampled_days"
# The share of past days (or draws of them) the range holds: its ends are the 10th and 90th
# percentile of the simulated clears.
COVERAGE = 0.8
SCENARIOS = 50
# A fixed seed: the same store and question always give the same range.
SEED = 20261207
_TABLES = {"quartiles": ("fast", "slow"), "deciles": ("fastest", "slowest")}


def range_runs(
    method: str,
    profiles: Mapping[str, RateProfile],
    backlog: Mapping[str, float],
    names: Sequence[str],
    base: datetime,
    length: int,
    arrival: Arrival,
) -> list[QueueRun]:
    """The queue runs the range is read from (percentiles of their clears, `spread`)."""
    if method in _TABLES:
        return [
            simulate_queue(
                backlog,
                names,
                {n: profiles[n].ahead(base, length, which) for n in names},
                arrival,
            )
            for which in _TABLES[method]
        ]
    if method not in METHODS:
        raise ValueError(f"unknown range method {method!r}: expected one of {METHODS}")
    typical = {n: profiles[n].ahead(base, length, "typical") for n in names}
    factors = _factors_by_day(profiles, names)
    days = np.array(sorted(set().union(*(f.keys() for f in factors.values()))))
    if not len(days):
        return [simulate_queue(backlog, names, typical, arrival)]
    # Which day ahead each simulated hour falls on (0: the day of `base`).
    day_ahead = (base.hour + np.arange(length)) // 24
    if method.startswith("past_days"):
        draws = [np.full(day_ahead[-1] + 1, i) for i in range(len(days))]
    else:
        rng = np.random.default_rng(SEED)
        draws = list(rng.integers(0, len(days), size=(SCENARIOS, day_ahead[-1] + 1)))
    # Each object's pace on each of the days (by their index in `days`).
    paces = {n: np.array([factors[n].get(d, 1.0) for d in days.tolist()]) for n in names}
    runs = []
    for drawn in draws:
        hourly = drawn[day_ahead]
        rates = {n: typical[n] * paces[n][hourly] for n in names}
        runs.append(simulate_queue(backlog, names, rates, arrival))
    return runs


def _factors_by_day(
    profiles: Mapping[str, RateProfile], names: Sequence[str]
) -> dict[str, dict[int, float]]:
    """Each object's pace per past day; a day it was not measured keeps the estimate (1.0)."""
    return {
        n: dict(
            zip(
                profiles[n].factor_days.tolist(),
                profiles[n].day_factors.tolist(),
                strict=True,
            )
        )
        for n in names
    }


def coverage(method: str) -> float | None:
    """The share of past days the range of `method` holds (None: rate percentiles)."""
    if method in _TABLES:
        return None
    return 0.9 if method.endswith("_90") else COVERAGE


def spread(values: Sequence[float], share: float | None = COVERAGE) -> tuple[float, float]:
    """The 10th and 90th percentile of `values` (inf: not within the horizon), read as the
    nearest value outwards, so an end is always one of the simulated outcomes."""
    ordered = sorted(values)
    if len(ordered) <= 2:
        return ordered[0], ordered[-1]
    tail = (1 - (share or COVERAGE)) / 2
    low = ordered[int(math.floor(tail * (len(ordered) - 1)))]
    high = ordered[int(math.ceil((1 - tail) * (len(ordered) - 1)))]
    return low, high
