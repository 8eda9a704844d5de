-- Record-lock sync errors (UNABLE_TO_LOCK_ROW, ENTITY_IS_LOCKED) over the training window, per
-- object, UTC day and UTC hour of the day: shows whether bursts recur at the same hour. The
-- window is whole UTC days, today included, so a daily job shows on at most training_days.
SELECT coalesce(object, '') AS object,
       CAST(occurred_at AT TIME ZONE 'UTC' AS DATE) AS day_utc,
       hour(occurred_at AT TIME ZONE 'UTC') AS hour_of_day_utc,
       count(*) AS errors
FROM sync_errors
WHERE instance = $instance
  AND error_code IN ('UNABLE_TO_LOCK_ROW', 'ENTITY_IS_LOCKED')
  AND occurred_at >= (date_trunc('day', $now AT TIME ZONE 'UTC')
                      - to_days(CAST($training_days AS INTEGER) - 1)) AT TIME ZONE 'UTC'
  AND occurred_at <= $now
GROUP BY ALL
ORDER BY object, day_utc, hour_of_day_utc
