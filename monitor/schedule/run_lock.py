"""One `run` per store: an OS lock on `<db>.run.lock` held for the life of the process.

flock(2) locks belong to the open file; the kernel drops them when the process ends however it
ends (SIGKILL included), so a crashed scheduler never leaves a stale lock behind. The file keeps
the holder's pid and start time only to say who holds it.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from monitor.errors import AlreadyRunning


class RunLock:
    """Context manager: hold the run lock of the store at `db_path` or raise AlreadyRunning."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self.path = self.db_path.with_name(self.db_path.name + ".run.lock")
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Opened without truncating: the holder's line must survive a refused attempt.
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunning(
                f"{self.db_path}: another `python -m monitor run` is already running on this "
                f"store ({holder}); stop it first, or give this one another MONITOR_DB"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
