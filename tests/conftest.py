"""Shared fixtures: a temporary store, and a demo workspace built once per session."""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.components.v2 import manifest_scanner

from monitor.actions import build_demo
from monitor.config import Config, load_config
from monitor.store import Store

REPO = Path(__file__).resolve().parents[1]

# Every new AppTest scans the metadata of every installed distribution for Streamlit components
# (0.12–0.14 s of CPU each on this machine). Nothing is installed while the tests run, so the
# first scan's answer serves them all.
manifest_scanner.scan_component_manifests = functools.cache(
    manifest_scanner.scan_component_manifests
)
REAL_FIXTURES = REPO / "tests" / "fixtures" / "real"
# Real describes (sources in tests/fixtures/real/SOURCES.md): an Account with formula
# fields, and a Lead.
ACCOUNT_DESCRIBE = (
    REAL_FIXTURES / "salesforce" / "sobject_describe_account_with_formula_field_v53.json"
)
LEAD_DESCRIBE = REAL_FIXTURES / "salesforce" / "sobject_describe_lead_v59.json"
# What every finding of `check --json` carries at least (DESIGN 8, Contracts).
FINDING_CONTRACT_KEYS = frozenset(
    {
        "check",
        "severity",
        "subject",
        "title",
        "detail",
        "owner",
        "first_seen",
        "last_seen",
        "status",
        "evidence",
    }
)
# Pinned so that every test sees the same demo, whatever the wall clock says.
DEMO_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker per core and one more. A worker waits for a browser, a child
    process or a loopback server about a tenth of the run, and the extra one keeps the cores
    busy meanwhile (BENCHMARKS.md, "Test suite": two workers left the cores idle 12 % of the
    run, three 4 %). PYTEST_XDIST_AUTO_NUM_WORKERS still decides where it is set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture(scope="session")
def empty_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with every migration applied, made once per worker: creating one costs 0.1–0.3 s
    of migrations on this machine, copying it about 2 ms."""
    path = tmp_path_factory.mktemp("empty-store") / "monitor.duckdb"
    Store(path).init()
    return path


@pytest.fixture
def store(empty_store_template: Path, tmp_path: Path) -> Store:
    """A migrated, empty store of the test's own."""
    return copy_of(empty_store_template, tmp_path / "monitor.duckdb")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """One demo store per test run, built by the first worker that needs it (the others wait
    for it under a file lock); tests get their own copy of the file."""
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist each worker's base is a folder of the run's own: share its parent.
    shared = base if worker_id == "master" else base.parent
    path = shared / "demo-template.duckdb"
    with (shared / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = shared / f"demo-template-{worker_id}.duckdb"
            build_demo(Store(building), now=DEMO_NOW)
            building.rename(path)
    return path


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Store:
    return copy_of(demo_template, tmp_path / "demo.duckdb")


def copy_of(template: Path, path: Path) -> Store:
    """The store of a copy of `template` at `path` (a session's store stays untouched)."""
    shutil.copy(template, path)
    return Store(path)


def config_from_toml(tmp_path: Path, text: str) -> Config:
    """The configuration a monitor.toml of `text` gives, through the real loader."""
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return load_config({"MONITOR_CONFIG": str(path)})


def one_row(store: Store, sql: str, what: str, **params: object) -> dict:
    """The one row `sql` returns, as {column: value} with NULLs as None; the test fails naming
    `what` when there is no such row."""
    with store.read() as con:
        frame = con.execute(sql, params).df()
    assert len(frame) == 1, f"no {what}"
    return {k: (None if v is None or v != v else v) for k, v in frame.iloc[0].to_dict().items()}


def export_reaches(store: Store, instance: str, at: datetime) -> None:
    """A newer Sync Errors export arrived whose newest row is at `at`: one data-quality error
    on a record of its own. Checks judge as of the data's newest time, so a finding resolves
    only when newer data shows its problem gone; tests that let errors age out say so."""
    import pandas as pd

    from monitor.store.facts import ensure_instance
    from monitor.store.sync_errors import write_sync_errors

    frame = pd.DataFrame(
        {
            "occurred_at": [at],
            "object": "Lead",
            "failed_on": "Record",
            "marketo_id": ["999999"],
            "sfdc_id": ["00Q9999999999999AA"],
            "error_type": "Failed to update SFDC",
            "error_details": f"INVALID_EMAIL_ADDRESS: Email: invalid email address ({at})",
        }
    )
    with store.write() as con:
        ensure_instance(con, instance)
        write_sync_errors(con, instance, frame, source="test", raw_sql="NULL")


@pytest.fixture
def dashboard(monkeypatch: pytest.MonkeyPatch):
    """Open app.py in Streamlit's AppTest on the store at a path, with Streamlit's caches
    cleared before and after (dashboard/data.py caches the config, and with it the store path,
    per process): `dashboard(path, timeout=60, **environment)`."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def open_on(path: Path, *, timeout: float = 60, **environment: str) -> AppTest:
        monkeypatch.setenv("MONITOR_DB", str(path))
        monkeypatch.delenv("MONITOR_CONFIG", raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        st.cache_data.clear()
        st.cache_resource.clear()
        return AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)

    yield open_on
    st.cache_data.clear()
    st.cache_resource.clear()


def import_describes(store: Store, *paths: Path, at: datetime, instance: str = "prod") -> None:
    """Import describe files as if at `at`: snapshots are stamped with the moment of their
    import, so tests pin it before the moment they judge."""
    from zoneinfo import ZoneInfo

    from monitor.collectors.exports import import_file

    for path in paths:
        import_file(store, "describe", path, instance=instance, zone=ZoneInfo("UTC"), now=at)


def write_throughput(
    store: Store,
    per_hour: dict[str, float],
    *,
    end: datetime,
    hours: int = 7 * 24,
    instance: str = "prod",
) -> None:
    """Hourly sync-user writes per object over the `hours` up to `end`, as the Salesforce
    collector stores them (sync_stats throughput)."""
    import pandas as pd

    from monitor.store.facts import insert_frame

    ts = pd.date_range(end - timedelta(hours=hours), end, freq="h", inclusive="right", tz=UTC)
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "instance": instance,
                    "ts": ts,
                    "object": name,
                    "direction": "marketo_to_sfdc",
                    "metric": "throughput",
                    "value": float(rate),
                    "provenance": "reported",
                }
            )
            for name, rate in per_hour.items()
        ],
        ignore_index=True,
    )
    with store.write() as con:
        insert_frame(con, "sync_stats", frame)


def collector_reaches(store: Store, instance: str, at: datetime) -> None:
    """The Salesforce collector ran successfully at `at`. An unchanged describe or permission
    snapshot is not stored again, and hygiene counts are daily: this run is what says the
    snapshots reach `at` (checks judge as of the data's newest time)."""
    from monitor.store.runs import RunOutcome, record_run

    with store.write() as con:
        run_id = f"salesforce-{at:%Y%m%d%H%M}"
        record_run(
            con, run_id=run_id, instance=instance, job="salesforce", run=RunOutcome(at, at, "ok")
        )
