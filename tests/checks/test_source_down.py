"""source_down: the runs of a source -> expected findings, including the explicit no-alert
cases, plus runs through the real runner on runs recorded by the real scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from checks import source_down
from checks.base import Finding, check_from_module
from monitor.errors import SourceError
from monitor.runner import run_checks
from monitor.schedule.scheduler import JobOutcome, JobSpec, Scheduler
from monitor.store import Store
from tests.checks.harness import Case, judge

CHECK = check_from_module(source_down)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
REFUSED = (
    "Salesforce refused the password login (INVALID_LOGIN); check the credentials and that the "
    "user is API Enabled"
)
EXPIRED = (
    "Salesforce says the session is invalid or expired (INVALID_SESSION_ID): renew "
    "SALESFORCE_ACCESS_TOKEN, or log in with a username instead"
)
UNREACHABLE = "cannot reach Salesforce: ConnectionError"
# As monitor/collectors/marketo/client.py words a refused token request and a 603.
MARKETO_REFUSED = (
    "Marketo's identity service refused the client credentials (HTTP 401 invalid_client): "
    "check MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET (Admin > Integration > LaunchPoint > "
    "View Details) and that the API-only user is active"
)
MARKETO_DENIED = "Marketo denied activities (603 Access denied): give the API-only user's role"


def runs(
    source: str = "salesforce",
    *,
    last_ok: timedelta | None = 2 * MINUTE,
    first_run: timedelta = timedelta(days=2),
    last_run: timedelta | None = None,
    last_status: str = "ok",
    last_error: str | None = None,
    failed_runs: int = 0,
    interval_minutes: float | None = 5,
    scheduler_state: str | None = "running",
    scheduled: timedelta | None = timedelta(days=2),
) -> pd.DataFrame:
    """A source_health_runs row; times are given as how long before NOW."""

    def at(ago: timedelta | None) -> pd.Timestamp | None:
        return None if ago is None else pd.Timestamp(NOW - ago)

    never_ran = first_run is None
    return pd.DataFrame(
        {
            "source": [source],
            "interval_seconds": [None if interval_minutes is None else interval_minutes * 60],
            "scheduler_state": [scheduler_state],
            "scheduled_at": [at(scheduled)],
            "first_run_at": [None if never_ran else at(first_run)],
            "last_run_at": [None if never_ran else at(last_run or last_ok)],
            "last_ok_at": [at(last_ok)],
            "last_status": [None if never_ran else last_status],
            "last_error": [last_error],
            "failed_runs": [failed_runs],
        }
    )


def failing(
    last_ok: timedelta | None,
    failed_runs: int,
    last_error: str = UNREACHABLE,
    **rest: Any,
) -> pd.DataFrame:
    """Runs of a source whose latest run, a minute ago, failed with `last_error`."""
    return runs(
        last_ok=last_ok,
        last_run=MINUTE,
        last_status="failed",
        failed_runs=failed_runs,
        last_error=last_error,
        **rest,
    )


evaluate = partial(judge, CHECK, now=NOW)


CASES = [
    pytest.param(Case(runs(), "silent"), id="stays_silent_when_the_last_run_succeeded"),
    pytest.param(
        Case(failing(14 * MINUTE, 2), "silent"),
        id="stays_silent_after_two_missed_intervals",
    ),
    pytest.param(
        Case(failing(15 * MINUTE, 3), "warning"),
        id="warns_after_three_intervals_without_success",
    ),
    pytest.param(
        Case(failing(61 * MINUTE, 12), "critical"),
        id="is_critical_after_an_hour_without_success",
    ),
    pytest.param(
        Case(failing(6 * MINUTE, 1, REFUSED), "critical"),
        id="is_critical_at_once_when_the_login_is_refused",
    ),
    pytest.param(
        Case(failing(6 * MINUTE, 1, EXPIRED), "critical"),
        id="is_critical_at_once_when_the_session_expired",
    ),
    pytest.param(
        Case(failing(6 * MINUTE, 1, MARKETO_REFUSED, source="marketo"), "critical"),
        id="is_critical_when_marketo_refuses_the_client_credentials",
    ),
    pytest.param(
        Case(
            runs(
                last_ok=MINUTE,
                last_status="partial",
                last_error="Campaign: the connected user cannot query it",
            ),
            "silent",
        ),
        id="counts_a_partial_run_as_collected",
    ),
    pytest.param(
        Case(failing(None, 2, first_run=6 * MINUTE), "silent"),
        id="gives_a_new_source_its_missed_intervals_before_judging",
    ),
    pytest.param(
        Case(failing(None, 5, first_run=20 * MINUTE), "warning"),
        id="warns_when_a_new_source_never_collected",
    ),
    pytest.param(
        Case(runs(last_ok=40 * MINUTE, interval_minutes=15), "silent"),
        id="follows_the_interval_the_scheduler_runs_it_at",
    ),
    pytest.param(
        Case(runs(last_ok=16 * MINUTE, interval_minutes=None, scheduler_state=None), "warning"),
        id="assumes_the_fallback_interval_for_a_source_run_from_cron",
    ),
    pytest.param(
        Case(runs(last_ok=16 * MINUTE), "silent", {"missed_intervals": 4}),
        id="follows_a_larger_missed_intervals",
    ),
    pytest.param(
        Case(
            runs(last_ok=None, first_run=None, scheduled=20 * MINUTE),
            "warning",
        ),
        id="warns_when_a_scheduled_source_never_ran",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_source_down_scenario(case: Case):
    [source] = case.facts["source"]
    assert evaluate({"runs": case.facts}, **case.settings).outcome(source) == case.expect


def test_source_down_stays_silent_without_any_source():
    assert evaluate({"runs": runs().iloc[0:0]}) == []


def test_source_down_finding_names_the_last_success_error_and_owner():
    quiet = failing(90 * MINUTE, 18)
    [finding] = evaluate({"runs": quiet})
    assert isinstance(finding, Finding)
    assert (finding.subject, finding.owner) == ("salesforce", "Salesforce admin")
    assert finding.title == "Salesforce has not collected for 90 min"
    assert "Last successful collection: 2026-11-20 10:30 UTC; 18 failed runs since" in (
        finding.detail
    )
    assert UNREACHABLE in finding.detail and "Expected every 5 min." in finding.detail
    # One outage of one source: its last success names it (monitor/incidents groups by it).
    assert finding.evidence["cause_key"] == f"outage:salesforce|{finding.evidence['last_ok_at']}"
    assert finding.evidence | {"last_ok_at": None, "last_run_at": None, "cause_key": None} == {
        "cause_key": None,
        "source": "salesforce",
        "last_ok_at": None,
        "last_run_at": None,
        "last_status": "failed",
        "last_error": UNREACHABLE,
        "failed_runs": 18,
        "interval_minutes": 5.0,
        "quiet_minutes": 90.0,
        "is_auth_failure": False,
        "scheduler_state": "running",
    }


def test_source_down_a_refused_marketo_login_names_the_marketo_admin():
    refused = failing(6 * MINUTE, 1, MARKETO_REFUSED, source="marketo")
    [finding] = evaluate({"runs": refused})
    assert finding.owner == "Marketo admin"
    assert finding.title == "Marketo refuses the monitor's login"
    assert finding.evidence["is_auth_failure"] is True


def test_source_down_says_when_the_scheduler_is_stopped():
    stopped = runs(last_ok=3 * timedelta(hours=1), scheduler_state="stopped")
    [finding] = evaluate({"runs": stopped})
    assert "The scheduler (`python -m monitor run`) is stopped." in finding.detail
    assert finding.title == "Salesforce has not collected for 3 h"


@pytest.mark.parametrize(
    ("error", "is_auth"),
    [
        (REFUSED, True),
        (EXPIRED, True),
        (MARKETO_REFUSED, True),
        (MARKETO_DENIED, True),
        ("INVALID_GRANT: authentication failure", True),
        (UNREACHABLE, False),
        ("Salesforce's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED)", False),
        ("", False),
    ],
)
def test_source_down_tells_an_authentication_failure_from_others(error, is_auth):
    markers = CHECK.defaults()["auth_error_markers"]
    assert source_down.is_auth_error(error, markers) is is_auth


# Through the runner: runs recorded by the real scheduler, read by the check's own query.


class Source:
    """A scheduled collection job whose next run succeeds or fails as the test says."""

    def __init__(self) -> None:
        self.error: str | None = None

    def run(self, now: datetime) -> JobOutcome:
        if self.error:
            raise SourceError(self.error)
        return JobOutcome(rows=3, api_calls=1)


def test_source_down_through_the_runner_opens_on_a_refused_login_and_resolves(tmp_path: Path):
    store = Store(tmp_path / "monitor.duckdb")
    source = Source()
    spec = JobSpec("salesforce", "prod", source.run, every=timedelta(minutes=5))
    scheduler = Scheduler(store, [spec])
    scheduler.publish("running")
    scheduler.run_job(spec)
    source.error = REFUSED
    scheduler.run_job(spec)

    summary = run_checks(store, "prod", datetime.now(UTC), checks=[CHECK])
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition, t.severity) for t in summary.transitions] == [
        ("salesforce", "opened", "critical")
    ]
    [row] = store.query("findings_open", instance="prod").itertuples()
    assert REFUSED in row.detail

    source.error = None
    scheduler.run_job(spec)
    summary = run_checks(store, "prod", datetime.now(UTC), checks=[CHECK])
    assert [(t.subject, t.transition) for t in summary.transitions] == [("salesforce", "resolved")]


def test_source_down_through_the_runner_ignores_other_instances_and_retired_sources(tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        for run_id, instance, job, started, status in (
            ("1", "other", "salesforce", NOW - timedelta(hours=2), "failed"),
            ("2", "prod", "marketo", NOW - timedelta(days=9), "ok"),  # retired long ago
            ("3", "prod", "salesforce", NOW - MINUTE, "ok"),
            ("4", "prod", "inbox", NOW - timedelta(hours=3), "ok"),  # not a source
        ):
            con.execute(
                "INSERT INTO collection_runs VALUES ($id, $i, $job, $t, $t, $s, 0, 0, NULL)",
                {"id": run_id, "i": instance, "job": job, "t": started, "s": status},
            )
    summary = run_checks(store, "prod", NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert summary.findings == 0
    other = run_checks(store, "other", NOW, checks=[CHECK])
    assert [(t.subject, t.severity) for t in other.transitions] == [("salesforce", "critical")]


def test_source_down_through_the_runner_is_silent_on_an_empty_store(tmp_path: Path):
    summary = run_checks(Store(tmp_path / "monitor.duckdb"), "prod", NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert (summary.findings, summary.not_evaluated) == (0, [])
