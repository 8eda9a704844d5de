"""`python -m monitor run`: the job table (jobs), APScheduler running it (scheduler), the verb
itself (daemon) and the lock that keeps one `run` per store (run_lock)."""
