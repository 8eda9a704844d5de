"""picklist_data_errors on a real DuckDB file, fed through the public write paths: Marketo Sync
Errors CSVs (monitor.collectors.exports.import_file) and, for errors whose REST payload listed
the field,
Store.write() + insert_frame. Scenarios are data: error rows in, expected findings out,
including the explicit no-alert cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from checks import picklist_data_errors
from checks.base import check_from_module
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import insert_frame
from tests.checks.harness import Case, scenario
from tests.checks.sync_error_cases import SyncErrorJudge, lookback_cases
from tests.conftest import export_reaches
from tests.sync_errors import Failure, repeated

CHECK = check_from_module(picklist_data_errors)
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
JUDGE = SyncErrorJudge(CHECK, NOW, INSTANCE)


def picklist(value: str) -> str:
    """Error Details as Marketo shows a restricted-picklist failure."""
    return (
        "Failed to update SFDC {INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: "
        f"bad value for restricted picklist field: {value}}}"
    )


CALIFORNIA = picklist("California")
BILLING_STATE = (
    "\"FIELD_INTEGRITY_EXCEPTION: There's a problem with this state, even though it may appear "
    "correct. Please select a state from the list of valid states.: Billing State/Province: "
    '[BillingState]"'
)
LEAD_SOURCE = (
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Lead Source: bad value for restricted picklist "
    "field: Webinar: [LeadSource]"
)
VALIDATION = "FIELD_CUSTOM_VALIDATION_EXCEPTION: Company is required when Status is Qualified"
LOCKED = '"UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record"'


CASES = [
    scenario(
        "fires_when_one_bad_value_fails_min_errors_times",
        repeated(CALIFORNIA, 5),
        {"Lead": "warning"},
    ),
    scenario("stays_silent_one_error_below_min_errors", repeated(CALIFORNIA, 4), {}),
    scenario(
        "stays_silent_when_no_single_bad_value_reaches_min_errors",
        repeated(picklist("Texas"), 2)
        + repeated(picklist("Nevada"), 2, first_record=10)
        + repeated(picklist("Ohio"), 2, first_record=20),
        {},
    ),
    *lookback_cases(CALIFORNIA, {"Lead": "warning"}),
    scenario("min_errors_is_a_setting", repeated(CALIFORNIA, 3), {"Lead": "warning"}, min_errors=3),
    scenario(
        "stays_silent_on_validation_and_lock_errors",
        repeated(VALIDATION, 8) + repeated(LOCKED, 8, first_record=20),
        {},
    ),
    scenario(
        "fires_on_state_integrity_errors_that_name_no_value",
        repeated(BILLING_STATE, 5),
        {"Lead.BillingState": "warning"},
    ),
    scenario(
        "judges_each_field_on_its_own",
        repeated(LEAD_SOURCE, 5) + repeated(CALIFORNIA, 5, first_record=10),
        {"Lead.LeadSource": "warning", "Lead": "warning"},
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_picklist_data_errors_scenario(store: Store, tmp_path: Path, case: Case):
    assert JUDGE.imported_case(store, tmp_path, case).severities == case.expect


def test_picklist_data_errors_evidence_lists_bad_values_records_and_time_span(store, tmp_path):
    rows = [
        *repeated(CALIFORNIA, 4, hours_ago=6),
        Failure(3, CALIFORNIA, 1),  # record 1 retried: one more error, no new record
        *repeated(picklist("Calif."), 2, hours_ago=1, first_record=30),
        Failure(1, picklist("Texas"), 1),  # record 1 again, with another bad value
    ]
    JUDGE.import_errors(store, tmp_path, rows)
    finding = JUDGE.evaluate(store).findings["Lead"]
    evidence = finding.evidence
    assert evidence["bad_values"] == [
        {"value": "California", "errors": 5, "records": 4},
        {"value": "Calif.", "errors": 2, "records": 2},
        {"value": "Texas", "errors": 1, "records": 1},
    ]
    assert evidence["distinct_bad_values"] == 3
    assert evidence["errors"] == 8
    assert evidence["records"] == 6  # records 1-4 and 30-31, each counted once
    assert evidence["first_seen"].startswith("2026-11-20 09:00:00")
    assert evidence["last_seen"].startswith("2026-11-20 14:00:00")
    assert evidence["sample_record_ids"][:4] == [
        "00Q5e0000000000001",
        "00Q5e0000000000002",
        "00Q5e0000000000003",
        "00Q5e0000000000004",
    ]
    assert len(evidence["sample_record_ids"]) == 5
    assert evidence["codes"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert evidence["field"] == ""
    assert finding.owner == "Marketo admin"
    assert finding.check == "picklist_data_errors"
    assert '"California" (5)' in finding.title
    assert "Change Data Value" in finding.detail


def test_picklist_data_errors_lists_the_top_ten_bad_values(store, tmp_path):
    states = [f"State {n:02d}" for n in range(12)]
    rows = [
        Failure(2, picklist(s), 100 * i + n) for i, s in enumerate(states) for n in range(5 + i)
    ]
    JUDGE.import_errors(store, tmp_path, rows)
    evidence = JUDGE.evaluate(store).findings["Lead"].evidence
    assert [v["value"] for v in evidence["bad_values"]] == states[::-1][:10]
    assert evidence["distinct_bad_values"] == 12
    assert evidence["errors"] == sum(5 + i for i in range(12))


def test_picklist_data_errors_groups_by_the_field_the_message_names(store, tmp_path):
    JUDGE.import_errors(store, tmp_path, repeated(LEAD_SOURCE, 5))
    evidence = JUDGE.evaluate(store).findings["Lead.LeadSource"].evidence
    assert evidence["field"] == "LeadSource"
    assert evidence["field_label"] == "Lead Source"
    assert evidence["bad_values"] == [{"value": "Webinar", "errors": 5, "records": 5}]


def test_picklist_data_errors_a_state_error_without_a_value_says_so(store, tmp_path):
    JUDGE.import_errors(store, tmp_path, repeated(BILLING_STATE, 5))
    finding = JUDGE.evaluate(store).findings["Lead.BillingState"]
    assert finding.evidence["bad_values"] == [{"value": None, "errors": 5, "records": 5}]
    assert finding.evidence["codes"] == "FIELD_INTEGRITY_EXCEPTION"
    assert "(value not named)" in finding.title


def test_picklist_data_errors_uses_the_fields_list_of_a_rest_error(store):
    """A collector that kept the REST error's `fields` writes them to sync_errors.fields."""
    at = NOW - timedelta(hours=1)
    frame = pd.DataFrame(
        {
            "error_id": [f"e{n}" for n in range(5)],
            "instance": INSTANCE,
            "occurred_at": [at + timedelta(minutes=n) for n in range(5)],
            "object": "Contact",
            "sfdc_id": [f"0035e00000000{n:02d}" for n in range(5)],
            "error_code": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "category": "data_quality",
            "fields": [["MailingState"]] * 5,
            "owner": "Marketo admin",
            "error_message": "bad value for restricted picklist field: CA",
            "source": "salesforce",
        }
    )
    with store.write() as con:
        insert_frame(con, "sync_errors", frame)
    found = JUDGE.evaluate(store).findings
    assert list(found) == ["Contact.MailingState"]
    assert found["Contact.MailingState"].evidence["bad_values"][0]["value"] == "CA"


def test_picklist_data_errors_through_the_runner_opens_and_then_resolves(store, tmp_path):
    JUDGE.import_errors(store, tmp_path, repeated(CALIFORNIA, 6, hours_ago=3))
    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])
    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [("Lead", "opened")]
    assert store.query("findings_open", instance=INSTANCE)["subject"].tolist() == ["Lead"]

    # The smart campaign standardised the values: no new errors, the old ones age out.
    later = NOW + timedelta(hours=24)
    export_reaches(store, INSTANCE, later)
    summary = run_checks(store, INSTANCE, later, checks=[CHECK])
    assert [(t.subject, t.transition) for t in summary.transitions] == [("Lead", "resolved")]
    assert store.query("findings_open", instance=INSTANCE).empty
