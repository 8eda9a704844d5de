"""A value for every $parameter that the named queries (queries/*.sql) take, so that any query
can run on its own: the test that every query runs on an empty store, and
bench/bench_queries.py, which times them all. A new parameter is added here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def query_params(
    now: datetime, *, window_days: int = 7, instance: str = "prod", **overrides: Any
) -> dict[str, Any]:
    """The standard parameters at `now`, with `since` `window_days` before it; `overrides`
    replace any of them."""
    return {
        "instance": instance,
        "now": now,
        "since": now - timedelta(days=window_days),
        "until": now,
        "object": "",
        "direction": "",
        "category": "",
        "code": "",
        "status": "",
        "check": "",
        "checks": ["stale_data"],
        "lookback_hours": 24,
        "lookback_days": 7,
        "small_step_max": 5,
        "prefix": "salesforce.",
        "training_days": 14,
        "month_history_days": 95,
        "history_days": 28,
        "recent_hours": 24,
        "forecast_hours": 6,
        "limit": 10,
        "sources": ["salesforce", "marketo"],
        "activity_types": ["Sync Lead to SFDC"],
        "job": "report",
        "field": "Name",
        "min_records": 10_000,
        "tolerance_share": 0.01,
        **overrides,
    }
