-- Each object's newest snapshot of each kind (describe | permissions) as of $now: (kind,
-- object, captured_at). A filter on kind reaches the scan (kind is a group key).
SELECT kind, scope AS object, max(captured_at) AS captured_at
FROM snapshots
WHERE instance = $instance AND captured_at <= $now
GROUP BY kind, scope
