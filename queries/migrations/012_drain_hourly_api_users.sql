-- Migration 012: the planner's hourly roll-up of drain rates, and API users' names.
-- The sync's throughput per instance, object, direction and hour, rolled up from sync_stats
-- as it is written (monitor/store/drain_hours.py): the backlog planner reads these few rows
-- instead of grouping a month of 5-minute samples twice on every plan (bench/bench_plan.py).
-- samples: samples with a throughput; busy_samples: those whose backlog was above zero (the
-- sync ran at capacity); busy_throughput: their summed throughput.
CREATE TABLE IF NOT EXISTS sync_drain_hourly (
    instance        VARCHAR NOT NULL,
    object          VARCHAR NOT NULL,
    direction       VARCHAR NOT NULL,
    hour            TIMESTAMPTZ NOT NULL,
    samples         INTEGER NOT NULL,
    busy_samples    INTEGER NOT NULL,
    busy_throughput DOUBLE,
    PRIMARY KEY (instance, object, direction, hour)
);

-- A store written before the roll-up existed gets it from its stored samples.
INSERT OR IGNORE INTO sync_drain_hourly
WITH paired AS (
    SELECT instance, ts, object, direction,
           max(value) FILTER (WHERE metric = 'throughput') AS throughput,
           max(value) FILTER (WHERE metric = 'backlog') AS backlog
    FROM sync_stats
    WHERE metric IN ('backlog', 'throughput')
    GROUP BY ALL
    HAVING max(value) FILTER (WHERE metric = 'throughput') IS NOT NULL
)
SELECT instance, object, direction, time_bucket(INTERVAL 1 HOUR, ts) AS hour,
       count(*) AS samples,
       count(*) FILTER (WHERE backlog > 0) AS busy_samples,
       sum(throughput) FILTER (WHERE backlog > 0) AS busy_throughput
FROM paired
GROUP BY ALL;

-- The people behind the user ids of the ApiTotalUsage logs (the log names no one): resolved by
-- one User query in the same daily read (monitor/collectors/salesforce/api_consumers.py).
-- user_id: the first 15 characters (the logs may write either form of a Salesforce id).
CREATE TABLE IF NOT EXISTS api_users (
    instance    VARCHAR NOT NULL,
    user_id     VARCHAR NOT NULL,
    name        VARCHAR,
    username    VARCHAR,
    resolved_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance, user_id)
);
