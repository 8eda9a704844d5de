-- Record-lock sync errors (UNABLE_TO_LOCK_ROW, ENTITY_IS_LOCKED) in the lookback window, per
-- object and UTC hour, each row also carrying its object's totals over the whole window.
WITH locks AS (
    SELECT coalesce(object, '') AS object, occurred_at, error_code,
           coalesce(sfdc_id, marketo_id) AS record_id
    FROM {{ lookback_sync_errors }}
    WHERE error_code IN ('UNABLE_TO_LOCK_ROW', 'ENTITY_IS_LOCKED')
), totals AS (
    SELECT object,
           count(*) AS total_errors,
           count(DISTINCT record_id) AS total_records,
           min(occurred_at) AS first_seen,
           max(occurred_at) AS last_seen,
           string_agg(DISTINCT error_code, ', ' ORDER BY error_code) AS codes,
           coalesce(list(DISTINCT record_id ORDER BY record_id)
                        FILTER (WHERE record_id IS NOT NULL), [])[1:5] AS sample_ids
    FROM locks
    GROUP BY object
), hourly AS (
    -- Hours are cut in UTC whatever the session's time zone.
    SELECT object,
           date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour_start,
           count(*) AS errors,
           count(DISTINCT record_id) AS records
    FROM locks
    GROUP BY ALL
)
SELECT h.object, h.hour_start, h.errors, h.records,
       t.total_errors, t.total_records, t.first_seen, t.last_seen, t.codes, t.sample_ids
FROM hourly h
JOIN totals t USING (object)
ORDER BY h.object, h.hour_start
