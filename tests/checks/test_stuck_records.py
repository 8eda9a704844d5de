"""stuck_records: sync errors in -> expected findings out, including explicit no-alert cases.

Errors are written through monitor.store.sync_errors.write_sync_errors into a real DuckDB file and
read back by the check's own query. Error texts are Salesforce's own, from
tests/fixtures/real/salesforce where a real payload exists.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checks import stuck_records
from checks.base import check_from_module
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.harness import Case, assert_headline, scenario
from tests.checks.sync_error_cases import SyncErrorJudge
from tests.conftest import REAL_FIXTURES, export_reaches
from tests.sync_errors import SyncError, import_export, write_errors

CHECK = check_from_module(stuck_records)
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
JUDGE = SyncErrorJudge(CHECK, NOW, INSTANCE)
REAL = REAL_FIXTURES / "salesforce"


def real_error(name: str) -> str:
    """'CODE: message' of the first failure in a real Salesforce sObject Collections response."""
    results = json.loads((REAL / name).read_text(encoding="utf-8"))
    error = next(r for r in results if not r["success"])["errors"][0]
    return f"{error['statusCode']}: {error['message']}"


CONVERTED = real_error("composite_sobjects_cannot_update_converted_lead.json")
BAD_EMAIL = real_error("composite_sobjects_partial_failure_invalid_email.json")
VALIDATION = "FIELD_CUSTOM_VALIDATION_EXCEPTION: Postal Code is required for US leads"


def lead_id(n: int) -> str:
    return f"00Q5e00000STK{n:03d}"


def failing(
    record: int,
    cycles: int,
    *,
    start: datetime = NOW - timedelta(hours=10),
    every: timedelta = timedelta(hours=1),
    details: str = VALIDATION,
    object_name: str = "Lead",
    sfdc_id: str | None = None,
) -> list[SyncError]:
    """One record failing once per sync cycle, `cycles` times, `every` apart."""
    sfdc = lead_id(record) if sfdc_id is None else sfdc_id
    return [
        SyncError(start + i * every, object_name, details, sfdc, str(1000 + record))
        for i in range(cycles)
    ]


def many_failing(records: int, cycles: int, **kwargs: Any) -> list[SyncError]:
    return [e for n in range(records) for e in failing(n, cycles, **kwargs)]


def one_offs(records: int = 40) -> list[SyncError]:
    """The normal case: many records fail once (a typo, a lock) and sync on the next update."""
    return [e for n in range(records) for e in failing(n, 1, start=NOW - timedelta(minutes=9 * n))]


CASES = [
    scenario("stays_silent_when_records_fail_once", lambda: one_offs(), "silent"),
    scenario("stays_silent_without_any_errors", lambda: [], "silent"),
    scenario(
        "fires_when_a_record_fails_in_min_failed_cycles",
        lambda: one_offs() + failing(99, 3),
        "warning",
    ),
    scenario("stays_silent_when_a_record_fails_in_two_cycles", lambda: failing(99, 2), "silent"),
    scenario(
        "min_failed_cycles_is_configurable", lambda: failing(99, 2), "warning", min_failed_cycles=2
    ),
    scenario(
        "counts_errors_within_one_minute_as_one_cycle",
        lambda: failing(99, 5, every=timedelta(seconds=5)),
        "silent",
    ),
    scenario(
        "stays_silent_on_three_errors_in_two_cycles",
        lambda: (
            failing(99, 1)
            + failing(99, 1, details=CONVERTED)  # the same cycle, a second error
            + failing(99, 1, start=NOW - timedelta(hours=1))
        ),
        "silent",
    ),
    scenario(
        "fires_when_the_error_changes_from_cycle_to_cycle",
        lambda: (
            failing(99, 1, details=VALIDATION)
            + failing(99, 1, start=NOW - timedelta(hours=5), details=CONVERTED)
            + failing(99, 1, start=NOW - timedelta(hours=1), details=BAD_EMAIL)
        ),
        "warning",
    ),
    scenario(
        "stays_silent_on_failures_older_than_lookback_hours",
        lambda: failing(99, 3, start=NOW - timedelta(hours=30)),
        "silent",
    ),
    scenario(
        "fires_on_them_with_a_longer_lookback_hours",
        lambda: failing(99, 3, start=NOW - timedelta(hours=30)),
        "warning",
        lookback_hours=48,
    ),
    scenario(
        "counts_only_the_cycles_inside_lookback_hours",
        lambda: failing(99, 3, start=NOW - timedelta(hours=25), every=timedelta(hours=2)),
        "silent",
    ),
    scenario(
        "keys_a_record_without_a_salesforce_id_by_its_marketo_id",
        lambda: failing(99, 3, sfdc_id=""),
        "warning",
    ),
    scenario("is_a_warning_at_49_stuck_records", lambda: many_failing(49, 3), "warning"),
    scenario("is_critical_at_critical_records", lambda: many_failing(50, 3), "critical"),
]


@pytest.mark.parametrize("case", CASES)
def test_stuck_records_scenario(store: Store, case: Case):
    assert JUDGE.written_case(store, case).outcome("Lead") == case.expect


def test_stuck_records_ignores_job_level_errors_that_name_no_record(store: Store):
    write_errors(store, [(at, "Lead", VALIDATION, "", "") for at, *_ in failing(99, 5)])
    assert JUDGE.evaluate(store) == []


def test_stuck_records_reports_the_worst_ten_records_with_their_last_error(store: Store):
    start = NOW - timedelta(hours=20)
    errors = (
        # Record 0 changes error: the validation rule first, then the conversion.
        failing(0, 3, start=start, details=VALIDATION)
        + failing(0, 3, start=start + timedelta(hours=14), details=CONVERTED)
        # Records 1..11 fail 3 + n % 4 times; 12 and 13 are not stuck.
        + [e for n in range(1, 12) for e in failing(n, 3 + n % 4)]
        + failing(12, 2)
        + one_offs(14)[13:]
    )
    write_errors(store, errors)
    [finding] = JUDGE.evaluate(store)
    evidence = finding.evidence
    assert_headline(finding, "stuck_records", "Lead", "warning", "Marketo admin")
    assert evidence["stuck_records"] == 12
    assert evidence["failures"] == 6 + sum(3 + n % 4 for n in range(1, 12))
    assert evidence["last_error_codes"] == {
        "FIELD_CUSTOM_VALIDATION_EXCEPTION": 11,
        "CANNOT_UPDATE_CONVERTED_LEAD": 1,
    }
    top = evidence["top_records"]
    assert len(top) == 10
    assert top[0] == {
        "record_id": lead_id(0),
        "sfdc_id": lead_id(0),
        "marketo_id": "1000",
        "failures": 6,
        "failed_cycles": 6,
        "last_error_code": "CANNOT_UPDATE_CONVERTED_LEAD",
        "last_error_message": CONVERTED,
        "first_failure": "2026-11-19 19:00:00+00:00",
        "last_failure": "2026-11-20 11:00:00+00:00",
    }
    # Then most cycles first; equal cycles by the latest failure, then by id.
    assert [r["failed_cycles"] for r in top] == [6, 6, 6, 6, 5, 5, 5, 4, 4, 4]
    assert [r["record_id"] for r in top[1:4]] == [lead_id(3), lead_id(7), lead_id(11)]
    assert "12 Lead records" in finding.title
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION (11 records)" in finding.detail
    assert "Postal Code is required for US leads" in finding.detail


def test_stuck_records_top_records_setting_limits_the_evidence(store: Store):
    write_errors(store, many_failing(5, 3))
    [finding] = JUDGE.evaluate(store, top_records=2)
    assert finding.evidence["stuck_records"] == 5
    assert [r["record_id"] for r in finding.evidence["top_records"]] == [lead_id(0), lead_id(1)]


def test_stuck_records_reports_each_object_on_its_own(store: Store):
    write_errors(
        store,
        failing(1, 4)
        + failing(2, 4, object_name="Contact", sfdc_id="0035e00000STK002", details=BAD_EMAIL)
        + failing(3, 2, object_name="Account", sfdc_id="0015e00000STK003"),
    )
    results = JUDGE.evaluate(store)
    assert [r.subject for r in results] == ["Contact", "Lead"]
    contact = results[0].evidence["top_records"][0]
    assert contact["last_error_message"] == BAD_EMAIL
    assert BAD_EMAIL == "INVALID_EMAIL_ADDRESS: email field: invalid email address: badone"
    assert results.outcome("Account") == "silent"


def test_stuck_records_runbook_says_how_to_fix_and_settings_have_help():
    assert "fix" in CHECK.runbook.lower()
    assert CHECK.defaults() == {
        "lookback_hours": 24,
        "min_failed_cycles": 3,
        "critical_records": 50,
        "top_records": 10,
    }
    assert all(s.help for s in CHECK.settings)


def test_stuck_records_through_the_runner_opens_escalates_and_resolves(
    store: Store, tmp_path: Path
):
    def import_errors(name: str, errors: list[SyncError]) -> None:
        import_export(store, tmp_path / f"{name}.csv", [e.export_line() for e in errors], INSTANCE)

    import_errors("morning", one_offs() + many_failing(3, 3))
    first = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert first.failed_checks == {}
    assert [(t.subject, t.transition, t.severity) for t in first.transitions] == [
        ("Lead", "opened", "warning")
    ]
    evidence = json.loads(store.query("findings_open", instance=INSTANCE)["evidence"].iloc[0])
    assert evidence["stuck_records"] == 3

    # The same export re-imported adds nothing; a later one with 60 stuck leads escalates.
    import_errors("morning", one_offs() + many_failing(3, 3))
    import_errors("afternoon", many_failing(60, 3, start=NOW - timedelta(hours=3)))
    later = NOW + timedelta(hours=1)
    second = run_checks(store, INSTANCE, later, checks=[CHECK])
    assert [(t.subject, t.transition) for t in second.transitions] == [("Lead", "escalated")]

    # Records fixed: once a later export shows their failures out of lookback_hours, the
    # finding resolves.
    export_reaches(store, INSTANCE, later + timedelta(hours=24))
    third = run_checks(store, INSTANCE, later + timedelta(hours=24), checks=[CHECK])
    assert [(t.subject, t.transition) for t in third.transitions] == [("Lead", "resolved")]
    assert store.query("findings_open", instance=INSTANCE).empty
