-- The newest fact of an instance: pages anchor their time range here, so a demo workspace or
-- an import from last week still shows its data.
SELECT greatest(
    (SELECT max(ts) FROM sync_stats WHERE instance = $instance),
    (SELECT max(occurred_at) FROM sync_errors WHERE instance = $instance),
    (SELECT max(started_at) FROM sync_cycles WHERE instance = $instance)
) AS data_end
