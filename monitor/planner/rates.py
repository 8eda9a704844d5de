"""Measured sync rates by hour of week: what the backlog planner expects the sync to do.

The rates are the hourly throughput while records waited (queries/plan_drain_rates.sql, the
same measure as the drain-time estimate's pace). Each hour ahead takes the rates measured at
the same weekday and hour, else at the same hour on any day, else at any hour: the median is
the estimate, the 25th and 75th percentiles bound its range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

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


def build_profile(rows: pd.DataFrame, object_name: str, direction: str) -> RateProfile | None:
    """The profile from plan_drain_rates rows of one object and direction; None without any."""
    rows = rows[(rows["object"] == object_name) & (rows["direction"] == direction)]
    rows = rows[rows["rate_per_hour"] > 0]
    if rows.empty:
        return None
    hours = pd.to_datetime(rows["hour"], utc=True)
    rates = rows["rate_per_hour"].to_numpy(dtype=float)
    hour_of_week = (hours.dt.day_of_week * 24 + hours.dt.hour).to_numpy()
    hour_of_day = hours.dt.hour.to_numpy()
    overall = np.quantile(rates, QUANTILES)
    by_week = _quantiles(rates, hour_of_week)
    by_day = _quantiles(rates, hour_of_day)
    tables = np.empty((len(QUANTILES), HOURS_PER_WEEK))
    same_weekday = 0
    for slot in range(HOURS_PER_WEEK):
        if slot in by_week.index:
            same_weekday += 1
            tables[:, slot] = by_week.loc[slot].to_numpy()
        elif slot % 24 in by_day.index:
            tables[:, slot] = by_day.loc[slot % 24].to_numpy()
        else:
            tables[:, slot] = overall
    return RateProfile(
        object=object_name,
        direction=direction,
        slow=tables[0],
        middle=tables[1],
        fast=tables[2],
        draining_hours=len(rates),
        first_day=f"{hours.min():%Y-%m-%d}",
        last_day=f"{hours.max():%Y-%m-%d}",
        hours_from_same_weekday=same_weekday,
    )


def _quantiles(rates: np.ndarray, slots: np.ndarray) -> pd.DataFrame:
    """QUANTILES of the rates per slot (one row per slot measured, one column per quantile)."""
    return pd.Series(rates).groupby(slots).quantile(list(QUANTILES)).unstack()


def whole_hour(moment: datetime) -> datetime:
    """The UTC hour that holds `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0) - timedelta(0)
