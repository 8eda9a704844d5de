-- Every field compared in the latest reconciliation sample (as of $now): records compared and
-- differing, whether it is a formula and whether the sync user can read it.
WITH latest AS (
    SELECT max(sampled_at) AS sampled_at
    FROM reconciliation_runs
    WHERE instance = $instance AND sampled_at <= $now
)
SELECT f.object, f.field, f.marketo_field, f.field_type, f.is_formula, f.is_readable,
       f.compared, f.mismatched, f.sampled_at
FROM reconciliation_fields f
JOIN latest l ON f.sampled_at = l.sampled_at
WHERE f.instance = $instance
ORDER BY f.object, f.field
