"""The named queries behind a weekly report: the dashboard's own, over the week's window.

Queries that look back from `$now` (the checks' inputs) get the window's last instant as `now`
and its length as `lookback_hours`, so they cover exactly the same window as the range queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from monitor.report.weeks import Window
from queries import run_query

# key -> (query name, parameters besides instance/since/until/now)
WEEK_QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "coverage": ("source_coverage", {}),  # first: backlog_latest is anchored on it
    "backlog_hourly": ("backlog_hourly", {"object": "", "direction": ""}),
    "backlog_total": ("backlog_total_hourly", {}),
    "backlog_latest": ("backlog_latest", {}),
    "modifiers": ("top_modifiers", {"object": ""}),
    "sync_steps": ("sync_cycles_summary", {}),
    "errors_daily": ("errors_daily", {"object": "", "category": ""}),
    "errors_by_code": ("errors_by_code", {"object": "", "category": ""}),
    "validation_by_code": ("errors_by_code", {"object": "", "category": "validation"}),
    "data_quality_by_code": ("errors_by_code", {"object": "", "category": "data_quality"}),
    "permission_errors": ("permission_errors_by_field", {}),
    "permission_changes": ("permission_changes", {}),
    "audit": ("audit_events_range", {"limit": 500}),
    "fields": ("field_inventory_latest", {}),
    "validation_rules": ("validation_rule_failures_by_rule", {}),
    "picklist_values": ("picklist_data_errors_by_value", {}),
    "api_daily": ("api_usage_daily", {}),
    "api_consumers": ("api_consumer_shares", {}),
    "runs": ("collection_runs_by_job", {}),
    "events": ("finding_events", {"check": ""}),
    "open_at_end": ("findings_open_at", {}),
    "permission_findings": ("findings_of_check", {"check": "permission_failures"}),
    "schema_drift": ("schema_drift_findings", {}),
    "auth_posture": ("auth_posture_findings", {}),
    "reconciliation": ("reconciliation_findings", {}),
}
# The week before only feeds the week-over-week figures.
PREVIOUS_WEEK_KEYS = (
    "backlog_hourly",
    "backlog_total",
    "sync_steps",
    "errors_daily",
    "api_daily",
    "runs",
    "coverage",
    "events",
    "open_at_end",
)


def window_params(instance: str, window: Window) -> dict[str, Any]:
    """Parameters every report query may use for `window`."""
    return {
        "instance": instance,
        "since": window.since,
        "until": window.until,
        "now": window.until,
        "lookback_hours": window.hours,
    }


def load_window(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    window: Window,
    keys: tuple[str, ...] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the report's queries (all, or `keys`) for one instance and window."""
    params = window_params(instance, window)
    frames: dict[str, pd.DataFrame] = {}
    for key in keys or tuple(WEEK_QUERIES):
        name, extra = WEEK_QUERIES[key]
        values = {**params, **extra}
        if key == "backlog_latest":
            # As the dashboard anchors its range at the newest fact: a week whose samples
            # stop early (an import, the demo) still gets a drain estimate.
            values["until"] = last_fact(frames["coverage"], "sync_stats") or window.until
        frames[key] = run_query(con, name, **values)
    return frames


def last_fact(coverage: pd.DataFrame, data: str) -> datetime | None:
    """The newest fact of a kind up to the window's end (source_coverage), or None."""
    newest = coverage.loc[coverage["data"] == data, "last_fact"].dropna()
    return newest.max().to_pydatetime() if len(newest) else None
