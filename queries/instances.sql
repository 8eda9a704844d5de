-- Every instance in the store, demo last.
SELECT instance, label, is_demo, created_at
FROM instances
ORDER BY is_demo, instance
