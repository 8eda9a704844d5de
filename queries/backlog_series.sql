-- Backlog samples per object and direction over the training window (or the month-end
-- history, whichever is longer) and the two days judged (today and yesterday: an episode is
-- walked from the start of yesterday), one per timestamp:
-- Marketo's reported figure where there is one, else our estimate, else demo data.
SELECT ts, object, direction,
       arg_min(value, CASE provenance WHEN 'reported' THEN 0 WHEN 'imported' THEN 1
                                      WHEN 'estimated' THEN 2 ELSE 3 END) AS value,
       arg_min(provenance, CASE provenance WHEN 'reported' THEN 0 WHEN 'imported' THEN 1
                                           WHEN 'estimated' THEN 2 ELSE 3 END) AS provenance
FROM sync_stats
WHERE instance = $instance
  AND metric = 'backlog'
  AND ts > $now - to_days(greatest(CAST($training_days AS INTEGER),
                                CAST($month_history_days AS INTEGER)) + 2)
  -- before the training window, only the days a month-end baseline learns from (the first
  -- and the last three days of a UTC month; the last business day is one of them):
  -- checks/seasonal.py month_position. The UTC day is counted from the epoch (DATE arithmetic
  -- is about twice as fast as AT TIME ZONE here).
  AND (ts > $now - to_days(CAST($training_days AS INTEGER) + 2)
       OR day(DATE '1970-01-01' + CAST(floor(epoch(ts) / 86400) AS INTEGER)) = 1
       OR day(DATE '1970-01-01' + CAST(floor(epoch(ts) / 86400) AS INTEGER))
          > day(last_day(DATE '1970-01-01' + CAST(floor(epoch(ts) / 86400) AS INTEGER))) - 3)
  AND ts <= $now
GROUP BY ts, object, direction
ORDER BY object, direction, ts
