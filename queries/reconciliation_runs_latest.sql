-- The latest reconciliation sample (as of $now) per object: what was drawn, read and found,
-- and what it cost on each side.
WITH latest AS (
    SELECT max(sampled_at) AS sampled_at
    FROM reconciliation_runs
    WHERE instance = $instance AND sampled_at <= $now
)
SELECT r.object, r.sampled_at, r.seed, r.recent, r.untouched, r.read_salesforce,
       r.found_in_marketo, r.in_flight, r.salesforce_calls, r.marketo_calls, r.source
FROM reconciliation_runs r
JOIN latest l ON r.sampled_at = l.sampled_at
WHERE r.instance = $instance
ORDER BY r.object
