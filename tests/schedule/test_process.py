"""`python -m monitor run` as a real child process: what it prints, the run lock (a second `run`
refuses; a killed one leaves no stale lock), SIGTERM in the middle of a Salesforce collection
(served by the stand-in in this process) and the store afterwards, and the dashboard reading
the store while the scheduler writes it."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from monitor.store import Store
from tests.conftest import REPO
from tests.scheduling import Child, child_environment, stopped_afterwards, wait_for
from tests.standins.salesforce import SalesforceStandIn


def rows(store: Store, sql: str) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def children() -> Iterator[list[Child]]:
    """Child processes a test starts; killed afterwards if still alive (a failed assert)."""
    yield from stopped_afterwards(Child.kill)


def run(tmp_path: Path, children: list[Child], *args: str, **env: str) -> Child:
    child = Child(["-m", "monitor", "run", *args], child_environment(tmp_path, **env), tmp_path)
    children.append(child)
    return child


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[SalesforceStandIn]:
    with SalesforceStandIn() as running:
        running.modifiers["Lead"] = [("005000000000002AAA", "Dana Whitfield", 40)]
        running.modifiers["Contact"] = [("005000000000002AAA", "Dana Whitfield", 7)]
        yield running


def salesforce_env(standin: SalesforceStandIn) -> dict[str, str]:
    return {
        "REQUESTS_CA_BUNDLE": standin.ca_bundle,
        **standin.secrets(),
        "MONITOR_SALESFORCE_OBJECTS": "Lead,Contact",
    }


def test_run_once_without_sources_prints_its_plan_runs_a_round_and_exits_0(tmp_path, children):
    child = run(tmp_path, children, "--once")
    assert child.finish() == 0, child.output
    output = child.output
    assert f"run: store {tmp_path / 'monitor.duckdb'}, instances default" in output
    assert "inbox      default" in output and "every 1 min" in output
    assert "salesforce default: not scheduled, no login in SALESFORCE_INSTANCE_URL" in output
    assert "  retention:*: ok:" in output
    assert "  checks:default: ok:" in output
    store = Store(tmp_path / "monitor.duckdb")
    assert rows(store, "SELECT DISTINCT state FROM scheduler_jobs") == [("once",)]
    assert (tmp_path / "inbox").is_dir()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        pytest.param(
            ["--once", "--instance", "qa"],
            {},
            "error: --instance qa: no such instance (configured: default)",
            id="unknown_instance",
        ),
        pytest.param(
            ["--once"],
            {"SALESFORCE_USERNAME": "sync@acme.example"},
            "error: Salesforce is half configured (SALESFORCE_USERNAME set)",
            id="half_configured_salesforce",
        ),
    ],
)
def test_run_refuses_a_configuration_mistake_in_one_line(tmp_path, children, args, env, message):
    child = run(tmp_path, children, *args, **env)
    assert child.finish() == 1
    assert child.lines[-1].startswith(message), child.output
    assert "Traceback" not in child.output


def test_run_once_collects_salesforce_then_checks_it(tmp_path, children, standin):
    child = run(tmp_path, children, "--once", **salesforce_env(standin))
    assert child.finish() == 0, child.output
    assert "  salesforce:default: ok: salesforce 'default': 2 objects" in child.output
    store = Store(tmp_path / "monitor.duckdb")
    assert rows(
        store, "SELECT object, value FROM sync_stats WHERE metric = 'inflow' ORDER BY object"
    ) == [("Contact", 7.0), ("Lead", 40.0)]
    runs = rows(store, "SELECT job, status FROM collection_runs WHERE instance = 'default'")
    assert sorted(runs) == [("checks", "ok"), ("salesforce", "ok")]
    assert rows(store, "SELECT count(DISTINCT check_id) > 0 FROM check_outcomes") == [(True,)]
    # The access token is used, never printed or stored.
    assert standin.token not in child.output
    assert standin.token.encode() not in (tmp_path / "monitor.duckdb").read_bytes()


def test_a_second_run_on_the_same_store_refuses_with_a_clear_message(tmp_path, children):
    first = run(tmp_path, children)
    first.wait_for_line("scheduler running")
    second = run(tmp_path, children, "--once")
    assert second.finish() == 1
    db = tmp_path / "monitor.duckdb"
    assert second.lines[-1].startswith(
        f"error: {db}: another `python -m monitor run` is already running on this store "
        f"(pid {first.process.pid}, started "
    ), second.output
    assert "stop it first, or give this one another MONITOR_DB" in second.output

    first.process.send_signal(signal.SIGTERM)
    assert first.finish() == 0, first.output
    assert first.lines[-1] == "stopped"
    third = run(tmp_path, children, "--once")
    assert third.finish() == 0, third.output


def test_sigterm_mid_collection_finishes_the_cycle_and_leaves_a_whole_store(
    tmp_path, children, standin
):
    standin.delay_seconds = 0.5  # every request: the cycle takes seconds
    child = run(tmp_path, children, **salesforce_env(standin))
    wait_for(lambda: standin.calls() >= 1, "the collection under way")
    child.process.send_signal(signal.SIGTERM)
    assert child.finish() == 0, child.output
    assert child.lines[-1] == "stopped"

    store = Store(tmp_path / "monitor.duckdb")
    [(status, finished, error)] = rows(
        store,
        "SELECT status, finished_at IS NOT NULL, error FROM collection_runs "
        "WHERE job = 'salesforce'",
    )
    assert (status, finished, error) == ("ok", True, None)
    # The cycle is whole: each object's window moved together with its figures.
    marks = rows(
        store,
        "SELECT name, value FROM watermarks WHERE name LIKE 'salesforce.inflow.%' ORDER BY 1",
    )
    stats = rows(
        store,
        "SELECT object, strftime(ts, '%Y-%m-%dT%H:%M:%S+00:00') FROM sync_stats "
        "WHERE metric = 'inflow' ORDER BY 1",
    )
    assert [(name.rsplit(".", 1)[1], value) for name, value in marks] == stats
    assert len(stats) == 2
    # What would have followed the collection did not start.
    assert rows(store, "SELECT count(*) FROM collection_runs WHERE job = 'checks'") == [(0,)]
    assert rows(store, "SELECT DISTINCT state FROM scheduler_jobs") == [("stopped",)]


def test_sigkill_mid_collection_leaves_no_stale_lock_and_an_openable_store(
    tmp_path, children, standin
):
    standin.delay_seconds = 0.3
    child = run(tmp_path, children, **salesforce_env(standin))
    wait_for(lambda: standin.calls() >= 2, "the collection under way")
    child.process.send_signal(signal.SIGKILL)
    assert child.finish() == -signal.SIGKILL

    standin.delay_seconds = 0.0
    again = run(tmp_path, children, "--once", **salesforce_env(standin))
    assert again.finish() == 0, again.output  # the kernel dropped the dead process's lock
    store = Store(tmp_path / "monitor.duckdb")
    statuses = rows(store, "SELECT status FROM collection_runs WHERE job = 'salesforce'")
    assert ("ok",) in statuses
    assert rows(store, "SELECT count(*) FROM sync_stats WHERE metric = 'inflow'")[0][0] >= 2


# The dashboard (this process) reads while a scheduler (a child process) writes.

WRITER = """
import json, sys
from datetime import timedelta

from monitor.schedule.daemon import install_stop_signals
from monitor.schedule.scheduler import JobSpec, Scheduler
from monitor.store.serial import SerializedStore
from tests.scheduling import FakeSource

store = SerializedStore(sys.argv[1])
writer = FakeSource(store, instance="prod", rows_per_run=50)
scheduler = Scheduler(
    store,
    [
        JobSpec("salesforce", "prod", writer, every=timedelta(seconds=0.1)),
        JobSpec("inbox", "prod", FakeSource(), every=timedelta(seconds=0.1)),
    ],
)
install_stop_signals(scheduler.stopping, sys.stderr)
scheduler.publish("running")
scheduler.run_round()
scheduler.start()
print("scheduler running", flush=True)
while not scheduler.stopping.wait(0.1):
    pass
scheduler.shutdown()
print(json.dumps({"runs": writer.count}), flush=True)
"""
RENDERS = 6


@pytest.fixture
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def test_the_dashboard_reads_while_the_scheduler_writes(
    tmp_path, children, monkeypatch, fresh_caches
):
    env = child_environment(tmp_path)
    db = Path(env["MONITOR_DB"])
    monkeypatch.setenv("MONITOR_DB", str(db))
    monkeypatch.setenv("MONITOR_CONFIG", env["MONITOR_CONFIG"])
    child = Child(["-c", WRITER, str(db)], env, REPO)
    children.append(child)
    child.wait_for_line("scheduler running")
    store = Store(db)

    def recorded() -> int:
        return rows(store, "SELECT count(*) FROM collection_runs WHERE job = 'salesforce'")[0][0]

    before = recorded()
    problems: list[BaseException] = []
    stop = threading.Event()

    def read_like_the_pages() -> None:
        while not stop.is_set():
            try:
                frames = store.queries(
                    {"jobs": "scheduler_jobs_of", "coverage": "data_coverage"}, instance="prod"
                )
                assert frames["jobs"]["job"].tolist() == ["inbox", "salesforce"]
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                problems.append(exc)
                return

    reader = threading.Thread(target=read_like_the_pages)
    reader.start()
    try:
        for _ in range(RENDERS):
            st.cache_data.clear()
            app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
            app.run()
            app.switch_page("dashboard/pages/sources.py").run()
            assert not app.exception, app.exception
            assert not app.error, [e.value for e in app.error]
            assert any("Scheduler running since" in info.value for info in app.info)
        wait_for(lambda: recorded() >= before + 3, "the scheduler writing meanwhile")
    finally:
        stop.set()
        reader.join(timeout=60)
    assert problems == []

    child.process.send_signal(signal.SIGTERM)
    assert child.finish() == 0, child.output
    runs = json.loads(child.lines[-1])["runs"]
    # Every run committed whole: its 50 rows and its record, nothing half-written.
    assert rows(store, "SELECT count(*) FROM sync_stats")[0][0] == 50 * runs
    assert rows(
        store, "SELECT count(*), min(rows_written) FROM collection_runs WHERE job = 'salesforce'"
    ) == [(runs, 50)]
