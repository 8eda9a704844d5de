"""Derived figures the dashboard and the report show: health score, drain-time estimates."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the drain estimate's arithmetic is imported by the planner without pandas
    import pandas as pd

# Points a single open incident costs, by severity (findings that share a cause are one
# incident: monitor/incidents); the score never goes below 0.
SCORE_PENALTY = {"critical": 25, "warning": 8, "info": 2}


def health_score(open_by_severity: dict[str, int]) -> int:
    """100 with nothing open; each open incident costs SCORE_PENALTY[severity] points."""
    penalty = sum(SCORE_PENALTY.get(sev, 0) * count for sev, count in open_by_severity.items())
    return max(0, 100 - penalty)


# Checks whose open findings say the monitor's data stopped: it cannot judge the sync then.
FRESHNESS_CHECKS = ("stale_data", "source_down")


@dataclass(frozen=True)
class Health:
    """What the Overview's headline says: a score only when the monitor can judge."""

    state: str  # "scored" | "stale" | "unknown"
    score: int | None
    reason: str

    @property
    def headline(self) -> str:
        if self.state == "scored":
            return f"{self.score} / 100"
        return self.state.capitalize()


def health_state(
    open_by_severity: dict[str, int], has_data: bool, stale_sources: list[str]
) -> Health:
    """Score the open incidents, unless nothing was ever collected (unknown) or a source stopped
    delivering (stale): no data is not health, so neither shows 100."""
    score = health_score(open_by_severity)
    if not has_data:
        return Health("unknown", None, "no data has been imported or collected yet")
    if stale_sources:
        return Health(
            "stale",
            score,
            f"data too old to judge: {', '.join(stale_sources)} "
            f"(score {score} / 100 from the data there is)",
        )
    return Health(
        "scored", score, "100 minus 25 per open critical incident, 8 per warning, 2 per info"
    )


def drain_hours(backlog: float, throughput_per_hour: float) -> float:
    """Hours to clear the backlog at the recent throughput: inf when nothing drains, NaN when
    no throughput was measured (the Salesforce collector sees what changed, not what Marketo
    pulled)."""
    if backlog <= 0:
        return 0.0
    if math.isnan(throughput_per_hour):
        return math.nan
    if throughput_per_hour <= 0:
        return math.inf
    return backlog / throughput_per_hour


def drain_pace(recent: float, average: float) -> tuple[float, str]:
    """The throughput a drain estimate divides by, and what it is: the pace of the last two
    hours while records waited (what the sync does now; a 24-hour average mixes in the quiet
    night and understates a busy sync several times over), else the 24-hour average."""
    if not math.isnan(recent) and recent > 0:
        return recent, "last 2 h"
    return average, "24 h average"


def backlog_now(latest: pd.DataFrame) -> float | None:
    """ "Backlog now", the one definition every page and the report use: the latest sample of
    each object and direction (queries/backlog_latest.sql), summed. None without samples."""
    if not len(latest) or latest["backlog"].isna().all():
        return None
    return float(latest["backlog"].fillna(0).sum())


def with_drain_estimates(latest: pd.DataFrame) -> pd.DataFrame:
    """Add `drain_hours`, `drain_basis` (the pace used) and `shares_sync_with` (other objects of
    the same direction with records waiting: Marketo serves objects in turn, so their backlog
    holds this one up) to rows of the backlog_latest query."""
    import pandas as pd

    frame = latest.copy()
    recent = (
        frame["recent_throughput_per_hour"].astype(float)
        if "recent_throughput_per_hour" in frame
        else pd.Series(math.nan, index=frame.index)
    )
    paces = [
        drain_pace(r, a)
        for r, a in zip(recent, frame["throughput_per_hour"].astype(float), strict=True)
    ]
    frame["drain_hours"] = [
        drain_hours(float(b), pace)
        for b, (pace, _) in zip(frame["backlog"].fillna(0), paces, strict=True)
    ]
    frame["drain_basis"] = [basis for _, basis in paces]
    waiting = frame[frame["backlog"].fillna(0) > 0]
    frame["shares_sync_with"] = [
        ", ".join(
            f"{o} ({b:,.0f})"
            for o, d, b in zip(
                waiting["object"], waiting["direction"], waiting["backlog"], strict=True
            )
            if d == direction and o != obj
        )
        for obj, direction in zip(frame["object"], frame["direction"], strict=True)
    ]
    return frame


def open_spike(findings: pd.DataFrame) -> tuple[str, str] | None:
    """(object, direction) of the worst open backlog spike among open findings (worst first,
    queries/findings_open.sql): what the Backlog page opens on when no choice is made."""
    spikes = findings[findings["check_id"] == "backlog_spike"] if len(findings) else findings
    for subject in spikes["subject"] if len(spikes) else []:
        object_name, _, direction = str(subject).partition("/")
        if object_name and direction:
            return object_name, direction
    return None


def expected_backlog(
    series: pd.DataFrame, overrides: dict, object_name: str, hours: pd.Series
) -> pd.DataFrame:
    """The backlog_spike check's expected band (checks/backlog_spike.py `expected_band`, with
    the configured settings for this object) per hour of `hours`: the highest expected level
    and spike threshold of the hour's baseline slots, to draw behind the hourly peak."""
    import pandas as pd

    from checks import get_check
    from checks.backlog_spike import expected_band

    check = get_check("backlog_spike")
    settings = check.object_settings(overrides).get(object_name) or check.resolve_settings(
        overrides
    )
    hours = pd.to_datetime(pd.Series(hours), utc=True)
    step = pd.Timedelta(minutes=settings["bucket_minutes"])
    slots = pd.Series(
        [hour + step * k for hour in hours for k in range(max(1, 60 // settings["bucket_minutes"]))]
    )
    band = expected_band(series, settings, slots)
    band["hour"] = band["ts"].dt.floor("h")
    return band.groupby("hour", as_index=False)[["expected", "spike_above"]].max()


def band_training_days(overrides: dict) -> int:
    """Days of samples the expected band learns from (the check's training_days, or its
    month-end history where that is longer); read backlog_series with this as training_days
    and month_history_days=0."""
    from checks import get_check

    settings = get_check("backlog_spike").resolve_settings(overrides)
    return max(int(settings["training_days"]), int(settings["month_history_days"]))
