-- Change Data Value activities per Marketo field in the last $lookback_days days: how often the
-- field changes, on how many leads, and by how much (|new - old| where both values are
-- numbers). The check judges churn from these figures; single activities never leave SQL.
WITH raw AS (
    SELECT primary_attribute AS field, lead_id, occurred_at, attrs
    FROM {{ lookback_marketo_activities }}
    WHERE activity_type = 'Change Data Value'
      AND coalesce(primary_attribute, '') <> ''
), changes AS (
    SELECT field, lead_id, occurred_at,
           TRY_CAST(list_filter(attrs, lambda a: a.name = 'Old Value')[1].value AS DOUBLE)
               AS old_number,
           TRY_CAST(list_filter(attrs, lambda a: a.name = 'New Value')[1].value AS DOUBLE)
               AS new_number,
           -- Who made the change: "Web service API", "Smart campaign ...", a user, the sync.
           nullif(trim(coalesce(list_filter(attrs, lambda a: a.name = 'Source')[1].value,
                                list_filter(attrs, lambda a: a.name = 'Reason')[1].value)), '')
               AS source
    FROM raw
), finite AS (
    -- "Infinity" and "NaN" parse as numbers but are none: they count as not numeric.
    SELECT * REPLACE (CASE WHEN isfinite(old_number) THEN old_number END AS old_number,
                      CASE WHEN isfinite(new_number) THEN new_number END AS new_number)
    FROM changes
), steps AS (
    SELECT *, abs(new_number - old_number) AS step FROM finite
), fields AS (
    SELECT field,
           count(*) AS changes,
           count(DISTINCT lead_id) AS leads,
           -- Changes of one lead in one 5-minute sync cycle travel together, so lead_cycles
           -- is how many record syncs the field caused at most.
           count(DISTINCT (lead_id, time_bucket(INTERVAL 5 MINUTE, occurred_at)))
               AS lead_cycles,
           count(step) AS numeric_changes,
           count(*) FILTER (WHERE step <= $small_step_max) AS small_changes,
           median(step) AS median_step,
           min(least(old_number, new_number)) AS min_value,
           max(greatest(old_number, new_number)) AS max_value,
           bool_and(old_number = round(old_number) AND new_number = round(new_number))
               FILTER (WHERE step IS NOT NULL) AS is_whole,
           min(occurred_at) AS first_change,
           max(occurred_at) AS last_change
    FROM steps
    GROUP BY field
), step_counts AS (
    SELECT field, list({'step': step, 'changes': n} ORDER BY n DESC, step)[1:50] AS step_counts
    FROM (SELECT field, step, count(*) AS n FROM steps WHERE step IS NOT NULL GROUP BY ALL)
    GROUP BY field
), samples AS (
    SELECT field, list(lead_id ORDER BY n DESC, lead_id)[1:5] AS sample_leads
    FROM (SELECT field, lead_id, count(*) AS n FROM steps WHERE lead_id IS NOT NULL GROUP BY ALL)
    GROUP BY field
), sources AS (
    SELECT field, list({'source': source, 'changes': n} ORDER BY n DESC, source)[1:3]
               AS top_sources
    FROM (SELECT field, source, count(*) AS n FROM steps WHERE source IS NOT NULL GROUP BY ALL)
    GROUP BY field
)
SELECT f.*,
       coalesce(c.step_counts, []) AS step_counts,
       coalesce(s.sample_leads, []) AS sample_leads,
       coalesce(t.top_sources, []) AS top_sources
FROM fields f
LEFT JOIN step_counts c USING (field)
LEFT JOIN samples s USING (field)
LEFT JOIN sources t USING (field)
ORDER BY f.changes DESC, f.field
