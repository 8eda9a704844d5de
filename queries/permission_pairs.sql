-- Consecutive permissions snapshots of each object as of $now (snapshot_pairs.sql): the base
-- of every "what access changed between two snapshots" query.
SELECT object, captured_at, previous_at FROM {{ snapshot_pairs }} WHERE kind = 'permissions'
