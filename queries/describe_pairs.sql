-- Consecutive describe snapshots of each object as of $now (snapshot_pairs.sql): the base of
-- every "what changed between two describes" query.
SELECT object, captured_at, previous_at FROM {{ snapshot_pairs }} WHERE kind = 'describe'
