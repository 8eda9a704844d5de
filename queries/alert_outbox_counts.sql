-- Deliveries per status.
SELECT status, count(*) AS deliveries
FROM alert_outbox
GROUP BY status
ORDER BY status
