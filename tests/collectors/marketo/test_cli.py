"""`python -m monitor collect --source marketo` and `check-connection` as real processes against
the loopback Marketo stand-in."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.store import Store
from tests.cli import environment_without, run_monitor
from tests.standins.marketo import API_USER, MarketoStandIn, steady_activities


@pytest.fixture
def standin() -> Iterator[MarketoStandIn]:
    with MarketoStandIn() as running:
        yield running


def environment(standin: MarketoStandIn | None, database: Path, **extra: str) -> dict[str, str]:
    env = environment_without("SALESFORCE_", "MARKETO_", "MONITOR_")
    env["MONITOR_DB"] = str(database)
    if standin is not None:
        env.update(standin.secrets(), REQUESTS_CA_BUNDLE=standin.ca_bundle)
    env.update(extra)
    return env


def monitor(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_monitor(*arguments, env=env, timeout=180)


def tokens(standin: MarketoStandIn) -> set[str]:
    return {r.authorization.removeprefix("Bearer ") for r in standin.requests}


def test_collect_source_marketo_stores_the_activities_and_prints_one_line(standin, tmp_path):
    now = datetime.now(UTC)
    for minutes in (3, 2, 1):
        standin.add_activity("Sync Lead to SFDC", now - timedelta(minutes=minutes))
    standin.add_activity("Open Email", now - timedelta(minutes=1))
    database = tmp_path / "m.duckdb"

    result = monitor("collect", "--source", "marketo", env=environment(standin, database))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("marketo 'default': 3 activities in 1 pages, 3 rows new")
    assert "3 API calls" in result.stdout
    with Store(database).read() as con:
        assert con.execute("SELECT count(*) FROM marketo_activities").fetchone() == (3,)
    output = result.stdout + result.stderr
    assert standin.client_secret not in output
    assert all(token not in output for token in tokens(standin))


def test_collect_marketo_since_backfills_with_a_progress_line(standin, tmp_path):
    now = datetime.now(UTC)
    steady_activities(standin, now - timedelta(days=3), hours=71, every_minutes=30)
    standin.scan_size = 100
    result = monitor(
        "collect", "--source", "marketo", "--since", "2d", env=environment(standin, tmp_path / "m")
    )
    assert result.returncode == 0, result.stderr
    assert "marketo backfill: 1 pages, up to " in result.stderr
    assert result.stderr.rstrip().endswith("(100%)")
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "marketo 'default' backfill",
        "marketo 'default' backfill",
        "marketo 'default'",
    ]


def test_collect_marketo_since_beyond_90_days_is_refused_in_one_line(standin, tmp_path):
    result = monitor(
        "collect",
        "--source",
        "marketo",
        "--since",
        "120d",
        env=environment(standin, tmp_path / "m"),
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: --since reaches 120 days back, but Marketo keeps lead activities for 90 days: "
        "ask for 90d or less"
    )
    assert standin.rest_calls() == 0


def test_collect_marketo_without_configuration_says_what_to_set(tmp_path):
    result = monitor("collect", "--source", "marketo", env=environment(None, tmp_path / "m"))
    assert result.returncode == 1
    assert "Marketo is not configured: set MARKETO_IDENTITY_URL" in result.stderr


def test_collect_marketo_with_a_wrong_secret_fails_in_one_line_without_it(standin, tmp_path):
    env = environment(standin, tmp_path / "m", MARKETO_CLIENT_SECRET="wrong-secret-4711")
    result = monitor("-v", "collect", "--source", "marketo", env=env)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "error: Marketo's identity service refused the client credentials (HTTP 401 "
            "invalid_client)"
        )
    )
    assert "Traceback" not in result.stderr
    assert "wrong-secret-4711" not in result.stdout + result.stderr


def test_verbose_collection_logs_retries_but_no_secret_or_token(standin, tmp_path):
    standin.fail_next(606, path="activities.json")
    env = environment(standin, tmp_path / "m")
    result = monitor("-v", "collect", "--source", "marketo", env=env)
    assert result.returncode == 0, result.stderr
    assert "606" in result.stderr and "retrying" in result.stderr
    output = result.stdout + result.stderr
    assert standin.client_secret not in output
    assert all(token not in output for token in tokens(standin))


def test_check_connection_reports_the_api_user_budget_and_types_without_secrets(standin, tmp_path):
    result = monitor("check-connection", env=environment(standin, tmp_path / "m"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("salesforce: not configured")
    assert lines[1] == (
        f"marketo: ok (API client at {standin.url}/rest; API user {API_USER}; "
        "1,120/50,000 daily API calls used today; 12 of 12 SFDC activity types found)"
    )
    assert standin.client_secret not in result.stdout + result.stderr


def test_check_connection_names_what_the_api_user_may_not_read(standin, tmp_path):
    standin.fail_next(603, path="pagingtoken.json")
    result = monitor("check-connection", env=environment(standin, tmp_path / "m"))
    assert result.returncode == 1
    marketo = result.stdout.splitlines()[1]
    assert marketo.startswith("marketo: PARTIAL (")
    assert marketo.endswith("; missing: Read-Only Activity (the lead activities)")


def test_check_connection_with_a_half_configured_marketo_says_what_is_missing(tmp_path):
    env = environment(None, tmp_path / "m", MARKETO_CLIENT_ID="abc")
    result = monitor("check-connection", env=env)
    assert result.returncode == 1
    assert "marketo: FAILED: Marketo is half configured: set MARKETO_IDENTITY_URL" in result.stdout


def test_check_connection_names_a_marketo_configured_without_its_client_id(tmp_path):
    env = environment(
        None, tmp_path / "m", MARKETO_BASE_URL="https://123-abc-456.mktorest.com/rest"
    )
    result = monitor("check-connection", env=env)
    assert result.returncode == 1
    assert "marketo: FAILED: Marketo is half configured" in result.stdout
    assert "MARKETO_CLIENT_ID" in result.stdout


def test_a_subscription_without_sfdc_types_exits_1_on_every_cycle(standin, tmp_path):
    # One condition, one outcome: the second cycle also stores API usage (housekeeping), but
    # the collection still cannot follow the sync.
    from monitor.store.activities import SFDC_ACTIVITY_TYPES

    names = set(SFDC_ACTIVITY_TYPES.values())
    standin.types_payload["result"] = [
        t for t in standin.types_payload["result"] if t["name"] not in names
    ]
    env = environment(standin, tmp_path / "m.duckdb")

    first = monitor("collect", "--source", "marketo", env=env)
    second = monitor("collect", "--source", "marketo", env=env)

    assert (first.returncode, second.returncode) == (1, 1), second.stdout
    for result in (first, second):
        assert "none of the SFDC activity types exists" in result.stdout
    assert "API usage" in second.stdout  # housekeeping went on meanwhile
