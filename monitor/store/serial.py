"""A Store whose connections open one at a time within this process, for the scheduler's threads.

DuckDB 2.0 lets several threads of one process open the same file, but opens that race each
other fail now and then: "Unique file handle conflict" while another thread closes the file,
"Table Function with name pandas_scan does not exist" when a frame is registered on a
connection opened at the same instant, commit conflicts between concurrent INSERT OR IGNOREs of
one key. The scheduler runs its jobs on a few threads so that a slow API call does not hold up
the others; their store access (short transactions) is serialised here instead. Other
processes (the dashboard, an import) still meet the file lock and wait as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from monitor.store import Store

_LOCKS: dict[Path, threading.RLock] = {}
_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.RLock:
    """One lock per database file in this process, shared by every SerializedStore of it."""
    key = path.resolve()
    with _GUARD:
        return _LOCKS.setdefault(key, threading.RLock())


class SerializedStore(Store):
    """Store with one open connection at a time per file in this process (re-entrant)."""

    def __init__(self, path: str | Path, **options) -> None:
        super().__init__(path, **options)
        self._lock = _lock_for(self.path)

    def init(self) -> int:
        with self._lock:
            return super().init()

    @contextmanager
    def write(self, **options) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock, super().write(**options) as con:
            yield con

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock, super().read() as con:
            yield con
