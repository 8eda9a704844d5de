"""The dashboard keeps working while another process writes (research: DuckDB concurrency).

A real writer process commits small batches of sync stats through `Store.write` +
`insert_frame` until it is told to stop. Meanwhile this process reads the store the way the
pages do, from a thread, and renders every page with Streamlit's AppTest; it stops the writer
once every page has rendered and the reads have seen a few of its batches commit. Every read
must return data, no render may show an exception or an error box, and every row the writer
committed must be in the store afterwards.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from monitor.store import Store, attach
from tests.cli import python_path
from tests.conftest import DEMO_NOW, REPO
from tests.dashboard.pages import PAGE_TITLES

ROOT = REPO
PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "dashboard/pages").glob("*.py"))
INSTANCE = "demo"
# How many of the writer's commits the reads must have seen before the writer is stopped, and
# how long it may take at most (a writer that cannot get that many in fails the test).
BATCHES_SEEN = 3
WRITER_MAX_SECONDS = 120.0
BATCH_ROWS = 50
WRITER_PAUSE_SECONDS = 0.02
RENDER_TIMEOUT_SECONDS = 60


# Runs in its own interpreter: the writer must be another process for DuckDB's file lock to
# matter. It counts the opens that met the readers' lock by wrapping the store's attach.
WRITER = """
import json, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from monitor.store import Store, attach
from monitor.store.facts import insert_frame
from tests.conftest import DEMO_NOW, REPO
from tests.dashboard.pages import PAGE_TITLES

path, stop, seconds, batch_rows = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), int(
    sys.argv[4]
)
pause = float(sys.argv[5])
conflicts = 0
real_connect = attach.connect


def counting_connect(*args, **kwargs):
    global conflicts
    try:
        return real_connect(*args, **kwargs)
    except duckdb.IOException:
        conflicts += 1
        raise


attach.connect = counting_connect
store = Store(path)
first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
objects = ["Lead", "Contact", "Account", "Opportunity"]
batches = rows = 0
started = time.monotonic()
while not stop.exists() and time.monotonic() - started < seconds:
    offset = batches * batch_rows
    frame = pd.DataFrame(
        {
            "instance": "demo",
            "ts": [first + timedelta(seconds=offset + i) for i in range(batch_rows)],
            "object": [objects[(offset + i) % len(objects)] for i in range(batch_rows)],
            "direction": "sfdc_to_marketo",
            "metric": "backlog",
            "value": 0.0,
            "provenance": "reported",
        }
    )
    with store.write() as con:
        rows += insert_frame(con, "sync_stats", frame)
    batches += 1
    time.sleep(pause)
print(json.dumps({"batches": batches, "rows": rows, "lock_conflicts": conflicts,
                  "seconds": round(time.monotonic() - started, 2)}))
"""


class OpenSpy:
    """Counts this process's DuckDB opens and the ones that met another's lock."""

    def __init__(self) -> None:
        self.real_connect = attach.connect
        self.opens = 0
        self.conflicts = 0
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.opens += 1
        try:
            return self.real_connect(*args, **kwargs)
        except (duckdb.IOException, duckdb.ConnectionException, duckdb.ResourceInUseException):
            with self._lock:
                self.conflicts += 1
            raise


def _clear_streamlit_caches() -> None:
    # dashboard.data caches the config (and with it the db path) per process.
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(autouse=True)
def fresh_streamlit_caches():
    _clear_streamlit_caches()
    yield
    _clear_streamlit_caches()


@pytest.fixture
def demo_db(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store holding the demo workspace (a copy of the run's template), for the dashboard."""
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.setenv("MONITOR_DB", str(demo_store.path))
    return demo_store.path


def _stats_rows(coverage) -> int:
    return int(coverage.set_index("data").loc["Sync stats", "rows"])


def _render(at: AppTest, page_file: str) -> None:
    """Render one page against the store (not the frame cache) and check it is clean."""
    st.cache_data.clear()
    at.switch_page(page_file).run(timeout=RENDER_TIMEOUT_SECONDS)
    assert not at.exception, f"{page_file}: {[e.value for e in at.exception]}"
    assert len(at.error) == 0, f"{page_file}: {[e.value for e in at.error]}"
    title = PAGE_TITLES[Path(page_file).stem]
    assert title in [element.value for element in at.title], f"{page_file} did not render"


def test_dashboard_reads_and_renders_while_another_process_writes(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record_property
) -> None:
    assert {Path(p).stem for p in PAGE_FILES} == set(PAGE_TITLES), "a page without a title here"
    store = Store(demo_db)
    base_rows = _stats_rows(store.query("data_coverage", instance=INSTANCE))

    # The first run migrates the store read-write (prepare_store) from this process: do it
    # before the reader thread holds read-only connections here (see the same-process test below).
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=RENDER_TIMEOUT_SECONDS)
    at.run()
    assert not at.exception

    spy = OpenSpy()
    monkeypatch.setattr(attach, "connect", spy)
    stop = threading.Event()
    seen_rows: list[int] = []
    read_seconds: list[float] = []

    def read_like_the_pages() -> None:
        while not stop.is_set():
            now = DEMO_NOW  # the demo's data ends here: the pages show the week before it
            started = time.monotonic()
            frames = Store(demo_db).queries(
                {
                    "coverage": "data_coverage",
                    "hourly": "backlog_hourly",
                    "latest": "backlog_latest",
                },
                instance=INSTANCE,
                since=now - timedelta(days=7),
                until=now,
                now=now,
                object="",
                direction="",
            )
            read_seconds.append(time.monotonic() - started)
            assert not frames["hourly"].empty and not frames["latest"].empty
            seen_rows.append(_stats_rows(frames["coverage"]))
            time.sleep(0.005)

    stop_file = tmp_path / "stop-writing"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            str(demo_db),
            str(stop_file),
            str(WRITER_MAX_SECONDS),
            str(BATCH_ROWS),
            str(WRITER_PAUSE_SECONDS),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": python_path()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def batches_seen() -> int:
        return (max(seen_rows, default=base_rows) - base_rows) // BATCH_ROWS

    renders = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        reader = pool.submit(read_like_the_pages)
        try:
            while writer.poll() is None and (
                renders < len(PAGE_FILES) or batches_seen() < BATCHES_SEEN
            ):
                _render(at, PAGE_FILES[renders % len(PAGE_FILES)])
                renders += 1
                assert not reader.done(), reader.exception()
        finally:
            stop_file.touch()
            stop.set()
            out, err = writer.communicate(timeout=120)
        reader.result(timeout=60)

    assert writer.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert renders >= len(PAGE_FILES)
    assert batches_seen() >= BATCHES_SEEN, f"the reads saw {batches_seen()} commits: {report}"
    assert report["rows"] == report["batches"] * BATCH_ROWS
    final_rows = _stats_rows(Store(demo_db).query("data_coverage", instance=INSTANCE))
    assert final_rows == base_rows + report["rows"]

    # Readers only ever saw whole transactions, in commit order.
    assert seen_rows, "the reader thread never finished a read"
    assert seen_rows == sorted(seen_rows)
    assert all((rows - base_rows) % BATCH_ROWS == 0 for rows in seen_rows)
    assert base_rows <= seen_rows[0] and seen_rows[-1] <= final_rows

    # Observed, not asserted: how often a reader met the writer's lock and what it cost.
    summary = {
        "writer": report,
        "reads": len(read_seconds),
        "renders": renders,
        "opens_here": spy.opens,
        "opens_that_met_the_lock_here": spy.conflicts,
        "read_p50_ms": round(statistics.median(read_seconds) * 1000, 1),
        "read_max_ms": round(max(read_seconds) * 1000, 1),
    }
    for key, value in summary.items():
        record_property(key, value)
    print(f"concurrency: {json.dumps(summary)}")


def test_reader_in_the_writers_process_waits_for_the_write(tmp_path: Path) -> None:
    """Streamlit serves every session from one process: a page read during an import or an
    acknowledgement (a write in the same process) should wait like a read in another process."""
    store = Store(tmp_path / "m.duckdb")
    store.init()
    with ThreadPoolExecutor(max_workers=1) as pool:
        with store.write():
            reading = pool.submit(Store(store.path).query, "instances")
            wait([reading], timeout=1.0)  # the read meets the open write
        assert reading.result(timeout=30).empty
