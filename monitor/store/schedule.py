"""The scheduler's job table as other processes (the dashboard, source_down) read it: each
job's schedule, state, pid, last and next run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from monitor.store.runs import RunOutcome


def publish_jobs(con: duckdb.DuckDBPyConnection, jobs: list[dict[str, Any]]) -> None:
    """The planned jobs (job_id, instance, job, schedule, interval, state, pid, planned, next,
    now); jobs of an earlier plan that are not planned any more are removed."""
    con.execute(
        "DELETE FROM scheduler_jobs WHERE job_id NOT IN (SELECT unnest($ids))",
        {"ids": [job["id"] for job in jobs]},
    )
    for job in jobs:
        con.execute(
            "INSERT INTO scheduler_jobs (job_id, instance, job, schedule, "
            "interval_seconds, state, pid, scheduled_at, next_run_at, updated_at) "
            "VALUES ($id, $instance, $job, $schedule, $interval, $state, $pid, $planned, "
            "$next, $now) ON CONFLICT (job_id) DO UPDATE SET "
            "instance = excluded.instance, job = excluded.job, "
            "schedule = excluded.schedule, interval_seconds = excluded.interval_seconds, "
            "state = excluded.state, pid = excluded.pid, "
            "scheduled_at = excluded.scheduled_at, next_run_at = excluded.next_run_at, "
            "updated_at = excluded.updated_at",
            job,
        )


def record_job_state(
    con: duckdb.DuckDBPyConnection, job_id: str, run: RunOutcome, *, next_run: datetime | None
) -> None:
    """A job's last run; its last error stays until another error replaces it."""
    con.execute(
        "UPDATE scheduler_jobs SET last_started_at = $started, "
        "last_finished_at = $finished, last_status = $status, last_rows = $rows, "
        "last_api_calls = $calls, "
        "last_error = CASE WHEN $error IS NULL THEN last_error ELSE $error END, "
        "last_error_at = CASE WHEN $error IS NULL THEN last_error_at ELSE $finished END, "
        "next_run_at = $next, updated_at = $finished WHERE job_id = $id",
        {
            "id": job_id,
            "started": run.started,
            "finished": run.finished,
            "status": run.status,
            "rows": run.rows,
            "calls": run.api_calls,
            "error": run.error,
            "next": next_run,
        },
    )
