-- Consecutive snapshots of each kind (describe | permissions) and object as of $now: each
-- snapshot with the one before it (kind, object, captured_at, previous_at); the first snapshot
-- of an object has no pair. A filter on kind reaches the scan (kind partitions the window).
SELECT *
FROM (
    SELECT kind, scope AS object, captured_at,
           lag(captured_at) OVER (PARTITION BY kind, scope ORDER BY captured_at) AS previous_at
    FROM snapshots
    WHERE instance = $instance AND captured_at <= $now
)
WHERE previous_at IS NOT NULL
