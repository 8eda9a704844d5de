"""sync_job_failures on a real DuckDB file, fed through the public import path: a Sync Errors
export in the four columns Adobe documents (fixtures/real/marketo/sync_errors_fields_doc.md).
The job-level message is Salesforce's own wording of the daily API limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from checks import get_check
from monitor.collectors.exports import import_file
from monitor.incidents import open_incidents
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.harness import SILENT, judge
from tests.test_cli import monitor

INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
HEADER = "Failed On,Date/Time,Error Type,Error Details"
LIMIT = "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."

evaluate = partial(judge, "sync_job_failures", instance=INSTANCE, now=NOW)


def import_rows(store: Store, tmp_path: Path, *rows: tuple[str, float, str, str]) -> None:
    """(Failed On, hours before NOW, Error Type, Error Details) rows as one export."""
    lines = [HEADER] + [
        f'{level},{NOW - timedelta(hours=hours):%m/%d/%Y %I:%M %p},{kind},"{details}"'
        for level, hours, kind, details in rows
    ]
    path = tmp_path / "errors.csv"
    path.write_text("\n".join(lines) + "\n")
    import_file(store, "sync-errors", path, instance=INSTANCE, zone=ZoneInfo("UTC"))


def test_a_job_level_limit_failure_is_a_critical_finding_for_the_salesforce_admin(store, tmp_path):
    import_rows(store, tmp_path, ("Job Level", 1, "Failed to pull updates", LIMIT))
    outcomes = evaluate(store)
    finding = outcomes.finding("Job level: REQUEST_LIMIT_EXCEEDED")
    assert finding.severity == "critical"
    assert finding.owner == "Salesforce admin"
    assert finding.evidence["failed_on"] == "job"
    assert finding.evidence["category"] == "limits"
    assert finding.evidence["sample_message"] == LIMIT
    assert "api_budget" in finding.evidence["advice"]


@pytest.mark.parametrize(
    "row, subject, severity, owner",
    [
        (
            ("Job Level", 2, "Failed to push updates", "UNKNOWN_EXCEPTION: An unexpected error"),
            "Job level: UNKNOWN_EXCEPTION",
            "critical",
            "Marketo admin",
        ),
        (
            ("Record Level", 2, "Failed to update SFDC", "INVALID_SESSION_ID: Session expired"),
            "Record level: INVALID_SESSION_ID",
            "warning",
            "Salesforce admin",
        ),
    ],
    ids=["other-job-failure", "record-level-auth"],
)
def test_every_job_failure_and_every_auth_or_limits_error_is_a_finding(
    store, tmp_path, row, subject, severity, owner
):
    import_rows(store, tmp_path, row)
    finding = evaluate(store).finding(subject)
    assert (finding.severity, finding.owner) == (severity, owner)


def test_record_level_errors_of_other_kinds_and_old_failures_stay_silent(store, tmp_path):
    import_rows(
        store,
        tmp_path,
        ("Record Level", 1, "Failed to update SFDC", "STRING_TOO_LONG: Title: data value too"),
        ("Job Level", 30, "Failed to pull updates", LIMIT),  # past the 24 h lookback
    )
    outcomes = evaluate(store)
    assert outcomes.outcome("Job level: REQUEST_LIMIT_EXCEEDED") == SILENT
    assert outcomes.findings == {}


def test_cli_check_opens_the_job_level_finding_from_a_documented_export(tmp_path):
    export = tmp_path / "errors.csv"
    at = datetime.now(UTC) - timedelta(hours=1)
    export.write_text(f'{HEADER}\nJob Level,{at:%m/%d/%Y %I:%M %p},Failed to sync,"{LIMIT}"\n')
    db = tmp_path / "m.duckdb"
    assert monitor("import", "sync-errors", str(export), db=db).returncode == 0
    result = monitor("check", "--json", db=db)
    assert result.returncode == 0, result.stderr
    subjects = {(f["check"], f["subject"], f["severity"]) for f in json.loads(result.stdout)}
    assert ("sync_job_failures", "Job level: REQUEST_LIMIT_EXCEEDED", "critical") in subjects


def test_a_stopped_job_and_the_record_errors_of_its_code_are_one_incident(store, tmp_path):
    import_rows(
        store,
        tmp_path,
        ("Job Level", 1, "Failed to pull updates", LIMIT),
        *[("Record Level", 2, "Failed to update SFDC", LIMIT)] * 5,
        ("Record Level", 2, "Failed to update SFDC", "INVALID_SESSION_ID: Session expired"),
    )
    run_checks(store, INSTANCE, NOW, checks=[get_check("sync_job_failures")])
    incidents = open_incidents(store, INSTANCE)
    by_subjects = sorted(sorted(f["subject"] for f in i.findings) for i in incidents)
    assert by_subjects == [
        ["Job level: REQUEST_LIMIT_EXCEEDED", "Record level: REQUEST_LIMIT_EXCEEDED"],
        ["Record level: INVALID_SESSION_ID"],
    ]
