"""Measured sync rates by hour of week: what the backlog planner expects the sync to do.

The rates are the hourly throughput while records waited (queries/plan_drain_rates.sql, the
same measure as the drain-time estimate's pace). Each hour ahead takes the rates measured at
the same weekday and hour, else at the same hour on any day, else at any hour: the median is
the estimate, the 25th and 75th percentiles bound its range."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

# Percentiles of the measured rates: slow end, estimate, fast end of the range.
QUANTILES = (0.25, 0.5, 0.75)
HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class RateProfile:
    """Rates per hour of week (Monday 00:00 UTC = 0) of one object and direction, at the
    slow, middle and fast quantiles, and where they were measured."""

    object: str
    direction: str
    slow: np.ndarray
    middle: np.ndarray
    fast: np.ndarray
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
    measured = ~np.isnan(by_week[:, 0])
    same_hour = by_day[np.arange(HOURS_PER_WEEK) % 24]
    fallback = np.where(np.isnan(same_hour), overall, same_hour)
    tables = np.where(measured[:, None], by_week, fallback).T
    return RateProfile(
        object=object_name,
        direction=direction,
        slow=tables[0],
        middle=tables[1],
        fast=tables[2],
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


def whole_hour(moment: datetime) -> datetime:
    """The UTC hour that holds `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0) - timedelta(0)
