"""Measured sync rates by hour of week: what the backlog planner expects the sync to do.

The rates are the hourly throughput while records waited (queries/plan_drain_rates.sql, the
same measure as the drain-time estimate's pace). Each hour ahead takes the rates measured at
the same weekday and hour, else at the same hour on the same kind of day (weekday, weekend),
else at the same hour on any day, else at any hour (`middle`: their median; the best start is
searched with it). `typical` is the median of the same hour on the same kind of day, and
`day_factors` how fast the sync went on each past day against it: the day-to-day variability
the plan's estimate and range are drawn from (monitor/planner/spread.py). The 10th, 25th, 75th
and 90th percentiles of the hourly rates are kept to compare with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

# Percentiles of the measured rates: 10th, 25th, median, 75th, 90th (QUANTILE_TABLES names them).
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
QUANTILE_TABLES = ("slowest", "slow", "middle", "fast", "fastest")
HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class RateProfile:
    """Rates per hour of week (Monday 00:00 UTC = 0) of one object and direction, at the
    slow, middle and fast quantiles, and where they were measured."""

    object: str
    direction: str
    slowest: np.ndarray
    slow: np.ndarray
    middle: np.ndarray
    fast: np.ndarray
    fastest: np.ndarray
    # The median rate of the same hour on the same kind of day (weekday, weekend).
    typical: np.ndarray
    # Per past day with measured hours (oldest first): the median of its rates over the typical
    # rate of the same hours, i.e. how fast the sync went that day.
    day_factors: np.ndarray
    # Those days, as whole days since 1970-01-01 (UTC).
    factor_days: np.ndarray
    draining_hours: int
    first_day: str
    last_day: str
    # How many hours of week took their rate from the same weekday and hour (the rest fell
    # back to the same hour of any day, or to any hour).
    hours_from_same_weekday: int

    def ahead(self, base: datetime, hours: int, which: str = "middle") -> np.ndarray:
        """Rates of `hours` consecutive hours starting at the (UTC, whole) hour `base`."""
        start = base.weekday() * 24 + base.hour
        table = getattr(self, which)
        return table[(start + np.arange(hours)) % HOURS_PER_WEEK]

    def basis(self) -> dict:
        """What the estimates rest on, for people: rates, the days measured, the fallbacks."""
        return {
            "object": self.object,
            "direction": self.direction,
            "median_rate_per_hour": round(float(np.median(self.middle)), 0),
            "range_per_hour": [
                round(float(np.median(self.slow)), 0),
                round(float(np.median(self.fast)), 0),
            ],
            # How fast the slowest and fastest tenth of past days went against the typical pace.
            "day_pace_range": [
                round(float(np.quantile(self.day_factors, 0.1)), 2),
                round(float(np.quantile(self.day_factors, 0.9)), 2),
            ],
            "draining_hours": self.draining_hours,
            "days": [self.first_day, self.last_day],
            "hours_of_week_from_same_weekday": self.hours_from_same_weekday,
        }


def build_profile(
    rows: Mapping[str, np.ndarray], object_name: str, direction: str
) -> RateProfile | None:
    """The profile from plan_drain_rates columns (numpy arrays; `hour` as UTC datetime64) of
    one object and direction; None without any."""
    rates = np.asarray(rows["rate_per_hour"], dtype=float)
    keep = (
        (np.asarray(rows["object"]) == object_name)
        & (np.asarray(rows["direction"]) == direction)
        & (rates > 0)
    )
    if not keep.any():
        return None
    hours = np.asarray(rows["hour"]).astype("datetime64[h]")[keep]
    rates = rates[keep]
    # Whole hours since 1970-01-01 (a Thursday: weekday 3) give the hour of week in numpy.
    since_epoch = hours.astype(np.int64)
    hour_of_day = since_epoch % 24
    hour_of_week = ((since_epoch // 24 + 3) % 7) * 24 + hour_of_day
    overall = np.quantile(rates, QUANTILES)
    # One row per hour of week: its own quantiles, else those of its hour of day, else all.
    by_week = _quantiles(rates, hour_of_week, HOURS_PER_WEEK)
    by_day = _quantiles(rates, hour_of_day, 24)
    # Weekends run at another pace than weekdays: an unmeasured hour of week takes the same
    # hour of the same kind of day first (hour of week // 120: 0 Monday-Friday, 1 weekend).
    kind = np.minimum(hour_of_week // 120, 1)
    by_kind = _quantiles(rates, kind * 24 + hour_of_day, 48)
    measured = ~np.isnan(by_week[:, 0])
    week = np.arange(HOURS_PER_WEEK)
    same_kind = by_kind[np.minimum(week // 120, 1) * 24 + week % 24]
    same_hour = by_day[week % 24]
    fallback = np.where(np.isnan(same_kind), same_hour, same_kind)
    fallback = np.where(np.isnan(fallback), overall, fallback)
    tables = np.where(measured[:, None], by_week, fallback).T
    # The typical pace of each hour of week from the same hour of the same kind of day (many
    # more days than one weekday's few): the baseline a past day's pace is measured against.
    typical = fallback[:, QUANTILES.index(0.5)]
    return RateProfile(
        object=object_name,
        direction=direction,
        **dict(zip(QUANTILE_TABLES, tables, strict=True)),
        typical=typical,
        **_day_factors(rates / typical[hour_of_week], since_epoch // 24),
        draining_hours=len(rates),
        first_day=str(hours.min().astype("datetime64[D]")),
        last_day=str(hours.max().astype("datetime64[D]")),
        hours_from_same_weekday=int(measured.sum()),
    )


def _quantiles(rates: np.ndarray, slots: np.ndarray, size: int) -> np.ndarray:
    """QUANTILES of the rates per slot (linear interpolation, as numpy's and pandas' default):
    one row per slot 0..size-1, NaN where none was measured. Vectorised: a call per slot
    cost more than the rest of the plan."""
    table = np.full((size, len(QUANTILES)), np.nan)
    order = np.lexsort((rates, slots))
    ordered = rates[order]
    found, starts, counts = np.unique(slots[order], return_index=True, return_counts=True)
    position = (counts[:, None] - 1) * np.array(QUANTILES)[None, :]
    low = np.floor(position).astype(int)
    high = np.ceil(position).astype(int)
    below = ordered[starts[:, None] + low]
    above = ordered[starts[:, None] + high]
    table[found] = below + (position - low) * (above - below)
    return table


def _day_factors(ratios: np.ndarray, days: np.ndarray) -> dict[str, np.ndarray]:
    """The median ratio per day, oldest day first (`ratios` grouped by `days`), and the days."""
    order = np.lexsort((ratios, days))
    ordered = ratios[order]
    found, starts, counts = np.unique(days[order], return_index=True, return_counts=True)
    low = ordered[starts + (counts - 1) // 2]
    high = ordered[starts + counts // 2]
    return {"day_factors": (low + high) / 2, "factor_days": found}


def whole_hour(moment: datetime) -> datetime:
    """The UTC hour that holds `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0) - timedelta(0)
