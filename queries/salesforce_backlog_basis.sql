-- Per object: when Marketo last finished pulling it (from imported Sync Status steps), and the
-- inflow we counted since then. The backlog estimate adds the current window to it.
WITH last_pull AS (
    SELECT object, max(ended_at) AS ended_at
    FROM sync_cycles
    WHERE instance = $instance AND direction = 'sfdc_to_marketo' AND ended_at IS NOT NULL
      AND lower(status) IN ('succeeded', 'success', 'completed')
    GROUP BY object
)
SELECT p.object, p.ended_at AS last_pull_end,
       coalesce(sum(s.value), 0) AS inflow_since_pull
FROM last_pull p
LEFT JOIN sync_stats s
  ON s.instance = $instance AND s.object = p.object AND s.metric = 'inflow'
 AND s.direction = 'sfdc_to_marketo' AND s.provenance = 'reported'
 AND s.ts > p.ended_at AND s.ts <= $now
GROUP BY p.object, p.ended_at
