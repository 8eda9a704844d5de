-- Per field of the latest reconciliation sample (as of $now): the mismatch rate and its Wilson
-- 95 % interval (z = 1.959964), worst first; the Fields page's table (the check computes the
-- same interval for its findings: checks/reconciliation.py).
WITH f AS (
    SELECT *, mismatched / nullif(compared, 0) AS rate, 1.959964 AS z
    FROM {{ reconciliation_fields_latest }}
)
SELECT object, field, marketo_field, field_type, is_formula, is_readable, compared, mismatched,
       rate,
       greatest(0.0, (rate + z * z / (2 * compared)
                      - z * sqrt(rate * (1 - rate) / compared + z * z / (4 * compared * compared)))
                     / (1 + z * z / compared)) AS ci_low,
       least(1.0, (rate + z * z / (2 * compared)
                   + z * sqrt(rate * (1 - rate) / compared + z * z / (4 * compared * compared)))
                  / (1 + z * z / compared)) AS ci_high,
       sampled_at
FROM f
WHERE compared > 0
ORDER BY rate DESC, object, field
