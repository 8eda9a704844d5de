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
    latest = pd.DataFrame(
        {
            "object": ["Lead", "Contact"],
            "direction": ["sfdc_to_marketo", "marketo_to_sfdc"],
            "backlog": [1200.0, 300.0],
            "throughput_per_hour": [600.0, None],
        }
    )
    estimates = with_drain_estimates(latest)["drain_hours"]
    assert estimates.iloc[0] == 2.0 and math.isnan(estimates.iloc[1])


def test_health_is_unknown_without_data_and_stale_when_a_source_stopped():
    assert health_state({}, has_data=False, stale_sources=[]).headline == "Unknown"
    stale = health_state({}, has_data=True, stale_sources=["Sync Errors exports"])
    assert stale.headline == "Stale" and "Sync Errors exports" in stale.reason
    assert "100 / 100" in stale.reason  # the score from the data there is, said as such
    assert health_state({}, has_data=True, stale_sources=[]).headline == "100 / 100"
    assert health_state({"warning": 1}, True, []).headline == "92 / 100"


def test_the_demos_contact_drain_estimate_is_within_20_percent_of_the_simulated_truth(
    demo_store,
):
    """The demo's queue drains CAPACITY_PER_CYCLE records every 5-minute cycle while new
    changes keep arriving: the truth is backlog / (capacity - inflow), from its own series."""
    from monitor.collectors.demo.workspace import CAPACITY_PER_CYCLE, STEP
    from tests.conftest import DEMO_NOW

    latest = with_drain_estimates(
        demo_store.query("backlog_latest", instance="demo", until=DEMO_NOW)
    )
    contact = latest[(latest["object"] == "Contact") & (latest["direction"] == "sfdc_to_marketo")]
    row = contact.iloc[0]
    with demo_store.read() as con:
        [(inflow_per_cycle,)] = con.execute(
            "SELECT avg(value) FROM sync_stats WHERE instance = 'demo' AND object = 'Contact' "
            "AND direction = 'sfdc_to_marketo' AND metric = 'inflow' "
            "AND ts > $now - INTERVAL 2 HOUR AND ts <= $now",
            {"now": DEMO_NOW},
        ).fetchall()
    cycles_per_hour = 3600 / STEP.total_seconds()
    truth = row["backlog"] / ((CAPACITY_PER_CYCLE - inflow_per_cycle) * cycles_per_hour)
    assert row["drain_basis"] == "last 2 h"
    assert row["drain_hours"] == pytest.approx(truth, rel=0.2)
    # The 24-hour average would have said about five times longer.
    assert row["backlog"] / row["throughput_per_hour"] > 3 * truth


def test_drain_uses_the_24_hour_average_without_a_recent_pace_and_names_others_waiting():
    latest = pd.DataFrame(
        {
            "object": ["Account", "Contact"],
            "direction": ["sfdc_to_marketo", "sfdc_to_marketo"],
            "backlog": [1200.0, 5000.0],
            "throughput_per_hour": [600.0, 1000.0],
            "recent_throughput_per_hour": [math.nan, 5000.0],
        }
    )
    frame = with_drain_estimates(latest).set_index("object")
    assert frame.loc["Account", "drain_hours"] == 2.0
    assert frame.loc["Account", "drain_basis"] == "24 h average"
    assert frame.loc["Contact", "drain_hours"] == 1.0
    assert frame.loc["Contact", "shares_sync_with"] == "Account (1,200)"
