-- Every field of each object's latest describe snapshot (as of $now), all its columns, as the
-- sync user sees it: the base of the queries on the current schema, which pick their columns.
SELECT f.*
FROM field_inventory f
JOIN {{ latest_snapshots }} l
  ON l.kind = 'describe' AND f.object = l.object AND f.captured_at = l.captured_at
WHERE f.instance = $instance
