"""schema_drift on a real DuckDB file: real describe responses (and copies of them changed the
way Setup changes them) imported through the public describe import, Setup Audit Trail rows
written the way the collector writes them, with display texts of the real audit trail."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from checks import get_check
from monitor.collectors.exports import import_file
from monitor.collectors.salesforce.audit import audit_rows
from monitor.incidents import open_incidents
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.facts import insert_frame
from tests.checks.harness import NOT_EVALUATED, SILENT, judge
from tests.conftest import REAL_FIXTURES

REAL = REAL_FIXTURES / "salesforce"
LEAD = json.loads((REAL / "sobject_describe_lead_v42_devorg.json").read_text(encoding="utf-8"))
CONTACT = json.loads((REAL / "sobject_describe_contact.json").read_text(encoding="utf-8"))
CHECK = get_check("schema_drift")
INSTANCE = "prod"
BEFORE_AT = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
CHANGED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ADMIN = "j.smith@acme.example"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "monitor.duckdb")


def describe(store: Store, tmp_path: Path, body: dict[str, Any], at: datetime) -> None:
    """Import a describe response as if it were collected at `at`."""
    path = tmp_path / f"describe-{body['name']}-{at:%Y%m%d%H%M}.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    import_file(store, "describe", path, instance=INSTANCE, zone=ZoneInfo("UTC"), now=at)


def changed(body: dict[str, Any], edit: Callable[[dict[str, dict[str, Any]]], None]) -> dict:
    """A copy of a describe with `edit` applied to its fields (by name; delete to remove)."""
    body = copy.deepcopy(body)
    fields = {f["name"]: f for f in body["fields"]}
    edit(fields)
    body["fields"] = list(fields.values())
    return body


def audit(store: Store, *events: tuple[str, str, str, datetime]) -> None:
    """SetupAuditTrail records (action, section, display, when) as the REST API returns them."""
    records = [
        {
            "Id": f"0Ym{index:015d}",
            "CreatedDate": f"{at:%Y-%m-%dT%H:%M:%S}.000+0000",
            "CreatedBy": {"Username": ADMIN},
            "Action": action,
            "Section": section,
            "Display": display,
        }
        for index, (action, section, display, at) in enumerate(events)
    ]
    with store.write() as con:
        insert_frame(con, "audit_events", audit_rows(INSTANCE, records))


evaluate = partial(judge, CHECK, instance=INSTANCE, now=NOW)
EVENT_AT = CHANGED_AT - timedelta(minutes=20)
# The audit event of Lead.NumberofLocations__c turned from Number into Text.
TYPE_CHANGED = (
    "changedCFType",
    "Customize Leads",
    "Changed field type of Number of Locations custom field from Number to Text",
    EVENT_AT,
)


def type_change(store: Store, tmp_path: Path) -> None:
    """An admin turns Lead.NumberofLocations__c from Number into Text (audit event between the
    two describes)."""

    def to_text(fields):
        fields["NumberofLocations__c"].update(type="string", length=255)

    describe(store, tmp_path, LEAD, BEFORE_AT)
    audit(store, TYPE_CHANGED)
    describe(store, tmp_path, changed(LEAD, to_text), CHANGED_AT)


def api_rename(store: Store, tmp_path: Path) -> None:
    """An admin renames the API name SICCode__c to SIC_Code__c (audit event between the two
    describes)."""

    def rename(fields):
        old = fields.pop("SICCode__c")
        fields["SIC_Code__c"] = {**old, "name": "SIC_Code__c"}

    describe(store, tmp_path, LEAD, BEFORE_AT)
    audit(
        store,
        (
            "changedCFDevName",
            "Customize Leads",
            "Changed field name of SIC Code custom field from SICCode to SIC_Code",
            EVENT_AT,
        ),
    )
    describe(store, tmp_path, changed(LEAD, rename), CHANGED_AT)


def test_a_clean_day_with_unchanged_describes_stays_silent(store, tmp_path):
    describe(store, tmp_path, LEAD, BEFORE_AT)
    describe(store, tmp_path, LEAD, CHANGED_AT)  # same content: no new snapshot
    describe(store, tmp_path, CONTACT, CHANGED_AT)
    outcomes = evaluate(store)
    assert outcomes.findings == {}, outcomes


def test_without_a_describe_the_check_says_it_cannot_judge(store):
    assert evaluate(store).outcome("describe") == NOT_EVALUATED


def test_a_type_change_is_critical_and_names_who_changed_it(store, tmp_path):
    type_change(store, tmp_path)
    finding = evaluate(store).finding("Lead.NumberofLocations__c")
    assert finding.severity == "critical" and finding.owner == "Salesforce admin"
    assert finding.evidence["kind"] == "type_changed"
    assert finding.evidence["before"]["type"] == "double"
    assert finding.evidence["after"]["type"] == "string"
    assert finding.evidence["audit_event"]["actor"] == ADMIN
    assert finding.evidence["audit_event"]["action"] == "changedCFType"
    assert "deletes every value" in finding.evidence["consequence"]
    assert "export the field's values from Marketo" in finding.evidence["fix"]
    assert ADMIN in finding.detail and "from double to string" in finding.detail


def test_a_renamed_api_name_is_one_finding_naming_the_new_field(store, tmp_path):
    api_rename(store, tmp_path)
    outcomes = evaluate(store)
    finding = outcomes.finding("Lead.SICCode__c")
    assert finding.evidence["kind"] == "renamed"
    assert finding.evidence["new_field"] == "SIC_Code__c"
    assert "creates a new field" in finding.evidence["consequence"]
    assert finding.evidence["audit_event"]["action"] == "changedCFDevName"
    assert outcomes.outcome("Lead.SIC_Code__c") == SILENT  # not also "a new field"


def test_a_deleted_field_is_a_warning_with_the_deletion_event(store, tmp_path):
    def delete(fields):
        del fields["ProductInterest__c"]

    describe(store, tmp_path, LEAD, BEFORE_AT)
    deletion = "Deleted custom field Product Interest"
    audit(store, ("deletedCF", "Customize Leads", deletion, EVENT_AT))
    describe(store, tmp_path, changed(LEAD, delete), CHANGED_AT)
    finding = evaluate(store).finding("Lead.ProductInterest__c")
    assert finding.severity == "warning"
    assert finding.evidence["kind"] == "removed"
    assert finding.evidence["after"] == {}
    assert finding.evidence["audit_event"]["detail"] == "Deleted custom field Product Interest"


def test_a_field_hidden_without_an_audit_event_says_so(store, tmp_path):
    def hide(fields):
        del fields["Primary__c"]

    describe(store, tmp_path, LEAD, BEFORE_AT)
    describe(store, tmp_path, changed(LEAD, hide), CHANGED_AT)
    finding = evaluate(store).finding("Lead.Primary__c")
    assert finding.evidence["audit_event"] is None
    assert "No Setup Audit Trail event names this field" in finding.detail


def test_a_field_that_became_required_is_critical(store, tmp_path):
    def require(fields):
        fields["CurrentGenerators__c"]["nillable"] = False

    describe(store, tmp_path, LEAD, BEFORE_AT)
    audit(
        store,
        (
            "changedCFOptionOffOn",
            "Customize Leads",
            "The custom field option Required for Current Generator(s) has changed from off to on",
            EVENT_AT,
        ),
    )
    describe(store, tmp_path, changed(LEAD, require), CHANGED_AT)
    finding = evaluate(store).finding("Lead.CurrentGenerators__c")
    assert finding.severity == "critical"
    assert finding.evidence["kind"] == "required_added"
    assert finding.evidence["after"]["required"] is True
    assert finding.evidence["audit_event"]["action"] == "changedCFOptionOffOn"


def test_a_required_field_the_sync_user_cannot_see_is_found_in_the_audit_trail(store, tmp_path):
    describe(store, tmp_path, LEAD, BEFORE_AT)
    audit(
        store,
        (
            "changedCFOptionOffOn",
            "Customize Leads",
            "The custom field option Required for Region has changed from off to on",
            EVENT_AT,
        ),
    )
    finding = evaluate(store).finding("Lead.Region")
    assert finding.severity == "critical"
    assert finding.evidence["kind"] == "required_hidden"
    assert finding.evidence["audit_event"]["actor"] == ADMIN


def test_picklist_values_removed_from_a_restricted_picklist_and_values_added(store, tmp_path):
    def edit(fields):
        interest = fields["ProductInterest__c"]
        interest["restrictedPicklist"] = True
        interest["picklistValues"] = interest["picklistValues"][:2]
        rating = fields["Rating"]
        rating["picklistValues"] = [
            *rating["picklistValues"],
            {**rating["picklistValues"][0], "label": "Frozen", "value": "Frozen"},
        ]

    describe(store, tmp_path, LEAD, BEFORE_AT)
    describe(store, tmp_path, changed(LEAD, edit), CHANGED_AT)
    outcomes = evaluate(store)
    removed = outcomes.finding("Lead.ProductInterest__c")
    assert removed.evidence["kind"] == "picklist_values_removed"
    assert removed.evidence["values"] == ["GC3000 series"]
    added = outcomes.finding("Lead.Rating")
    assert added.evidence["kind"] == "picklist_values_added"
    assert added.evidence["values"] == ["Frozen"]
    quiet = evaluate(store, report_new_picklist_values=False)
    assert quiet.outcome("Lead.Rating") == SILENT


def test_changes_older_than_the_lookback_are_no_longer_reported(store, tmp_path):
    def delete(fields):
        del fields["ProductInterest__c"]

    describe(store, tmp_path, LEAD, BEFORE_AT)
    describe(store, tmp_path, changed(LEAD, delete), CHANGED_AT)
    # Judged as of the newest snapshot: a later describe (of any object) moves the data time.
    describe(store, tmp_path, CONTACT, CHANGED_AT + timedelta(days=8))
    later = partial(judge, CHECK, instance=INSTANCE, now=CHANGED_AT + timedelta(days=8))
    assert later(store).outcome("Lead.ProductInterest__c") == SILENT


def test_the_contract_flags_documented_fields_the_sync_user_cannot_see(store, tmp_path):
    def hide(fields):
        del fields["AccountId"]

    describe(store, tmp_path, changed(CONTACT, hide), CHANGED_AT)
    finding = evaluate(store).finding("Contact.AccountId")
    assert finding.evidence["kind"] == "contract_not_visible"
    assert finding.evidence["required_by"] == "Marketo documentation"
    assert "cause_key" not in finding.evidence  # a state, not a change: its own incident


def test_the_contract_flags_fields_required_on_create_the_sync_user_cannot_edit(store, tmp_path):
    describe(store, tmp_path, LEAD, CHANGED_AT)
    path = tmp_path / "permissions.csv"
    path.write_text(
        "object,field,readable,editable\nLead,,true,true\nLead,Company,true,false\n",
        encoding="utf-8",
    )
    import_file(store, "permissions", path, instance=INSTANCE, zone=ZoneInfo("UTC"), now=NOW)
    outcomes = evaluate(store)
    finding = outcomes.finding("Lead.Company")
    assert finding.evidence["kind"] == "contract_not_editable"
    assert finding.evidence["required_by"] == "Salesforce (required on create)"
    assert outcomes.outcome("Lead.LastName") == SILENT  # required, and the sync user edits it


def test_one_schema_change_is_one_incident(store, tmp_path):
    def edit(fields):
        fields["NumberofLocations__c"].update(type="string", length=255)
        del fields["ProductInterest__c"]

    describe(store, tmp_path, LEAD, BEFORE_AT)
    audit(store, TYPE_CHANGED)
    describe(store, tmp_path, changed(LEAD, edit), CHANGED_AT)
    run_checks(store, INSTANCE, NOW, checks=[CHECK])
    incidents = open_incidents(store, INSTANCE)
    assert sum(len(i.findings) for i in incidents) == 2
    assert len(incidents) == 1
    [incident] = incidents
    assert incident.cause_key.startswith("schema_change:Lead|2026-11-20 06:00")
    assert "The Lead schema changed at 2026-11-20 06:00 UTC, changed by j.smith" in incident.title
    assert "export the field's values from Marketo" in incident.fix
