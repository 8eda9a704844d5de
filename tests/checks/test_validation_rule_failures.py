"""validation_rule_failures on a real DuckDB file, fed through the public import path (Marketo
Sync Errors CSVs). Scenarios are data: error rows in, expected findings out, including the
explicit no-alert cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks import validation_rule_failures
from checks.base import check_from_module
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.harness import Case, scenario
from tests.checks.sync_error_cases import SyncErrorJudge, lookback_cases
from tests.conftest import export_reaches
from tests.sync_errors import Failure, repeated

CHECK = check_from_module(validation_rule_failures)
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
JUDGE = SyncErrorJudge(CHECK, NOW, INSTANCE)

RULE = "Company is required when Status is Qualified"
COMPANY_RULE = f"FIELD_CUSTOM_VALIDATION_EXCEPTION: {RULE}"
SUBJECT = f"Lead: {RULE}"
# The same rule as Marketo's export, the REST API and an Apex DmlException write it.
COMPANY_RULE_WRAPPED = f"Failed to update SFDC {{FIELD_CUSTOM_VALIDATION_EXCEPTION: {RULE}}}"
COMPANY_RULE_WITH_FIELDS = f"FIELD_CUSTOM_VALIDATION_EXCEPTION: {RULE}: [Company]"
COMPANY_RULE_APEX = (
    '"Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, '
    f'{RULE}: []"'
)
COUNTRY_RULE = "FIELD_CUSTOM_VALIDATION_EXCEPTION: Mailing Country must be a 2-letter ISO code"
MISSING_COMPANY = "REQUIRED_FIELD_MISSING: Required fields are missing: [Company]"
MISSING_LAST_NAME = '"REQUIRED_FIELD_MISSING: Required fields are missing: [LastName, Company]"'
PICKLIST = (
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value for restricted picklist field: California"
)
LOCKED = '"UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record"'


def flow_failure(error_id: str) -> str:
    """A failed flow as Salesforce words it: the Error ID differs on every failure."""
    return (
        "\"CANNOT_EXECUTE_FLOW_TRIGGER: We can't save this record because the “Lead Assignment” "
        "process failed. Give your Salesforce admin these details. An unhandled fault has "
        f'occurred in this flow. Error ID: {error_id}"'
    )


def trigger_failure(record_id: str) -> str:
    """A failing trigger: the message names the record it failed on."""
    return (
        '"CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY: LeadTrigger: execution of AfterUpdate caused by: '
        f"System.DmlException: Update failed. First exception on row 0 with id {record_id}; "
        'first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Phone required: [Phone]"'
    )


FLOW_SUBJECT = (
    "Lead: We can't save this record because the “Lead Assignment” process failed. Give your "
    "Salesforce admin these details. An un…"
)
CASES = [
    scenario(
        "fires_when_one_rule_fails_min_errors_times",
        repeated(COMPANY_RULE, 5),
        {SUBJECT: "warning"},
    ),
    scenario("stays_silent_one_error_below_min_errors", repeated(COMPANY_RULE, 4), {}),
    scenario(
        "stays_silent_when_no_single_rule_reaches_min_errors",
        repeated(COMPANY_RULE, 3) + repeated(COUNTRY_RULE, 2, first_record=10),
        {},
    ),
    *lookback_cases(COMPANY_RULE, {SUBJECT: "warning"}),
    scenario(
        "stays_silent_on_picklist_and_lock_errors",
        repeated(PICKLIST, 8) + repeated(LOCKED, 8, first_record=20),
        {},
    ),
    scenario(
        "is_critical_at_critical_records",
        repeated(COMPANY_RULE, 5),
        {SUBJECT: "critical"},
        critical_records=5,
    ),
    scenario(
        "is_a_warning_just_below_critical_records",
        repeated(COMPANY_RULE, 5),
        {SUBJECT: "warning"},
        critical_records=6,
    ),
    scenario(
        "one_rule_written_five_ways_is_one_group",
        [
            Failure(3, COMPANY_RULE, 1),
            Failure(3, COMPANY_RULE_WRAPPED, 2),
            Failure(2, COMPANY_RULE_WITH_FIELDS, 3),
            Failure(2, COMPANY_RULE_APEX, 4),
            Failure(1, COMPANY_RULE_WRAPPED, 5),
        ],
        {SUBJECT: "warning"},
    ),
    scenario(
        "flow_failures_that_differ_only_in_their_error_id_are_one_group",
        [Failure(2, flow_failure(f"11832{n}-3829{n} (-14264{n})"), n) for n in range(5)],
        {FLOW_SUBJECT: "warning"},
    ),
    scenario(
        "trigger_failures_on_different_records_are_one_group",
        [Failure(2, trigger_failure(f"00Q5e00000ABC{n:02d}AAA"), n) for n in range(5)],
        {
            "Lead: LeadTrigger: execution of AfterUpdate caused by: System.DmlException: "
            "Update failed. First exception on row 0 with id <…": "warning"
        },
    ),
    scenario(
        "required_fields_missing_keeps_its_field_list_apart",
        repeated(MISSING_COMPANY, 3) + repeated(MISSING_LAST_NAME, 3, first_record=10),
        {},
    ),
    scenario(
        "judges_each_object_on_its_own",
        repeated(COMPANY_RULE, 5) + repeated(COMPANY_RULE, 5, first_record=10, obj="Contact"),
        {SUBJECT: "warning", f"Contact: {RULE}": "warning"},
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_validation_rule_failures_scenario(store: Store, tmp_path: Path, case: Case):
    assert JUDGE.imported_case(store, tmp_path, case).severities == case.expect


def test_validation_rule_failures_evidence_names_code_rule_records_and_time_span(store, tmp_path):
    rows = [
        *repeated(COMPANY_RULE_WITH_FIELDS, 4, hours_ago=6),
        Failure(1, COMPANY_RULE, 1),  # record 1 retried: one more error, no new record
    ]
    JUDGE.import_errors(store, tmp_path, rows)
    finding = JUDGE.evaluate(store).findings[SUBJECT]
    assert finding.evidence == {
        "object": "Lead",
        "code": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "rule_message": RULE,
        "fields": ["Company"],
        "errors": 5,
        "records": 4,
        "first_seen": finding.evidence["first_seen"],
        "last_seen": finding.evidence["last_seen"],
        "sample_record_ids": [f"00Q5e00000{n:08d}" for n in range(1, 5)],
        "sample_message": COMPANY_RULE,
    }
    assert finding.evidence["first_seen"].startswith("2026-11-20 09:00:00")
    assert finding.evidence["last_seen"].startswith("2026-11-20 14:00:00")
    assert finding.owner == "Salesforce admin"
    assert finding.check == "validation_rule_failures"
    assert RULE in finding.title
    assert "bypass" in finding.detail


def test_validation_rule_failures_names_the_missing_fields(store, tmp_path):
    JUDGE.import_errors(store, tmp_path, repeated(MISSING_LAST_NAME, 5))
    finding = JUDGE.evaluate(store).findings[
        "Lead: Required fields are missing: [LastName, Company]"
    ]
    assert finding.evidence["code"] == "REQUIRED_FIELD_MISSING"
    assert finding.evidence["fields"] == ["Company", "LastName"]


def test_validation_rule_failures_keeps_subjects_to_120_characters_of_the_rule(store, tmp_path):
    rule = "Opportunity stage may only move forward " * 5  # 200 characters
    JUDGE.import_errors(store, tmp_path, repeated(f"FIELD_CUSTOM_VALIDATION_EXCEPTION: {rule}", 5))
    (finding,) = JUDGE.evaluate(store)
    assert finding.subject == "Lead: " + rule.strip()[:119] + "…"
    assert len(finding.subject.removeprefix("Lead: ")) == 120
    assert finding.evidence["rule_message"] == rule.strip()


def test_validation_rule_failures_through_the_runner_opens_escalates_and_resolves(store, tmp_path):
    JUDGE.import_errors(store, tmp_path, repeated(COMPANY_RULE, 5, hours_ago=3))
    overrides = {"validation_rule_failures": {"critical_records": 8}}
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK], overrides=overrides)
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition, t.severity) for t in summary.transitions] == [
        (SUBJECT, "opened", "warning")
    ]

    JUDGE.import_errors(store, tmp_path, repeated(COMPANY_RULE, 5, hours_ago=1, first_record=10))
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK], overrides=overrides)
    assert [(t.subject, t.transition, t.severity) for t in summary.transitions] == [
        (SUBJECT, "escalated", "critical")
    ]
    assert store.query("findings_open", instance=INSTANCE)["subject"].tolist() == [SUBJECT]

    # A bypass for the sync user: a day later's export has no new errors of the rule, and the
    # old ones are out of its window.
    export_reaches(store, INSTANCE, NOW + timedelta(hours=24))
    summary = run_checks(store, INSTANCE, NOW + timedelta(hours=24), checks=[CHECK])
    assert [(t.subject, t.transition) for t in summary.transitions] == [(SUBJECT, "resolved")]
    assert store.query("findings_open", instance=INSTANCE).empty
