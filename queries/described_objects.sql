-- Every object with a describe (as of $now): when it was last described, and its record count
-- from the latest daily fill count where one was taken.
WITH described AS (
    SELECT object, captured_at AS described_at FROM {{ latest_snapshots }} WHERE kind = 'describe'
), counted AS (
    SELECT object, arg_max(records, captured_at) AS records, max(captured_at) AS counted_at
    FROM field_fill
    WHERE instance = $instance AND captured_at <= $now
    GROUP BY object
)
SELECT d.object, d.described_at, c.records, c.counted_at
FROM described d
LEFT JOIN counted c ON c.object = d.object
ORDER BY d.object
