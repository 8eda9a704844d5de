-- The moment an instance's data ends when it is a recording (a demo workspace: the end of its
-- simulation); NULL for a real instance, which is judged at the wall clock.
SELECT simulated_until FROM instances WHERE instance = $instance
