"""Helpers of the scheduler tests: fake sources registered through the job table, waiting for a
condition with a generous deadline, and `python -m monitor run` in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pandas as pd

from monitor.schedule.scheduler import JobOutcome
from monitor.store import Store
from monitor.store.facts import ensure_instance, insert_frame
from tests.cli import python_path

DEADLINE_SECONDS = 60.0
Started = TypeVar("Started")


def stopped_afterwards(stop: Callable[[Started], object]) -> Iterator[list[Started]]:
    """A fixture's body: yields the list a test adds what it starts to (child processes,
    schedulers), then stops each with `stop`, also when the test failed half-way."""
    started: list[Started] = []
    yield started
    for each in started:
        stop(each)


def wait_for(condition: Callable[[], object], what: str, seconds: float = DEADLINE_SECONDS):
    """Poll `condition` until it is truthy and return its value; fail naming `what`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


class FakeSource:
    """A job function that counts its runs and can sleep, fail or write sync_stats rows."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        instance: str = "prod",
        sleep_seconds: float = 0.0,
        error: BaseException | None = None,
        rows_per_run: int = 0,
    ) -> None:
        self.store = store
        self.instance = instance
        self.sleep_seconds = sleep_seconds
        self.error = error
        self.rows_per_run = rows_per_run
        self.runs: list[datetime] = []
        self.running = 0
        self.most_at_once = 0
        self.started = threading.Event()
        self._lock = threading.Lock()
        if store is not None and rows_per_run:
            # Registered once, as plan_jobs does: concurrent first inserts of one key would
            # collide at commit.
            with store.write() as con:
                ensure_instance(con, instance)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.runs)

    def __call__(self, now: datetime) -> JobOutcome:
        with self._lock:
            self.runs.append(now)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.started.set()
        try:
            time.sleep(self.sleep_seconds)
            if self.error is not None:
                raise self.error
            rows = self._write(now) if self.rows_per_run else 0
            return JobOutcome(rows=rows, api_calls=1, summary=f"{rows} rows")
        finally:
            with self._lock:
                self.running -= 1

    def _write(self, now: datetime) -> int:
        frame = pd.DataFrame(
            {
                "instance": self.instance,
                "ts": [now + timedelta(microseconds=i) for i in range(self.rows_per_run)],
                "object": "Lead",
                "direction": "sfdc_to_marketo",
                "metric": "inflow",
                "value": 1.0,
                "provenance": "reported",
            }
        )
        assert self.store is not None
        with self.store.write() as con:
            return insert_frame(con, "sync_stats", frame)


def child_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a child `run`: its own store, inbox and report folder, no inherited
    monitor configuration or credentials."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MONITOR_", "SALESFORCE_", "MARKETO_"))
    }
    env.update(
        PYTHONPATH=python_path(),
        MONITOR_DB=str(tmp_path / "monitor.duckdb"),
        MONITOR_INBOX_DIR=str(tmp_path / "inbox"),
        MONITOR_REPORT_DIR=str(tmp_path / "reports"),
        MONITOR_CONFIG=str(tmp_path / "monitor.toml"),
    )
    (tmp_path / "monitor.toml").touch()
    env.update(extra)
    return env


class Child:
    """A Python child process (e.g. `python -m monitor run`) whose output lines are collected
    as they come (the test waits for one, e.g. 'scheduler running')."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        """`args` after `python`, e.g. ["-m", "monitor", "run"] or ["-c", SCRIPT, ...]."""
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, text: str) -> None:
        wait_for(
            lambda: any(text in line for line in self.lines) or self.process.poll() is not None,
            f"a line with {text!r}",
        )
        assert any(text in line for line in self.lines), self.output

    def finish(self, seconds: float = DEADLINE_SECONDS) -> int:
        code = self.process.wait(timeout=seconds)
        self._reader.join(timeout=seconds)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=DEADLINE_SECONDS)
