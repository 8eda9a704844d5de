"""Inputs that several checks read alike (the same query, settings and anchor), declared once so
that a change of how one of them is read reaches every check that reads it."""

from __future__ import annotations

from checks.base import Input

# The sync's records per object, direction and metric over the check's lookback_days.
SYNC_TOTALS = Input("sync_stats_totals", "lookback_days", anchor="sync_stats")
# Marketo activities per type over the check's lookback_days, and since when they are collected.
MARKETO_ACTIVITY_TOTALS = Input(
    "marketo_activity_totals", "lookback_days", anchor="marketo_activities"
)
# Per object over the check's lookback_days: records changed by others and by the sync user.
INFLOW_TOTALS = Input("inflow_totals", "lookback_days", anchor="sync_stats")
# Every described object, with its latest record count.
DESCRIBED_OBJECTS = Input("described_objects", anchor="snapshots")
# Every field of each object's latest describe, as the sync user sees it.
FIELD_INVENTORY = Input("field_inventory_latest", anchor="snapshots")
