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
  AND ts <= $now
GROUP BY ts, object, direction
ORDER BY object, direction, ts
