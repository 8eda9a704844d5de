"""Derived figures the dashboard and the report show: health score, drain-time estimates."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def with_drain_estimates(latest: pd.DataFrame) -> pd.DataFrame:
    """Add `drain_hours` to rows of the backlog_latest query."""
    frame = latest.copy()
    frame["drain_hours"] = [
        drain_hours(float(b), float(t))
        for b, t in zip(
            frame["backlog"].fillna(0), frame["throughput_per_hour"].astype(float), strict=True
        )
    ]
    return frame
