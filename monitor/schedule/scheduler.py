"""The scheduler behind `python -m monitor run`: APScheduler running the planned jobs on a clock.

    startup round:  every job once, in plan order (collect -> check -> alert ...), at once
    then:           each job on its own trigger; one run of a job at a time (max_instances=1),
                    missed runs coalesced into one (coalesce, misfire_grace_time)
    every run:      recorded in collection_runs (job, started/finished, status, rows, API calls,
                    error) and in scheduler_jobs (last and next run, read by the dashboard)

A job that raises is recorded as failed and the others go on. Stopping (SIGTERM, SIGINT) lets
the running jobs finish their current step (every write is one transaction) and skips what
would follow; a SIGKILL loses at most the transaction in flight, which DuckDB rolls back.
Jobs run on a few threads (a slow API call does not hold up the others); give the Scheduler
a SerializedStore (monitor/store/serial.py) so that their store access takes turns. The job
table itself (which jobs exist) is planned in monitor/schedule/jobs.py.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.errors import MonitorError
from monitor.store import Store
from monitor.store.runs import RunOutcome, describe_error, record_run
from monitor.store.schedule import publish_jobs, record_job_state

log = logging.getLogger(__name__)

ALL_INSTANCES = "*"  # the instance of a job that serves every instance (alerts, report...)
WORKERS = 4
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class JobOutcome:
    """What one run of a job did."""

    status: str = "ok"  # ok | partial | failed
    rows: int = 0
    api_calls: int = 0
    error: str | None = None
    summary: str = ""
    # Looked and found nothing to do (an empty inbox, no alert due): shown on the dashboard,
    # but not added to collection_runs, which would otherwise fill with 1,440 empty looks a day.
    is_idle: bool = False

    @classmethod
    def failed(cls, error: str) -> JobOutcome:
        return cls(status="failed", error=error, summary=f"failed: {error}")


@dataclass(frozen=True)
class JobSpec:
    """One planned job: what it runs and when. Without `every` or `weekly_at` it has no clock
    of its own and runs only after the job whose `then` it is (checks after a collection)."""

    job: str
    instance: str
    run: Callable[[datetime], JobOutcome] = field(compare=False)
    every: timedelta | None = None
    weekly_at: tuple[int, int, int] | None = None  # (weekday, Monday = 0, hour, minute) UTC
    then: JobSpec | None = None  # run after this one unless idle, or the scheduler stopping
    # Whether the startup round runs it (e.g. the weekly report only when one is due).
    is_due_at_start: Callable[[datetime], bool] | None = field(default=None, compare=False)
    detail: str = ""  # shown in the plan: what it does
    # A collector records its own runs (monitor/store/runs.py, however they end): the
    # scheduler then only keeps the job's state.
    records_runs: bool = False

    @property
    def id(self) -> str:
        return f"{self.job}:{self.instance}"

    @property
    def schedule(self) -> str:
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
                if seconds % size == 0:
                    return f"every {seconds // size} {unit}"
            return f"every {seconds} s"
        if self.weekly_at is not None:
            day, hour, minute = self.weekly_at
            return f"{WEEKDAYS[day]} {hour:02d}:{minute:02d} UTC"
        return "after each collection"

    @property
    def interval_seconds(self) -> int | None:
        return int(self.every.total_seconds()) if self.every is not None else None

    def trigger(self) -> IntervalTrigger | CronTrigger | None:
        if self.every is not None:
            return IntervalTrigger(seconds=self.every.total_seconds(), timezone=UTC)
        if self.weekly_at is not None:
            day, hour, minute = self.weekly_at
            return CronTrigger(day_of_week=CRON_DAYS[day], hour=hour, minute=minute, timezone=UTC)
        return None


class Scheduler:
    """Runs JobSpecs now (a round) or on their clocks (start .. shutdown), recording each run."""

    def __init__(self, store: Store, specs: list[JobSpec], *, workers: int = WORKERS) -> None:
        self.store = store
        self.specs = specs
        self.workers = workers
        self.stopping = threading.Event()
        self.planned_at = datetime.now(UTC)
        self._aps: BackgroundScheduler | None = None
        self._locks = {spec.id: threading.Lock() for spec in self._all_specs()}

    def _all_specs(self) -> list[JobSpec]:
        found: dict[str, JobSpec] = {}
        for spec in self.specs:
            while spec is not None:
                found.setdefault(spec.id, spec)
                spec = spec.then
        return list(found.values())

    # -- the job table other processes read ---------------------------------------------

    def publish(self, state: str) -> None:
        """Write every job with its schedule, state and next run to scheduler_jobs; jobs of an
        earlier plan that are not planned any more are removed."""
        now = datetime.now(UTC)
        specs = self._all_specs()
        jobs = [
            {
                "id": spec.id,
                "instance": spec.instance,
                "job": spec.job,
                "schedule": spec.schedule,
                "interval": spec.interval_seconds,
                "state": state,
                "pid": os.getpid(),
                "now": now,
                "planned": self.planned_at,
                "next": self.next_run_at(spec),
            }
            for spec in specs
        ]
        with self.store.write() as con:
            publish_jobs(con, jobs)

    def next_run_at(self, spec: JobSpec) -> datetime | None:
        """When APScheduler runs the job next (None before start, after shutdown, or for a
        job without a clock)."""
        if self._aps is None or not self._aps.running:
            return None
        job = self._aps.get_job(spec.id)
        return job.next_run_time if job is not None else None

    def _record(self, spec: JobSpec, started: datetime, outcome: JobOutcome) -> JobOutcome:
        """One transaction: the run in collection_runs (unless the job records its own, as the
        collectors do) and the job's latest state in scheduler_jobs."""
        run = RunOutcome(
            started,
            datetime.now(UTC),
            outcome.status,
            outcome.rows,
            outcome.api_calls,
            outcome.error,
        )
        with self.store.write() as con:
            if not spec.records_runs and not outcome.is_idle:
                run_id = f"{spec.job}|{spec.instance}|{started.isoformat()}"
                record_run(con, run_id=run_id, instance=spec.instance, job=spec.job, run=run)
            if outcome.is_idle and not outcome.error:
                run = replace(run, status="idle")
            record_job_state(con, spec.id, run, next_run=self.next_run_at(spec))
        return outcome

    # -- running ---------------------------------------------------------------------------

    def run_job(self, spec: JobSpec, ran: set[str] | None = None) -> JobOutcome | None:
        """Run one job now and record it; then its `then` job. None when it was not run
        because the scheduler is stopping. Never raises for the job's own failure. The ids of
        the jobs run are added to `ran`."""
        if self.stopping.is_set():
            return None
        if ran is not None:
            ran.add(spec.id)
        with self._locks[spec.id]:  # one run of a job at a time, chained runs included
            started = datetime.now(UTC)
            try:
                outcome = spec.run(started)
            except MonitorError as exc:
                outcome = JobOutcome.failed(describe_error(exc))
            except Exception as exc:  # a bug in one job must not stop the others
                outcome = JobOutcome.failed(describe_error(exc))
                log.exception("%s raised", spec.id)  # the trace goes to the log, never the store
            if outcome.status == "failed":
                log.warning("%s failed: %s", spec.id, outcome.error)
            try:
                outcome = self._record(spec, started, outcome)
            except MonitorError as exc:  # e.g. the store stayed busy: say so, go on
                log.error("%s: could not record the run: %s", spec.id, exc)
        if spec.then is not None and not outcome.is_idle:
            self.run_job(spec.then, ran)
        return outcome

    def run_round(
        self, report: Callable[[JobSpec, JobOutcome], None] | None = None
    ) -> list[tuple[JobSpec, JobOutcome]]:
        """Every job once, in plan order (the startup round, or `run --once`); jobs whose
        is_due_at_start says no are skipped, and so are jobs that already ran in this round
        after another (checks). Stops early when the scheduler is stopping."""
        done = []
        ran: set[str] = set()
        for spec in self.specs:
            if self.stopping.is_set():
                break
            if spec.id in ran:
                continue
            if spec.is_due_at_start is not None and not spec.is_due_at_start(datetime.now(UTC)):
                continue
            outcome = self.run_job(spec, ran)
            if outcome is None:
                break
            done.append((spec, outcome))
            if report is not None:
                report(spec, outcome)
        return done

    def start(self) -> None:
        """Put every job with a clock on APScheduler (first runs one interval from now)."""
        grace = {
            spec.id: max(1, int(spec.every.total_seconds())) if spec.every else 6 * 3600
            for spec in self.specs
        }
        self._aps = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(self.workers)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        for spec in self.specs:
            trigger = spec.trigger()
            if trigger is None:
                continue
            self._aps.add_job(
                self.run_job,
                trigger,
                args=[spec],
                id=spec.id,
                name=spec.id,
                # A run late by up to one interval still happens (a weekly one within 6 h);
                # later than that it is dropped and the next one comes on time.
                misfire_grace_time=grace[spec.id],
            )
        self._aps.start()
        self.publish("running")

    def shutdown(self) -> None:
        """Stop taking new runs, let running ones finish, and say so in scheduler_jobs."""
        self.stopping.set()
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=True)
        self.publish("stopped")
