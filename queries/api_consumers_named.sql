-- Salesforce API calls per consumer and UTC day of an instance: the Marketo sync user, other
-- integrations (connected app / client name) and people, by name and username where the daily
-- read resolved them, else by user id.
SELECT c.day,
       CASE WHEN u.name IS NULL THEN c.consumer
            WHEN u.username IS NULL THEN u.name
            ELSE u.name || ' (' || u.username || ')' END AS consumer,
       c.kind, c.calls, c.share
FROM api_consumers_daily c
LEFT JOIN api_users u
  ON u.instance = c.instance AND c.kind = 'person' AND u.user_id = left(substr(c.consumer, 6), 15)
WHERE c.instance = $instance
