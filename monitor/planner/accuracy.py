"""The planner's own accuracy: for each past backlog spike that drained, the plan the planner
would have made when it arrived (from what the store held then) against when it drained.

A spike is records arriving at once (queries/planner_past_spikes.sql); episodes where a second
spike arrived before the first drained are left out (their drain answers neither plan)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from monitor.planner import plan_mass_update
from monitor.planner.spread import DEFAULT_METHOD

if TYPE_CHECKING:
    from monitor.store import Store

# Days of history searched, the smallest arrival that counts as a spike, how close to the level
# before the backlog must come to count as drained (share of the spike), the most recent
# spikes checked (one plan each), and the slack of "within the range": one sample of 15 min.
ACCURACY_DAYS = 90
SPIKE_MIN_RECORDS = 10_000
DRAINED_SHARE = 0.01
MAX_SPIKES = 12
RANGE_SLACK = timedelta(minutes=15)


@dataclass(frozen=True)
class SpikeCheck:
    """One past spike: what the planner would have said at its start, and what happened."""

    object: str
    direction: str
    started_at: datetime
    records: int
    predicted: datetime | None
    earliest: datetime | None
    latest: datetime | None
    actual: datetime
    reason: str = ""

    @property
    def error_hours(self) -> float | None:
        """Predicted minus actual clear time, in hours (positive: the planner said later)."""
        if self.predicted is None:
            return None
        return (self.predicted - self.actual).total_seconds() / 3600

    @property
    def is_within_range(self) -> bool | None:
        """Whether the actual clear fell within the plan's range (widened by one sample)."""
        if self.earliest is None or self.latest is None:
            return None
        return self.earliest - RANGE_SLACK <= self.actual <= self.latest + RANGE_SLACK

    @property
    def range_hours(self) -> float | None:
        """How wide the stated range was, in hours."""
        if self.earliest is None or self.latest is None:
            return None
        return (self.latest - self.earliest).total_seconds() / 3600


def drained_spikes(
    store: Store,
    instance: str,
    now: datetime,
    days: int = ACCURACY_DAYS,
    min_records: int = SPIKE_MIN_RECORDS,
) -> list[dict]:
    """Past spikes that drained by `now`, one per episode, oldest first."""
    found = store.query(
        "planner_past_spikes",
        instance=instance,
        since=now - timedelta(days=days),
        until=now,
        min_records=min_records,
        tolerance_share=DRAINED_SHARE,
    )
    spikes: dict[tuple[str, str, datetime], dict] = {}
    # Per object and direction: the spike of the episode under way and when the episode drained.
    episode: dict[tuple[str, str], tuple[datetime, datetime | None]] = {}
    for row in found.to_dict("records"):
        key = (row["object"], row["direction"])
        started = pd.Timestamp(row["started_at"]).to_pydatetime()
        cleared = None if pd.isna(row["cleared_at"]) else pd.Timestamp(row["cleared_at"])
        cleared = None if cleared is None else cleared.to_pydatetime()
        if key in episode and (episode[key][1] is None or started < episode[key][1]):
            # A second arrival before the first drained: the episode answers neither plan.
            spikes.pop((*key, episode[key][0]), None)
            episode[key] = (episode[key][0], cleared)
            continue
        episode[key] = (started, cleared)
        if cleared is not None:
            known_at = pd.Timestamp(row["known_at"]).to_pydatetime()
            spikes[(*key, started)] = row | {
                "started_at": started,
                "cleared_at": cleared,
                "known_at": known_at,
            }
    return sorted(spikes.values(), key=lambda s: s["started_at"])


def check_past_spikes(
    store: Store,
    instance: str,
    now: datetime,
    order: Sequence[str] = (),
    days: int = ACCURACY_DAYS,
    min_records: int = SPIKE_MIN_RECORDS,
    range_method: str = DEFAULT_METHOD,
) -> list[SpikeCheck]:
    """The planner's answer at each of the latest MAX_SPIKES drained spikes, beside the truth
    (`range_method`: how the plan draws its range, monitor/planner/spread.py)."""
    checks = []
    for spike in drained_spikes(store, instance, now, days, min_records)[-MAX_SPIKES:]:
        plan = plan_mass_update(
            store,
            instance,
            spike["object"],
            round(spike["records"]),
            spike["known_at"],
            start=spike["started_at"],
            direction=spike["direction"],
            order=order,
            find_best_start=False,
            range_method=range_method,
        )
        checks.append(
            SpikeCheck(
                object=spike["object"],
                direction=spike["direction"],
                started_at=spike["started_at"],
                records=round(spike["records"]),
                predicted=plan.synced_at.get("estimate"),
                earliest=plan.synced_at.get("earliest"),
                latest=plan.synced_at.get("latest"),
                actual=spike["cleared_at"],
                reason=plan.reason,
            )
        )
    return checks


def accuracy_summary(checks: Sequence[SpikeCheck]) -> dict[str, float | int | None]:
    """Mean absolute error (hours) and share of actual clears within the stated range, over
    the spikes the planner could estimate."""
    estimated = [c for c in checks if c.error_hours is not None]
    if not estimated:
        return {
            "spikes": len(checks),
            "estimated": 0,
            "mean_absolute_error_hours": None,
            "share_within_range": None,
        }
    return {
        "spikes": len(checks),
        "estimated": len(estimated),
        "mean_absolute_error_hours": sum(abs(c.error_hours) for c in estimated) / len(estimated),
        "share_within_range": sum(bool(c.is_within_range) for c in estimated) / len(estimated),
    }
