"""permission_failures never advises a grant that cannot work (issue 13): writes to system,
audit and formula fields, and cross-reference errors, through the public import paths.

Evidence: fixtures/real/salesforce/sobject_describe_lead_v59.json (CreatedDate, SystemModstamp,
IsDeleted ... are neither updateable nor createable), sobject_describe_account_with_formula_
field_v53.json (a real formula field), fixtures/real/marketo/contact_owner_change_limitation_
blog.md (Marketo cannot change a Contact's owner; the error it gets)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.collectors.exports import import_file
from monitor.store import Store
from tests.checks.harness import judge
from tests.conftest import REAL_FIXTURES
from tests.test_cli import monitor

INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
HEADER = "Failed On,Date/Time,Error Type,Error Details,Object,Marketo ID,Salesforce ID"
AUDIT_FIELDS = (
    'Failed to update SFDC,"INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: '
    "LastModifiedDate, IsDeleted, SystemModstamp, CreatedById, CreatedDate, Lead_Score__c. "
    "Please check the security settings of this field and verify that it is read/write for "
    'your profile or permission set."'
)
# As Adobe's Marketo Whisperer blog quotes it (contact_owner_change_limitation_blog.md).
CROSS_REFERENCE = (
    'Failed to update SFDC,"Failed to update SFDC {INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY'
    ': insufficient access rights on cross-reference id}"'
)
FORMULA = (
    'Failed to update SFDC,"INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: '
    'playgroundorg__Owners_Manager_Name__c. Please check the security settings"'
)

evaluate = partial(judge, "permission_failures", instance=INSTANCE, now=NOW)


def import_errors(store: Store, tmp_path: Path, *rows: tuple[str, str, str]) -> None:
    """(error columns, object, Salesforce id) rows, an hour before NOW."""
    at = f"{NOW - timedelta(hours=1):%m/%d/%Y %I:%M %p}"
    lines = [HEADER] + [
        f"Record Level,{at},{error},{obj},{n},{sfdc}" for n, (error, obj, sfdc) in enumerate(rows)
    ]
    path = tmp_path / "errors.csv"
    path.write_text("\n".join(lines) + "\n")
    import_file(store, "sync-errors", path, instance=INSTANCE, zone=ZoneInfo("UTC"))


def import_describe(store: Store, name: str) -> None:
    """A real describe response (fixtures/real/salesforce/`name`), collected a day before NOW."""
    path = REAL_FIXTURES / "salesforce" / name
    import_file(
        store,
        "describe",
        path,
        instance=INSTANCE,
        zone=ZoneInfo("UTC"),
        now=NOW - timedelta(days=1),
    )


def test_audit_fields_make_one_finding_for_the_marketo_admin_and_no_grant(store, tmp_path):
    import_describe(store, "sobject_describe_lead_v59.json")
    import_errors(store, tmp_path, (AUDIT_FIELDS, "Lead", "00Q5e000001AbCdEAA"))
    outcomes = evaluate(store)

    read_only = outcomes.finding("Lead: read-only fields")
    assert read_only.owner == "Marketo admin"
    assert read_only.evidence["fields"] == {
        "system": ["CreatedById", "CreatedDate", "IsDeleted", "LastModifiedDate", "SystemModstamp"]
    }
    assert "grant" not in read_only.evidence
    assert "Stop writing these Lead fields" in read_only.evidence["advice"]
    # No finding per system field, none advising field-level security on one.
    assert not [s for s in outcomes.findings if s.startswith("Lead.") and "Score" not in s]
    # The custom field in the same message is one a grant opens.
    assert "Lead.Lead_Score__c" in outcomes.findings["Lead.Lead_Score__c"].evidence["grant"]


def test_a_formula_field_the_describe_names_is_read_only_too(store, tmp_path):
    import_describe(store, "sobject_describe_account_with_formula_field_v53.json")
    import_errors(store, tmp_path, (FORMULA, "Account", "0015e000001AbCdEAA"))
    finding = evaluate(store).finding("Account: read-only fields")
    assert finding.evidence["fields"] == {"formula": ["playgroundorg__Owners_Manager_Name__c"]}
    assert finding.owner == "Marketo admin"


def test_a_cross_reference_error_on_a_contact_update_is_marketos_owner_limitation(store, tmp_path):
    import_errors(
        store,
        tmp_path,
        (CROSS_REFERENCE, "Contact", "0035e000001AbCdEAA"),
        (CROSS_REFERENCE, "Lead", "00Q5e000001AbCdEAA"),
    )
    outcomes = evaluate(store)

    contact = outcomes.finding("Contact: owner change")
    assert contact.owner == "Marketo admin"
    assert "cannot change a Contact's owner" in contact.evidence["advice"]
    lead = outcomes.finding("Lead: referenced records")
    assert lead.owner == "Salesforce admin"
    assert "sharing access" in lead.evidence["advice"]
    for finding in (contact, lead):
        assert "grant" not in finding.evidence
        assert "CRUD" not in finding.detail and "Object Settings" not in finding.detail
    assert "Contact" not in outcomes.findings and "Lead" not in outcomes.findings


def test_cli_a_four_column_export_imports_and_opens_its_findings(tmp_path):
    # Adobe documents four Sync Errors columns (sync_errors_fields_doc.md): no object, no ids.
    export = tmp_path / "errors.csv"
    at = datetime.now(UTC) - timedelta(hours=1)
    export.write_text(
        "Failed On,Date/Time,Error Type,Error Details\n"
        f"Record Level,{at:%m/%d/%Y %I:%M %p},{AUDIT_FIELDS}\n"
        f"Record Level,{at:%m/%d/%Y %I:%M %p},{CROSS_REFERENCE}\n"
    )
    db = tmp_path / "m.duckdb"
    imported = monitor("import", "sync-errors", str(export), db=db)
    assert imported.returncode == 0, imported.stderr
    checked = monitor("check", "--json", db=db)
    # Every check ran on this shape (a check that fails makes the verb exit 1).
    assert checked.returncode == 0, checked.stderr
    findings = {f["subject"]: f for f in json.loads(checked.stdout)}
    assert findings["(unknown object).Lead_Score__c"]["check"] == "permission_failures"
    assert findings["(unknown object): read-only fields"]["owner"] == "Marketo admin"
    assert "(unknown object): referenced records" in findings
