-- Failures that stop more than one record: every job-level sync error (a whole sync step
-- stopped), and record-level errors of the limits and auth categories (the API budget or the
-- sync user's login), in the lookback window, one row per failed-on level and error code.
SELECT coalesce(failed_on, 'record') AS failed_on,
       error_code AS code,
       min(category) AS category,
       min(owner) AS owner,
       count(*) AS errors,
       count(DISTINCT coalesce(sfdc_id, marketo_id)) AS records,
       min(occurred_at) AS first_seen,
       max(occurred_at) AS last_seen,
       list_sort(list_distinct(list(object) FILTER (WHERE object IS NOT NULL))) AS objects,
       arg_max(error_message, occurred_at) AS sample_message
FROM {{ lookback_sync_errors }}
WHERE (failed_on = 'job' OR category IN ('limits', 'auth'))
GROUP BY ALL
ORDER BY failed_on, errors DESC, code
