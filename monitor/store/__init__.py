"""The DuckDB store: short-lived connections, numbered migrations, idempotent batch writes.

DuckDB lets one process hold a file read-write, and while it does no other process can open
it at all (docs/research/duckdb-on-this-machine.md). So nobody keeps a connection: the writer
opens, writes one transaction and closes; readers open read-only per query burst and close.
Whoever meets the other's lock waits with jittered backoff, which measured p95 < 75 ms. (An
open attaches the file to a DuckDB instance the process keeps up, and the burst's last close
detaches it: monitor/store/attach.py.)
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import duckdb

from monitor.config import DEFAULTS
from monitor.errors import DiskFullError, StoreBusyError, StoreError
from monitor.store import attach, integrity
from monitor.vocabulary import SQL_MACROS
from queries import migrations, run_query

if TYPE_CHECKING:  # pandas comes with the first query, not with the store
    import pandas as pd

TABLES = frozenset(
    {
        "instances",
        "collection_runs",
        "sync_stats",
        "sync_drain_hourly",
        "sync_cycles",
        "sync_errors",
        "snapshots",
        "field_inventory",
        "field_permissions",
        "change_counts",
        "api_usage",
        "api_consumers_daily",
        "api_users",
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
        "sync_user_auth",
        "sync_user_connected_apps",
        "reconciliation_runs",
        "reconciliation_fields",
        "reconciliation_mismatches",
    }
)
WRITE_WAIT_SECONDS = 60.0
READ_WAIT_SECONDS = 15.0
# What a new store takes with its schema (measured: 780 KiB): the space a full disk must free.
NEW_STORE_BYTES = 1 << 20


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
            con = attach.connect(path, read_only=read_only)
            try:
                con.execute("SET TimeZone = 'UTC'")
                for macro in SQL_MACROS:  # the vocabulary's field-name rules, for every query
                    con.execute(macro)
            except BaseException:
                attach.close(con)
                raise
            return con
        except (
            duckdb.IOException,
            duckdb.ConnectionException,
            duckdb.ResourceInUseException,
        ) as exc:
            # IOException: another process holds the file. ResourceInUseException ("Unique
            # file handle conflict"): this process has it attached in the other mode (e.g. a
            # dashboard session writing while another reads; monitor/store/attach.py).
            # ConnectionException: this process's instance was ended meanwhile (a detach that
            # failed, attach.py); the next try starts a new one. All pass once that is over.
            if integrity.is_damage(exc, path):
                raise integrity.damaged(path, str(exc)) from None
            if integrity.is_disk_full(exc):
                raise integrity.disk_full(path, NEW_STORE_BYTES) from None
            if not _is_lock_conflict(exc):
                raise StoreError(f"{path}: cannot open the database: {exc}") from None
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"{path}: the database stayed locked by another writer or reader for "
                    f"{wait_seconds:.0f} s"
                ) from None
        except duckdb.Error as exc:
            if integrity.is_damage(exc, path):
                raise integrity.damaged(path, str(exc)) from None
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
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version' "
        "AND table_catalog = current_database()"
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


@cache
def _known_versions() -> frozenset[int]:
    """The migrations this monitor ships (read once: every open compares the file's to them)."""
    return frozenset(version for version, _ in migrations())


class Store:
    """One DuckDB file. Every method opens and closes its own connection, and every open checks
    that the file can be trusted (monitor/store/integrity.py)."""

    def __init__(self, path: str | Path, *, memory_limit: str = DEFAULTS["memory_limit"]) -> None:
        self.path = Path(path)
        self.memory_limit = memory_limit
        self._migrated = False

    def _open(self, *, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, set[int]]:
        """A checked connection and the schema versions the file records."""
        wait = READ_WAIT_SECONDS if read_only else WRITE_WAIT_SECONDS
        con = _connect(self.path, read_only=read_only, wait_seconds=wait)
        try:
            return con, integrity.inspect_store(con, self.path, _known_versions())
        except BaseException:
            attach.close(con)
            raise

    def init(self) -> int:
        """Create the file or bring its schema up to date, after reading every table once (a
        damaged store is refused, not migrated); return the schema version."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        is_new = not self.path.exists()
        try:
            con, _ = self._open(read_only=False)
            try:
                integrity.read_every_table(con, self.path)
                version = migrate(con)
            finally:
                attach.close(con)
        except BaseException as exc:
            self._raise_undone(exc, is_new=is_new, hint_bytes=NEW_STORE_BYTES)
        self._migrated = True
        return version

    @contextmanager
    def write(self, *, hint_bytes: int = 0) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction on a fresh read-write connection, closed afterwards.
        `hint_bytes`: about how much the write adds (a full disk says how much to free)."""
        is_new = not self.path.exists()
        if not self._migrated:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con, _ = self._open(read_only=False)
        except BaseException as exc:
            self._raise_undone(exc, is_new=is_new, hint_bytes=NEW_STORE_BYTES)
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
                # A failed COMMIT ended the transaction; a fatal error (a full disk at the
                # checkpoint) invalidated the connection: either way nothing was stored.
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                if _is_out_of_memory(exc):
                    raise StoreError(
                        f"{self.path}: the write needed more memory than memory_limit="
                        f"{self.memory_limit}; raise memory_limit (MONITOR_MEMORY_LIMIT) and retry"
                    ) from None
                raise
        except BaseException as exc:
            attach.close(con)
            self._raise_undone(exc, is_new=is_new, hint_bytes=hint_bytes)
        attach.close(con)

    def _raise_undone(self, exc: BaseException, *, is_new: bool, hint_bytes: int) -> NoReturn:
        """Raise for a failed open or write: damage and a full disk as one line (a full disk's
        leftovers removed first); anything else as it came, with its traceback."""
        if isinstance(exc, duckdb.Error) and integrity.is_damage(exc, self.path):
            raise integrity.damaged(self.path, str(exc)) from None
        full = isinstance(exc, DiskFullError) or (
            isinstance(exc, duckdb.Error) and integrity.is_disk_full(exc)
        )
        if not full:
            raise exc
        if is_new:
            integrity.remove_new_file(self.path)
            appended = 0
        else:
            appended = integrity.tidy_after_full_disk(
                self.path, lambda path: _connect(path, read_only=True, wait_seconds=1.0)
            )
        block = 256 * 1024  # one more DuckDB block than was written or announced
        raise integrity.disk_full(self.path, max(appended, hint_bytes) + block) from None

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one burst of queries; never cache it (it blocks writers).
        A store an older monitor wrote is migrated first."""
        if not self.path.exists():
            self.init()
        con, applied = self._open(read_only=True)
        if not self._migrated and not _known_versions() <= applied:
            attach.close(con)
            self.init()
            con, applied = self._open(read_only=True)
        try:
            yield con
        except duckdb.Error as exc:
            if integrity.is_damage(exc, self.path):
                raise integrity.damaged(self.path, str(exc)) from None
            raise
        finally:
            attach.close(con)

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run one named query read-only."""
        with self.read() as con:
            return run_query(con, name, **params)

    def query_columns(self, name: str, **params: Any) -> dict[str, Any]:
        """Run one named query read-only; its columns as numpy arrays (no pandas import)."""
        from queries import run_query_arrays

        with self.read() as con:
            return run_query_arrays(con, name, **params)

    def queries(self, names: dict[str, str], **params: Any) -> dict[str, pd.DataFrame]:
        """Run several named queries in one read burst: {key: query name} -> {key: frame}."""
        with self.read() as con:
            return {key: run_query(con, name, **params) for key, name in names.items()}
