-- Every instance in the store, demo last; simulated_until is set for a demo workspace (judged
-- at the end of its simulation).
SELECT instance, label, is_demo, created_at, simulated_until
FROM instances
ORDER BY is_demo, instance
