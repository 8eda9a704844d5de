-- Per failing record (Salesforce id, else Marketo id) in the lookback window: its sync
-- errors, the sync cycles they fell in (distinct minutes) and its latest error.
SELECT coalesce(object, '') AS object,
       coalesce(sfdc_id, marketo_id) AS record_id,
       max(sfdc_id) AS sfdc_id,
       max(marketo_id) AS marketo_id,
       count(*) AS failures,
       count(DISTINCT date_trunc('minute', occurred_at)) AS cycles,
       min(occurred_at) AS first_failure,
       max(occurred_at) AS last_failure,
       -- error_id breaks ties between errors of the same instant, so reruns agree.
       arg_max(error_code, (occurred_at, error_id)) AS last_error_code,
       arg_max(error_message, (occurred_at, error_id)) AS last_error_message
FROM {{ lookback_sync_errors }}
WHERE coalesce(sfdc_id, marketo_id) IS NOT NULL
GROUP BY ALL
ORDER BY object, cycles DESC, failures DESC, last_failure DESC, record_id
