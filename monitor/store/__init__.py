"""The DuckDB store: short-lived connections, numbered migrations, idempotent batch writes.

DuckDB lets one process hold a file read-write, and while it does no other process can open
it at all (docs/research/duckdb-on-this-machine.md). So nobody keeps a connection: the writer
opens, writes one transaction and closes; readers open read-only per query burst and close.
Whoever meets the other's lock waits with jittered backoff, which measured p95 < 75 ms.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from monitor.config import DEFAULTS
from monitor.errors import StoreBusyError, StoreError
from monitor.vocabulary import SQL_MACROS
from queries import migrations, run_query

if TYPE_CHECKING:  # pandas comes with the first query, not with the store
    import pandas as pd

TABLES = frozenset(
    {
        "instances",
        "collection_runs",
        "sync_stats",
        "sync_cycles",
        "sync_errors",
        "snapshots",
        "field_inventory",
        "field_permissions",
        "change_counts",
        "api_usage",
        "audit_events",
        "activity_counts",
        "watermarks",
        "quarantine",
        "findings",
        "finding_events",
        "check_outcomes",
        "marketo_activities",
        "alert_transitions",
        "alert_state",
        "alert_groups",
        "alert_messages",
        "alert_outbox",
        "silences",
        "field_fill",
        "duplicate_values",
        "duplicate_summary",
        "field_value_counts",
        "stream_events",
        "scheduler_jobs",
        "imports",
    }
)
WRITE_WAIT_SECONDS = 60.0
READ_WAIT_SECONDS = 15.0


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return (
        "lock" in text.lower()
        or "different configuration" in text
        or "file handle conflict" in text
    )


def _connect(path: Path, *, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open `path`, retrying while another process holds a conflicting lock."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.005
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            con.execute("SET TimeZone = 'UTC'")
            for macro in SQL_MACROS:  # the vocabulary's field-name rules, for every query
                con.execute(macro)
            return con
        except (
            duckdb.IOException,
            duckdb.ConnectionException,
            duckdb.ResourceInUseException,
        ) as exc:
            # IOException: another process holds the file. ConnectionException: this process
            # holds it with the other mode (e.g. a dashboard session writing while another
            # reads). ResourceInUseException ("Unique file handle conflict"): another thread of
            # this process opened or closed the file at the same instant (the scheduler's jobs;
            # about 3 % of opens from 4 busy threads). All pass once that moment is over.
            if not _is_lock_conflict(exc):
                raise StoreError(f"{path}: cannot open the database: {exc}") from None
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"{path}: the database stayed locked by another writer or reader for "
                    f"{wait_seconds:.0f} s"
                ) from None
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from None
        time.sleep(delay * random.uniform(0.5, 1.5))
        delay = min(delay * 2, 0.2)


def _is_out_of_memory(exc: BaseException) -> bool:
    # DuckDB reports a full buffer pool as OutOfMemoryException, or at COMMIT as a
    # TransactionException that failed to pin a block.
    return isinstance(exc, duckdb.OutOfMemoryException) or (
        isinstance(exc, duckdb.TransactionException) and "pin block" in str(exc)
    )


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest applied migration, 0 on an empty file."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration not applied yet; return the resulting (highest) version."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
    )
    # Apply every migration not yet recorded, not only those above the highest: numbers
    # written on parallel branches may land below a version a store already has.
    applied = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    current = schema_version(con)
    for version, sql in migrations():
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_version VALUES ($v, $at)",
                {"v": version, "at": datetime.now(UTC)},
            )
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
        current = max(current, version)
    return current


class Store:
    """One DuckDB file. Every method opens and closes its own connection."""

    def __init__(self, path: str | Path, *, memory_limit: str = DEFAULTS["memory_limit"]) -> None:
        self.path = Path(path)
        self.memory_limit = memory_limit
        self._migrated = False

    def init(self) -> int:
        """Create the file and bring its schema up to date; return the schema version."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = _connect(self.path, read_only=False, wait_seconds=WRITE_WAIT_SECONDS)
        try:
            version = migrate(con)
        finally:
            con.close()
        self._migrated = True
        return version

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction on a fresh read-write connection, closed afterwards."""
        if not self._migrated:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = _connect(self.path, read_only=False, wait_seconds=WRITE_WAIT_SECONDS)
        try:
            if not self._migrated:
                # The first write of this store object brings the schema up to date on its
                # own connection: opening a DuckDB file costs about 30 ms, so not twice.
                migrate(con)
                self._migrated = True
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
            con.execute("SET preserve_insertion_order = false")
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(duckdb.TransactionException):  # a failed COMMIT ended it
                    con.execute("ROLLBACK")
                if _is_out_of_memory(exc):
                    raise StoreError(
                        f"{self.path}: the write needed more memory than memory_limit="
                        f"{self.memory_limit}; raise memory_limit (MONITOR_MEMORY_LIMIT) and retry"
                    ) from None
                raise
        finally:
            con.close()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one burst of queries; never cache it (it blocks writers)."""
        if not self.path.exists():
            self.init()
        con = _connect(self.path, read_only=True, wait_seconds=READ_WAIT_SECONDS)
        try:
            yield con
        finally:
            con.close()

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run one named query read-only."""
        with self.read() as con:
            return run_query(con, name, **params)

    def queries(self, names: dict[str, str], **params: Any) -> dict[str, pd.DataFrame]:
        """Run several named queries in one read burst: {key: query name} -> {key: frame}."""
        with self.read() as con:
            return {key: run_query(con, name, **params) for key, name in names.items()}
