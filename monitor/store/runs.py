"""Run records: one collection_runs row per collection or scheduled job, written in one place.

CollectionReport     what a collection did: the shape every collector reports in
RunOutcome           how one run ended: what collection_runs and scheduler_jobs both store
recorded_run(...)    runs a collection and records it however it ends
record_run(con, ...) the row itself (the scheduler records its other jobs with it)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb

from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.store import Store


@dataclass
class CollectionReport:
    """What one collection did; also its collection_runs row. Collectors add the details of
    their source and say, in `has_collected`, whether something was stored."""

    job: str
    instance: str
    started: datetime
    key: str = ""  # tells apart runs of one start (a backfill's window or stream)
    rows_written: int = 0
    api_calls: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def has_collected(self) -> bool:
        return self.rows_written > 0

    @property
    def status(self) -> str:
        """ok; partial: problems, but something was collected; else failed."""
        if not self.errors:
            return "ok"
        return "partial" if self.has_collected else "failed"

    @property
    def run_id(self) -> str:
        return "|".join(part for part in (self.job, self.instance, self.key) if part) + (
            f"|{self.started.isoformat()}"
        )

    def summary(self) -> str:
        text = f"{self.job} '{self.instance}': {self.rows_written} rows, {self.api_calls} API calls"
        return text + self.problems()

    def problems(self) -> str:
        return "".join(f"\n  problem: {error}" for error in self.errors)


@dataclass(frozen=True)
class RunOutcome:
    """How one run ended: a collection_runs row's and a scheduler job's latest state."""

    started: datetime
    finished: datetime
    status: str  # ok | partial | failed (a scheduler job may also be idle)
    rows: int = 0
    api_calls: int = 0
    error: str | None = None


def describe_error(exc: BaseException) -> str:
    """The line stored for a failed run (collection_runs, scheduler_jobs, and from there
    findings and alerts). Our own errors are written to be safe to show and say what to do:
    kept as they are. Anything else may quote what it was given (a URL with a password in
    it, a token): only its type is kept; the caller logs the traceback."""
    if isinstance(exc, MonitorError):
        return str(exc)
    return f"{type(exc).__name__} (an unexpected error: see the log)"


def record_run(
    con: duckdb.DuckDBPyConnection, *, run_id: str, instance: str, job: str, run: RunOutcome
) -> None:
    """One row of collection_runs (ok, partial or failed)."""
    con.execute(
        "INSERT OR REPLACE INTO collection_runs VALUES "
        "($id, $i, $job, $start, $end, $status, $rows, $calls, $error)",
        {
            "id": run_id,
            "i": instance,
            "job": job,
            "start": run.started,
            "end": run.finished,
            "status": run.status,
            "rows": run.rows,
            "calls": run.api_calls,
            "error": run.error,
        },
    )


@contextmanager
def recorded_run(
    store: Store, report: CollectionReport, *, calls_before: int = 0, client: object = None
) -> Iterator[CollectionReport]:
    """Run a collection and write its collection_runs row when it ends, however it ends: an
    error is added to the report's problems and raised again. With a `client` (anything with a
    `calls` counter), the report's api_calls are the calls made meanwhile."""
    from monitor.store.facts import ensure_instance

    def record() -> None:
        if client is not None:
            report.api_calls = client.calls - calls_before
        with store.write() as con:
            ensure_instance(con, report.instance)
            record_run(
                con,
                run_id=report.run_id,
                instance=report.instance,
                job=report.job,
                run=RunOutcome(
                    report.started,
                    datetime.now(UTC),
                    report.status,
                    report.rows_written,
                    report.api_calls,
                    "; ".join(report.errors) or None,
                ),
            )

    try:
        yield report
    except Exception as exc:  # an interrupt (Ctrl-C, SystemExit) is no run to record
        message = describe_error(exc)
        if message not in report.errors:
            report.errors.append(message)
        record()
        raise
    record()
