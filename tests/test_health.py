"""Health score and drain-time estimates."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from monitor.health import drain_hours, health_score, health_state, with_drain_estimates


@pytest.mark.parametrize(
    ("open_by_severity", "score"),
    [({}, 100), ({"warning": 2}, 84), ({"critical": 1, "info": 3}, 69), ({"critical": 5}, 0)],
)
def test_health_score_costs_points_per_open_finding(open_by_severity, score):
    assert health_score(open_by_severity) == score


def test_drain_time_tells_clear_draining_stuck_and_unknown_apart():
    assert drain_hours(0, 100) == 0.0
    assert drain_hours(500, 1000) == 0.5
    assert math.isinf(drain_hours(500, 0))
    assert math.isnan(drain_hours(500, math.nan))


def test_drain_estimates_leave_unmeasured_throughput_unknown():
    latest = pd.DataFrame({"backlog": [1200.0, 300.0], "throughput_per_hour": [600.0, None]})
    estimates = with_drain_estimates(latest)["drain_hours"]
    assert estimates.iloc[0] == 2.0 and math.isnan(estimates.iloc[1])


def test_health_is_unknown_without_data_and_stale_when_a_source_stopped():
    assert health_state({}, has_data=False, stale_sources=[]).headline == "Unknown"
    stale = health_state({}, has_data=True, stale_sources=["Sync Errors exports"])
    assert stale.headline == "Stale" and "Sync Errors exports" in stale.reason
    assert "100 / 100" in stale.reason  # the score from the data there is, said as such
    assert health_state({}, has_data=True, stale_sources=[]).headline == "100 / 100"
    assert health_state({"warning": 1}, True, []).headline == "92 / 100"
