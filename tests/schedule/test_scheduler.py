"""The real scheduler (APScheduler) with intervals of a fraction of a second on a temporary store:
jobs run at once and again, never overlap themselves, a crashing job is recorded while the
others go on, a stop lets the running job finish; the job table for the configured instances,
collected from real Salesforce stand-ins; what the Sources page shows of it.

Child-process behaviour (the run lock, SIGTERM, SIGKILL, the dashboard reading meanwhile) is in
test_scheduler_process.py."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from checks import get_check
from monitor.config import Config
from monitor.config.instances import configured_instances
from monitor.errors import SourceError
from monitor.runner import run_checks
from monitor.schedule.jobs import last_weekly_slot, plan_jobs, report_is_due
from monitor.schedule.scheduler import JobOutcome, JobSpec, Scheduler
from monitor.store import Store
from monitor.store.facts import ensure_instance
from monitor.store.serial import SerializedStore
from tests.conftest import REPO, one_row
from tests.scheduling import FakeSource, stopped_afterwards, wait_for
from tests.standins.https import trust_all, trusted
from tests.standins.marketo import MarketoStandIn
from tests.standins.salesforce import SYNC_USER_ID, SalesforceStandIn

FAST = timedelta(seconds=0.2)
UNEXPECTED = "RuntimeError (an unexpected error: see the log)"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """The store as the scheduler uses it: connections of this process take turns."""
    return SerializedStore(tmp_path / "monitor.duckdb")


def rows(store: Store, sql: str, **params) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql, params).fetchall()


def runs_of(store: Store, job: str, instance: str = "prod") -> list[tuple]:
    """(status, rows, api_calls, error) of a job's recorded runs, oldest first."""
    return rows(
        store,
        "SELECT status, rows_written, api_calls, error FROM collection_runs "
        "WHERE job = $job AND instance = $instance ORDER BY started_at",
        job=job,
        instance=instance,
    )


def job_state(store: Store, job_id: str) -> dict:
    """The scheduler_jobs row of a job, times as booleans (fetching TIMESTAMPTZ needs pytz)."""
    return one_row(
        store,
        "SELECT state, last_status, last_error, last_rows, "
        "last_error_at IS NOT NULL AS has_error_time, "
        "next_run_at IS NOT NULL AS has_next_run, "
        "next_run_at > last_started_at AS next_after_last "
        "FROM scheduler_jobs WHERE job_id = $id",
        f"job {job_id}",
        id=job_id,
    )


@pytest.fixture
def running() -> Iterator[list[Scheduler]]:
    """Schedulers a test starts; shut down afterwards even when the test fails."""
    yield from stopped_afterwards(Scheduler.shutdown)


def start(store: Store, specs: list[JobSpec], running: list[Scheduler]) -> Scheduler:
    scheduler = Scheduler(store, specs)
    scheduler.publish("running")
    running.append(scheduler)
    scheduler.start()
    return scheduler


def test_the_first_round_runs_every_job_at_once_in_plan_order(store: Store):
    order: list[str] = []

    def job(name: str, outcome: JobOutcome):
        def run(now: datetime) -> JobOutcome:
            order.append(name)
            return outcome

        return run

    checks = JobSpec("checks", "prod", job("checks", JobOutcome(summary="0 findings")))
    specs = [
        JobSpec(
            "salesforce",
            "prod",
            job("salesforce", JobOutcome(rows=14, api_calls=2)),
            every=timedelta(minutes=5),
            then=checks,
        ),
        JobSpec(
            "inbox",
            "prod",
            job("inbox", JobOutcome(is_idle=True)),
            every=timedelta(minutes=1),
            then=checks,
        ),
        JobSpec(
            "report",
            "*",
            job("report", JobOutcome()),
            weekly_at=(0, 6, 0),
            is_due_at_start=lambda now: False,
        ),
        JobSpec("retention", "*", job("retention", JobOutcome(rows=3)), every=timedelta(days=1)),
    ]
    scheduler = Scheduler(store, specs)
    scheduler.publish("running")
    done = scheduler.run_round()

    # Checks follow the collection; an idle inbox look does not trigger them; a report that is
    # not due is left for its Monday.
    assert order == ["salesforce", "checks", "inbox", "retention"]
    assert [spec.id for spec, _ in done] == ["salesforce:prod", "inbox:prod", "retention:*"]
    assert runs_of(store, "salesforce") == [("ok", 14, 2, None)]
    assert runs_of(store, "checks") == [("ok", 0, 0, None)]
    assert runs_of(store, "inbox") == []  # an empty look is not a recorded run ...
    assert job_state(store, "inbox:prod")["last_status"] == "idle"  # ... but shown
    assert runs_of(store, "retention", "*") == [("ok", 3, 0, None)]
    assert job_state(store, "report:*")["last_status"] is None


def test_jobs_run_again_on_their_own_interval(store: Store, running):
    quick, slower = FakeSource(store, rows_per_run=5), FakeSource()
    start(
        store,
        [
            JobSpec("salesforce", "prod", quick, every=FAST),
            JobSpec("marketo", "prod", slower, every=FAST * 3),
        ],
        running,
    )
    wait_for(lambda: quick.count >= 4 and slower.count >= 2, "both jobs ran several times")
    wait_for(lambda: len(runs_of(store, "salesforce")) >= 4, "their runs recorded")
    assert set(runs_of(store, "salesforce")) == {("ok", 5, 1, None)}
    state = job_state(store, "salesforce:prod")
    assert (state["state"], state["has_next_run"], state["next_after_last"]) == (
        "running",
        True,
        True,
    )


def test_a_slow_job_never_overlaps_itself(store: Store, running):
    slow = FakeSource(sleep_seconds=1.0)  # five intervals long
    start(store, [JobSpec("salesforce", "prod", slow, every=FAST)], running)
    wait_for(lambda: len(runs_of(store, "salesforce")) >= 3, "three slow runs recorded")
    assert slow.most_at_once == 1


def test_a_crashing_job_is_recorded_and_the_others_go_on(store: Store, running):
    crashing = FakeSource(error=ZeroDivisionError("division by zero"))
    healthy = FakeSource(store, rows_per_run=2)
    start(
        store,
        [
            JobSpec("marketo", "prod", crashing, every=FAST),
            JobSpec("salesforce", "prod", healthy, every=FAST),
        ],
        running,
    )
    wait_for(lambda: len(runs_of(store, "marketo")) >= 3, "three crashes recorded")
    after_crashes = healthy.count
    wait_for(lambda: healthy.count >= after_crashes + 3, "the healthy job going on")
    crashed = "ZeroDivisionError (an unexpected error: see the log)"
    assert set(runs_of(store, "marketo")) == {("failed", 0, 0, crashed)}
    state = job_state(store, "marketo:prod")
    assert (state["last_status"], state["last_error"]) == ("failed", crashed)
    assert state["has_error_time"]
    assert set(runs_of(store, "salesforce")) == {("ok", 2, 1, None)}


def test_a_source_error_is_recorded_in_its_own_words(store: Store):
    refused = FakeSource(error=SourceError("Salesforce refused the password login (INVALID_LOGIN)"))
    scheduler = Scheduler(store, [JobSpec("salesforce", "prod", refused, every=FAST)])
    scheduler.publish("running")
    [(_, outcome)] = scheduler.run_round()
    assert outcome.status == "failed"
    assert runs_of(store, "salesforce") == [
        ("failed", 0, 0, "Salesforce refused the password login (INVALID_LOGIN)")
    ]


def test_the_last_error_stays_shown_after_later_runs_went_well(store: Store):
    source = FakeSource(error=RuntimeError("timeout"))
    spec = JobSpec("salesforce", "prod", source, every=FAST)
    scheduler = Scheduler(store, [spec])
    scheduler.publish("running")
    scheduler.run_job(spec)
    source.error = None
    scheduler.run_job(spec)
    state = job_state(store, "salesforce:prod")
    assert (state["last_status"], state["last_error"]) == ("ok", UNEXPECTED)


def test_an_unexpected_error_is_stored_by_its_type_so_a_password_it_quotes_stays_out(
    store: Store, caplog: pytest.LogCaptureFixture
):
    leaky = FakeSource(error=RuntimeError("cannot reach https://user:hunter2@host/services"))
    spec = JobSpec("salesforce", "prod", leaky, every=timedelta(minutes=5))
    scheduler = Scheduler(store, [spec])
    scheduler.publish("running")
    with caplog.at_level(logging.ERROR, logger="monitor.schedule.scheduler"):
        scheduler.run_job(spec)
    # The source stays down long enough for source_down to quote the run's error in a finding.
    run_checks(
        store, "prod", datetime.now(UTC) + timedelta(hours=2), checks=[get_check("source_down")]
    )

    assert runs_of(store, "salesforce") == [("failed", 0, 0, UNEXPECTED)]
    assert job_state(store, "salesforce:prod")["last_error"] == UNEXPECTED
    [finding] = store.query("findings_open", instance="prod").itertuples()
    assert UNEXPECTED in finding.detail
    [record] = [r for r in caplog.records if r.exc_info]  # the traceback is in the log
    assert record.exc_info[0] is RuntimeError
    files = b"".join(p.read_bytes() for p in store.path.parent.glob("monitor.duckdb*"))
    assert b"hunter2" not in files


def test_a_stop_lets_the_running_job_finish_and_runs_nothing_after_it(store: Store, running):
    slow = FakeSource(store, sleep_seconds=1.0, rows_per_run=3)
    after = FakeSource()
    checks = JobSpec("checks", "prod", after)
    scheduler = start(
        store, [JobSpec("salesforce", "prod", slow, every=FAST, then=checks)], running
    )
    wait_for(slow.started.is_set, "the slow job started")
    scheduler.shutdown()
    assert runs_of(store, "salesforce") == [("ok", 3, 1, None)]  # finished, recorded
    assert after.count == 0  # what would follow it is skipped
    state = job_state(store, "salesforce:prod")
    assert (state["state"], state["has_next_run"]) == ("stopped", False)
    assert scheduler.run_job(scheduler.specs[0]) is None


def test_publish_replaces_jobs_of_an_earlier_plan(store: Store):
    Scheduler(store, [JobSpec("marketo", "old", FakeSource(), every=FAST)]).publish("stopped")
    Scheduler(store, [JobSpec("salesforce", "prod", FakeSource(), every=FAST)]).publish("once")
    assert rows(store, "SELECT job_id, state FROM scheduler_jobs") == [("salesforce:prod", "once")]


def test_schedules_read_as_people_say_them():
    def spec(**when) -> JobSpec:
        return JobSpec("x", "prod", FakeSource(), **when)

    assert spec(every=timedelta(minutes=5)).schedule == "every 5 min"
    assert spec(every=timedelta(seconds=30)).schedule == "every 30 s"
    assert spec(every=timedelta(days=1)).schedule == "every 1 day"
    assert spec(weekly_at=(0, 6, 0)).schedule == "Mondays 06:00 UTC"
    assert spec().schedule == "after each collection"


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        ("2026-11-23T06:00:00+00:00", "2026-11-23T06:00:00+00:00"),  # Monday, on the dot
        ("2026-11-23T05:59:00+00:00", "2026-11-16T06:00:00+00:00"),  # Monday, just before
        ("2026-11-25T14:00:00+00:00", "2026-11-23T06:00:00+00:00"),  # Wednesday
        ("2026-11-22T23:00:00+00:00", "2026-11-16T06:00:00+00:00"),  # Sunday
    ],
)
def test_the_weekly_report_slot_is_the_last_monday_six_utc(now, slot):
    assert last_weekly_slot(datetime.fromisoformat(now)) == datetime.fromisoformat(slot)


def test_the_weekly_report_is_due_at_start_only_when_this_weeks_was_missed(store: Store):
    is_due = report_is_due(store)
    wednesday = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert is_due(wednesday)  # never written: a new user gets one at once
    with store.write() as con:
        con.execute(
            "INSERT INTO collection_runs VALUES ('r', '*', 'report', $at, $at, 'ok', 2, 0, NULL)",
            {"at": datetime(2026, 11, 23, 6, 0, 4, tzinfo=UTC)},
        )
    assert not is_due(wednesday)
    assert is_due(wednesday + timedelta(days=6))  # the next Monday's was missed


# The job table of two configured instances, each collected from its own Salesforce stand-in.

TWO_INSTANCES = (
    {"name": "prod", "label": "Production", "salesforce_env": "PROD_SF"},
    {"name": "sandbox", "salesforce_env": "SANDBOX_SF", "salesforce_objects": ["Lead"]},
)


@pytest.fixture
def two_orgs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Two Salesforce stand-ins with different Lead inflow, trusted through one CA bundle."""
    with SalesforceStandIn() as prod, SalesforceStandIn() as sandbox:
        prod.modifiers["Lead"] = [("005000000000002AAA", "Dana Whitfield", 40)]
        prod.modifiers["Contact"] = [("005000000000002AAA", "Dana Whitfield", 7)]
        sandbox.modifiers["Lead"] = [
            ("005000000000003AAA", "Ops Data Loader", 900),
            (SYNC_USER_ID, "Marketo Sync", 12),
        ]
        trust_all(monkeypatch, tmp_path, prod, sandbox)
        secrets = {
            "PROD_SF_INSTANCE_URL": prod.url,
            "PROD_SF_ACCESS_TOKEN": prod.token,
            "SANDBOX_SF_INSTANCE_URL": sandbox.url,
            "SANDBOX_SF_ACCESS_TOKEN": sandbox.token,
        }
        yield prod, sandbox, secrets


def config_in(folder: Path, **settings: Any) -> Config:
    """A Config whose store, inbox and reports live in `folder`."""
    return Config(
        db=str(folder / "monitor.duckdb"),
        inbox_dir=str(folder / "inbox"),
        report_dir=str(folder / "reports"),
        **settings,
    )


def two_instance_config(tmp_path: Path) -> Config:
    return config_in(tmp_path, salesforce_objects=("Lead", "Contact"), instances=TWO_INSTANCES)


def test_two_instances_are_collected_and_checked_apart(tmp_path: Path, two_orgs):
    prod_org, sandbox_org, secrets = two_orgs
    config = two_instance_config(tmp_path)
    store = SerializedStore(config.db)
    plan = plan_jobs(store, config, configured_instances(config), secrets)
    ids = [spec.id for spec in plan.specs]
    assert ids[:4] == ["salesforce:prod", "inbox:prod", "salesforce:sandbox", "inbox:sandbox"]
    assert ids[-1] == "retention:*"
    assert "checks:prod" not in ids  # it follows each collection instead of a clock of its own
    assert any("marketo prod: not scheduled" in note for note in plan.notes)
    assert (tmp_path / "inbox" / "prod").is_dir() and (tmp_path / "inbox" / "sandbox").is_dir()

    scheduler = Scheduler(store, plan.specs)
    scheduler.publish("once")
    done = dict((spec.id, outcome) for spec, outcome in scheduler.run_round())
    assert done["salesforce:prod"].status == "ok", done["salesforce:prod"].error
    assert done["salesforce:sandbox"].status == "ok", done["salesforce:sandbox"].error

    inflow = rows(
        store,
        "SELECT instance, object, value FROM sync_stats WHERE metric = 'inflow' ORDER BY ALL",
    )
    assert inflow == [
        ("prod", "Contact", 7.0),
        ("prod", "Lead", 40.0),
        ("sandbox", "Lead", 900.0),  # sandbox collects only its own objects
    ]
    assert prod_org.calls() > 0 and sandbox_org.calls() > 0
    assert rows(
        store,
        "SELECT instance, job, status FROM collection_runs WHERE job <> 'retention' "
        "AND job <> 'report' AND job <> 'alerts' ORDER BY ALL",
    ) == [
        ("prod", "checks", "ok"),
        ("prod", "salesforce", "ok"),
        ("sandbox", "checks", "ok"),
        ("sandbox", "salesforce", "ok"),
    ]
    evaluated = rows(store, "SELECT DISTINCT instance FROM check_outcomes ORDER BY 1")
    assert evaluated == [("prod",), ("sandbox",)]
    assert rows(store, "SELECT instance, label FROM instances ORDER BY 1") == [
        ("prod", "Production"),
        ("sandbox", "sandbox"),
    ]


def test_an_instance_without_a_collector_gets_its_checks_on_a_clock(tmp_path: Path):
    config = config_in(tmp_path, instance="imports-only")
    store = SerializedStore(config.db)
    plan = plan_jobs(store, config, configured_instances(config), secrets={})
    checks = next(spec for spec in plan.specs if spec.id == "checks:imports-only")
    assert checks.schedule == "every 5 min"
    assert any(note.startswith("salesforce imports-only: not scheduled") for note in plan.notes)


def test_every_plan_schedules_alerts_the_weekly_report_and_retention(tmp_path: Path):
    config = config_in(tmp_path)
    plan = plan_jobs(SerializedStore(config.db), config, configured_instances(config), {})
    ids = [spec.id for spec in plan.specs]
    assert ids[-3:] == ["alerts:*", "report:*", "retention:*"]
    assert [spec.schedule for spec in plan.specs[-3:]] == [
        "every 30 s",
        "Mondays 06:00 UTC",
        "every 1 day",
    ]


# What the Sources page shows (the dashboard is another process: it reads scheduler_jobs).


@pytest.fixture
def sources_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Render the Sources page for an instance in a fresh session, as a new visitor would."""
    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "monitor.duckdb"))
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "monitor.toml"))
    (tmp_path / "monitor.toml").touch()

    def render(instance: str) -> AppTest:
        st.cache_data.clear()
        st.cache_resource.clear()
        app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        app.query_params["instance"] = instance
        app.run()
        app.switch_page("dashboard/pages/sources.py").run()
        assert not app.exception, app.exception
        assert not app.error, [e.value for e in app.error]
        return app

    yield render
    st.cache_data.clear()
    st.cache_resource.clear()


def scheduler_table(app: AppTest):
    return next(frame.value for frame in app.dataframe if "next_run" in frame.value.columns)


def test_sources_page_shows_each_jobs_last_run_error_and_next_run(tmp_path, sources_page, running):
    store = SerializedStore(tmp_path / "monitor.duckdb")
    failing = FakeSource(error=SourceError("cannot reach Salesforce: ConnectionError"))
    start(
        store,
        [
            JobSpec("salesforce", "sandbox", failing, every=timedelta(minutes=5)),
            JobSpec(
                "inbox",
                "prod",
                FakeSource(store, instance="prod", rows_per_run=4),
                every=timedelta(hours=1),
            ),
            JobSpec("retention", "*", FakeSource(), every=timedelta(days=1)),
        ],
        running,
    )
    scheduler = running[0]
    scheduler.run_round()
    with store.write() as con:
        ensure_instance(con, "sandbox", label="Sandbox")

    page = sources_page("sandbox")
    assert any("Scheduler running since" in info.value for info in page.info)
    table = scheduler_table(page)
    assert table["job"].tolist() == ["salesforce", "retention"]  # this instance's and shared
    salesforce = table.iloc[0]
    assert (salesforce["last_status"], salesforce["last_error"]) == (
        "failed",
        "cannot reach Salesforce: ConnectionError",
    )
    assert salesforce["next_run"] > salesforce["last_run"]

    page = sources_page("prod")
    table = scheduler_table(page)
    assert table["job"].tolist() == ["inbox", "retention"]
    assert (table.iloc[0]["last_status"], table.iloc[0]["rows"]) == ("ok", 4)

    scheduler.shutdown()
    page = sources_page("prod")
    assert any("The scheduler is stopped" in warning.value for warning in page.warning)
    assert scheduler_table(page)["next_run"].isna().all()


def test_sources_page_says_how_to_start_the_scheduler_when_it_never_ran(tmp_path, sources_page):
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        ensure_instance(con, "prod")
    page = sources_page("prod")
    assert any("`python -m monitor run`" in caption.value for caption in page.caption)


# The inbox and the alerts through the scheduler: a dropped export is imported, checked, and
# the finding it opens is announced to a real webhook on 127.0.0.1.

# Within the last hour: the checks judge the last 24 hours before the wall clock.
RECENT = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
PERMISSION_ERRORS = (
    "Failed On,Date/Time,Error Type,Error Details,Object,Marketo ID,Salesforce ID\n"
    + "".join(
        f"Record Level,{RECENT + timedelta(minutes=minute):%Y-%m-%d %H:%M:%S},"
        "Failed to update SFDC,"
        "{INSUFFICIENT_ACCESS_OR_READONLY: insufficient access rights on cross-reference id: "
        f"Lead_Score__c}},Lead,{1000 + minute},00Q0000000000{minute:02d}AAA\n"
        for minute in range(30)
    )
)


class Webhook:
    """A JSON webhook on 127.0.0.1 that keeps every body it is sent."""

    def __init__(self) -> None:
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_port}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    receiver = Webhook()
    yield receiver
    receiver.close()


def test_an_export_dropped_in_the_inbox_is_imported_checked_and_alerted_with_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook: Webhook
):
    monkeypatch.setenv("MONITOR_ALERT_URLS", webhook.url)
    config = config_in(tmp_path, instance="prod", alert_group_wait_seconds=1)
    store = SerializedStore(config.db)
    plan = plan_jobs(store, config, configured_instances(config), secrets={})
    by_id = {spec.id: spec for spec in plan.specs}
    assert {"inbox:prod", "checks:prod", "alerts:*"} <= set(by_id)
    for name, text in (("errors.csv", PERMISSION_ERRORS), ("notes.txt", "call Ann")):
        path = tmp_path / "inbox" / name
        path.write_text(text, encoding="utf-8")
        os.utime(path, (time.time() - 60, time.time() - 60))  # a finished copy

    scheduler = Scheduler(store, plan.specs)
    scheduler.publish("once")
    done = {spec.id: outcome for spec, outcome in scheduler.run_round()}

    inbox = done["inbox:prod"]
    assert (inbox.status, inbox.rows) == ("partial", 30)
    assert (
        inbox.error
        == "rejected notes.txt: notes.txt: expected a .csv export (Sync Status or Sync Errors)"
    )
    assert (tmp_path / "inbox" / "rejected" / "notes.txt.reason.txt").is_file()
    assert "checks:prod" not in done  # it ran right after the import, not twice
    assert runs_of(store, "checks")[0][0] == "ok"
    [(title,)] = rows(store, "SELECT title FROM findings WHERE check_id = 'permission_failures'")

    # The first round wrote the weekly report (none was written yet) and queued it.
    assert done["report:*"].rows == len(list((tmp_path / "reports").iterdir())) > 0

    def titles() -> list[str]:
        return [body["title"] for body in webhook.bodies]

    # The opening waits alert_group_wait_seconds for company, then goes out.
    wait_for(
        lambda: scheduler.run_job(by_id["alerts:*"]) and any("[prod]" in t for t in titles()),
        "the alert delivered to the webhook",
    )
    [alert] = [body for body in webhook.bodies if "[prod]" in body["title"]]
    assert title in alert["message"]
    assert any(t.startswith("Sync health: weekly report") for t in titles())


def test_a_marketo_instance_is_collected_once_recorded_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with trusted(MarketoStandIn(), monkeypatch) as marketo:
        recent = datetime.now(UTC) - timedelta(minutes=2)
        marketo.add_activity("Sync Lead to SFDC", recent, lead_id=1001)
        config = config_in(tmp_path, instance="prod")
        store = SerializedStore(config.db)
        plan = plan_jobs(store, config, configured_instances(config), marketo.secrets())
        marketo_spec = next(spec for spec in plan.specs if spec.id == "marketo:prod")
        assert marketo_spec.then is not None and marketo_spec.then.id == "checks:prod"
        scheduler = Scheduler(store, [marketo_spec])
        scheduler.publish("once")
        [(_, outcome)] = scheduler.run_round()

    assert outcome.status == "ok", outcome.error
    # The collector records its own run; the scheduler does not add a second one.
    [(status, _, calls, _)] = runs_of(store, "marketo")
    assert status == "ok" and calls == outcome.api_calls > 0
    assert runs_of(store, "checks")[0][0] == "ok"
    assert rows(store, "SELECT count(*) FROM marketo_activities") == [(1,)]
    assert job_state(store, "marketo:prod")["last_status"] == "ok"


def test_the_salesforce_job_collects_again_on_a_short_interval_then_checks_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, running
):
    with trusted(SalesforceStandIn(), monkeypatch) as org:
        org.modifiers["Lead"] = [("005000000000002AAA", "Dana Whitfield", 40)]
        config = config_in(tmp_path, instance="prod", salesforce_objects=("Lead",))
        store = SerializedStore(config.db)
        plan = plan_jobs(store, config, configured_instances(config), org.secrets())
        salesforce = next(spec for spec in plan.specs if spec.id == "salesforce:prod")
        start(store, [dataclasses.replace(salesforce, every=timedelta(seconds=1))], running)
        wait_for(lambda: len(runs_of(store, "salesforce")) >= 3, "three cycles from the clock")
        wait_for(lambda: len(runs_of(store, "checks")) >= 3, "the checks after each")
        running[0].shutdown()

    assert {run[0] for run in runs_of(store, "salesforce")} == {"ok"}
    # Windows end on the minute: a cycle within the minute of the one before finds its window
    # empty; each minute's window is collected once.
    inflow = rows(
        store,
        "SELECT strftime(ts, '%H:%M'), object, value FROM sync_stats WHERE metric = 'inflow'",
    )
    assert inflow and {(obj, value) for _, obj, value in inflow} == {("Lead", 40.0)}
    assert len(inflow) == len({ts for ts, _, _ in inflow})
    assert {run[0] for run in runs_of(store, "checks")} == {"ok"}
