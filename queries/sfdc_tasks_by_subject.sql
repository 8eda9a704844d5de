-- Salesforce Tasks in Marketo's activity log (SFDC Activity with "Is Task" true) in the last
-- $lookback_days days, per subject: the subject names the smart campaign, email or interesting
-- moment that creates them.
WITH activities AS (
    SELECT lead_id, occurred_at, primary_attribute, attrs
    FROM {{ lookback_marketo_activities }}
    WHERE activity_type = 'SFDC Activity'
), tasks AS (
    SELECT lead_id, occurred_at,
           coalesce(nullif(trim(list_filter(attrs, lambda a: a.name = 'Subject')[1].value), ''),
                    nullif(trim(primary_attribute), ''),
                    '(no subject)') AS subject
    FROM activities
    WHERE lower(trim(list_filter(attrs, lambda a: a.name = 'Is Task')[1].value))
          IN ('true', '1', 'yes')
)
SELECT subject,
       count(*) AS tasks,
       count(DISTINCT lead_id) AS leads,
       min(occurred_at) AS first_task,
       max(occurred_at) AS last_task,
       coalesce(list(DISTINCT lead_id ORDER BY lead_id) FILTER (WHERE lead_id IS NOT NULL),
                [])[1:5] AS sample_leads
FROM tasks
GROUP BY subject
ORDER BY tasks DESC, subject
