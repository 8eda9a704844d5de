"""The hourly roll-up of the sync's throughput (table sync_drain_hourly, migration 012): kept
up to date whenever sync_stats rows are written, so the backlog planner reads a few thousand
hourly rows instead of grouping a month of 5-minute samples on every plan."""

from __future__ import annotations

import duckdb

# The whole hours a write reached into, per instance: `{written}` is the registered frame.
SPANS = """
SELECT instance, time_bucket(INTERVAL 1 HOUR, min(ts)) AS first_hour,
       time_bucket(INTERVAL 1 HOUR, max(ts)) + INTERVAL 1 HOUR AS after_hour
FROM {written} GROUP BY instance
"""
FORGET = """
DELETE FROM sync_drain_hourly d USING ({spans}) s
WHERE d.instance = s.instance AND d.hour >= s.first_hour AND d.hour < s.after_hour
"""
# Every stored sample of those hours is summed afresh (a cycle adds samples to an hour already
# rolled up: adding to the old row would count the earlier samples twice).
ROLL_UP = """
INSERT INTO sync_drain_hourly
WITH paired AS (
    SELECT t.instance, t.ts, t.object, t.direction,
           max(t.value) FILTER (WHERE t.metric = 'throughput') AS throughput,
           max(t.value) FILTER (WHERE t.metric = 'backlog') AS backlog
    FROM sync_stats t JOIN ({spans}) s
      ON t.instance = s.instance AND t.ts >= s.first_hour AND t.ts < s.after_hour
    WHERE t.metric IN ('backlog', 'throughput')
    GROUP BY ALL
    HAVING max(t.value) FILTER (WHERE t.metric = 'throughput') IS NOT NULL
)
SELECT instance, object, direction, time_bucket(INTERVAL 1 HOUR, ts) AS hour,
       count(*) AS samples,
       count(*) FILTER (WHERE backlog > 0) AS busy_samples,
       sum(throughput) FILTER (WHERE backlog > 0) AS busy_throughput
FROM paired
GROUP BY ALL
"""


def refresh_drain_hours(con: duckdb.DuckDBPyConnection, written: str) -> None:
    """Roll up again the hours that the registered frame `written` (sync_stats rows just
    inserted; an identifier of the caller's, never user input) reaches into."""
    spans = SPANS.format(written=written)
    con.execute(FORGET.format(spans=spans)).fetchall()
    con.execute(ROLL_UP.format(spans=spans)).fetchall()
