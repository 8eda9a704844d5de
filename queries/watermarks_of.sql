-- The watermarks of an instance whose names start with $prefix.
SELECT name, value, updated_at
FROM watermarks
WHERE instance = $instance AND starts_with(name, $prefix)
