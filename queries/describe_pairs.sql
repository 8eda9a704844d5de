-- Consecutive describe snapshots of each object as of $now: each snapshot with the one before it
-- (object, captured_at, previous_at); the first snapshot of an object has no pair. The base
-- of every "what changed between two snapshots" query.
SELECT *
FROM (
    SELECT scope AS object, captured_at,
           lag(captured_at) OVER (PARTITION BY scope ORDER BY captured_at) AS previous_at
    FROM snapshots
    WHERE instance = $instance AND kind = 'describe' AND captured_at <= $now
)
WHERE previous_at IS NOT NULL
