"""Derived figures the dashboard and the report show: health score, drain-time estimates."""

from __future__ import annotations

import math

import pandas as pd

# Points a single open finding costs, by severity; the score never goes below 0.
SCORE_PENALTY = {"critical": 25, "warning": 8, "info": 2}


def health_score(open_by_severity: dict[str, int]) -> int:
    """100 with nothing open; each open finding costs SCORE_PENALTY[severity] points."""
    penalty = sum(SCORE_PENALTY.get(sev, 0) * count for sev, count in open_by_severity.items())
    return max(0, 100 - penalty)


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
