-- Every record and field that differed in the latest reconciliation sample (as of $now), its
-- values masked, and whether the sync logged an error for that record in the $lookback_days
-- before the sample (Marketo or Salesforce rejected a value: the difference is explained), and
-- whether Salesforce changed it after Marketo last updated the lead (the change waits in the
-- backlog).
WITH latest AS (
    SELECT max(sampled_at) AS sampled_at
    FROM reconciliation_runs
    WHERE instance = $instance AND sampled_at <= $now
)
SELECT m.object, m.field, m.sfdc_id, m.marketo_id, m.stratum, m.salesforce_value,
       m.marketo_value, m.system_modstamp, m.marketo_updated_at, m.sampled_at,
       coalesce(m.system_modstamp > m.marketo_updated_at, false) AS is_behind,
       EXISTS (
           SELECT 1 FROM sync_errors e
           WHERE e.instance = m.instance
             AND left(e.sfdc_id, 15) = left(m.sfdc_id, 15)
             AND e.occurred_at <= m.sampled_at
             AND e.occurred_at > m.sampled_at - to_days(CAST($lookback_days AS INTEGER))
       ) AS is_rejected
FROM reconciliation_mismatches m
JOIN latest l ON m.sampled_at = l.sampled_at
WHERE m.instance = $instance
ORDER BY m.object, m.field, m.sfdc_id
