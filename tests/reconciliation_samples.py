"""Reconciliation samples as the tests feed them: Salesforce records and their Marketo leads
compared by the collector's own compare_records (which masks) and stored through
monitor.store.reconciliation (the path the job and the demo share)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from monitor.collectors.marketo.client import MarketoClient, marketo_login_from
from monitor.collectors.reconciliation.collect import (
    ReconciliationReport,
    collect_reconciliation,
    compare_records,
)
from monitor.store import Store
from monitor.store.reconciliation import write_reconciliation
from tests.collectors.salesforce.collecting import client_for, cycle
from tests.conftest import REAL_FIXTURES
from tests.standins.marketo import MarketoStandIn
from tests.standins.salesforce import SalesforceStandIn

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
REAL_LEAD = json.loads((REAL_FIXTURES / "salesforce" / "sobject_lead_record_v42.json").read_text())
FILTER_DOC = json.loads(
    (REAL_FIXTURES / "marketo" / "leads_get_by_filter_type_response_doc.json").read_text()
)
SECRET_EMAIL = "jane.private@initech.example"  # must never leave the store unmasked
FIELDS = [
    {
        "field": "Email",
        "marketo_field": "email",
        "field_type": "email",
        "length": 255,
        "labels": {},
        "is_formula": False,
        "is_readable": True,
    },
    {
        "field": "Company",
        "marketo_field": "company",
        "field_type": "string",
        "length": 255,
        "labels": {},
        "is_formula": False,
        "is_readable": True,
    },
    {
        "field": "Account_Tier__c",
        "marketo_field": "Account_Tier__c",
        "field_type": "string",
        "length": 255,
        "labels": {},
        "is_formula": True,
        "is_readable": True,
    },
    {
        "field": "Region__c",
        "marketo_field": "Region__c",
        "field_type": "picklist",
        "length": 255,
        "labels": {"EMEA": "Europe, Middle East and Africa"},
        "is_formula": False,
        "is_readable": True,
    },
]


def sfdc_id(object_name: str, n: int) -> str:
    """An 18-character id whose first 15 (what identifies the record) differ per `n`."""
    return f"{'00Q' if object_name == 'Lead' else '003'}5e{n:010d}AAA"


def stamp(moment: datetime) -> str:
    """`moment` as Salesforce writes a datetime field (SystemModstamp)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def sample_frames(
    object_name: str,
    records: int,
    *,
    now: datetime,
    stale_tier: int = 0,
    wrong_email: int = 0,
    hidden: tuple[str, ...] = (),
    behind: int = 0,
) -> dict[str, pd.DataFrame]:
    """`records` Salesforce records and their Marketo leads; the first `stale_tier` have
    another Account_Tier__c in Marketo (a stale formula), the next `wrong_email` another
    email (the Salesforce side holds SECRET_EMAIL). Fields in `hidden` are unreadable for
    the sync user; the next `behind` changed Company in Salesforce 5 hours ago, after
    Marketo's last update of the lead (3 days ago). Picklist labels and number forms match
    by the sync's rules."""
    salesforce, marketo = [], {}
    for n in range(records):
        record_id = sfdc_id(object_name, n)
        record = {
            "Id": record_id,
            "SystemModstamp": stamp(now - timedelta(days=100)),
            "Email": SECRET_EMAIL if n >= stale_tier else f"p{n}@acme.example",
            "Company": "Acme",
            "Account_Tier__c": "Gold",
            "Region__c": "EMEA",
        }
        lead = {
            "id": 5000 + n,
            "sfdcLeadId" if object_name == "Lead" else "sfdcContactId": record_id,
            "email": record["Email"],
            "company": "Acme ",  # trailing blank: the same by the sync's rules
            "Account_Tier__c": "Silver" if n < stale_tier else "Gold",
            "Region__c": "Europe, Middle East and Africa",  # the label: the same
        }
        if stale_tier <= n < stale_tier + wrong_email:
            lead["email"] = "someone.else@initech.example"
        lead["updatedAt"] = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if stale_tier + wrong_email <= n < stale_tier + wrong_email + behind:
            record["SystemModstamp"] = (now - timedelta(hours=5)).isoformat()
            record["Company"] = "Acme Holdings"
            lead["updatedAt"] = (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        salesforce.append(record)
        marketo[record_id[:15]] = lead
    fields = [{**f, "is_readable": f["field"] not in hidden} for f in FIELDS]
    counts, field_rows, mismatches = compare_records(
        object_name,
        salesforce,
        marketo,
        fields,
        {r["Id"]: "untouched" for r in salesforce},
        pd.Timestamp(now - timedelta(hours=1)),
    )
    run = {
        "object": object_name,
        "seed": 1,
        "recent": 0,
        "untouched": records,
        **counts,
        "salesforce_calls": 2,
        "marketo_calls": 3,
    }
    return {
        "runs": pd.DataFrame([run]),
        "fields": pd.DataFrame(field_rows),
        "mismatches": pd.DataFrame(
            mismatches,
            columns=[
                "object",
                "field",
                "sfdc_id",
                "marketo_id",
                "stratum",
                "salesforce_value",
                "marketo_value",
                "system_modstamp",
                "marketo_updated_at",
            ],
        ),
    }


def write_sample(store: Store, now: datetime, instance: str = "prod", **changes: Any) -> datetime:
    """Store one Lead sample taken an hour before `now`; returns its time."""
    sampled_at = now - timedelta(hours=1)
    frames = sample_frames("Lead", changes.pop("records", 100), now=sampled_at, **changes)
    with store.write() as con:
        from monitor.store.facts import ensure_instance

        ensure_instance(con, instance)
        write_reconciliation(con, instance, sampled_at, frames, "test")
    return sampled_at


def script_org(
    salesforce: SalesforceStandIn,
    marketo: MarketoStandIn,
    *,
    differing: int,
    leads: int = 60,
    contacts: int = 10,
    now: datetime = NOW,
) -> None:
    """`leads` leads (the first half recent, the rest long untouched; the real record's shape
    and values, new ids) and `contacts` contacts; Marketo holds each the way its documented
    lead record looks (REST names, `Z` times, numbers as numbers); the first `differing`
    leads have another title there."""
    template = next(iter(FILTER_DOC["result"]))
    for n in range(leads):
        age = timedelta(days=2) if n < leads // 2 else timedelta(days=120)
        record_id = f"00Q4S000{n:07d}AAA"
        record = {
            **{k: v for k, v in REAL_LEAD.items() if k != "attributes"},
            "Id": record_id,
            "Title": "VP Marketing",
            "AnnualRevenue": 1250000.0,
            "SystemModstamp": stamp(now - age),
        }
        salesforce.records.setdefault("Lead", []).append(record)
        marketo.leads.append(
            {
                "id": template["id"] + n,
                "sfdcLeadId": record_id,
                "updatedAt": template["updatedAt"],
                "lastName": record["LastName"],
                "company": record["Company"],
                "email": record["Email"],
                "title": "Head of Growth" if n < differing else "VP Marketing",
                "annualRevenue": 1250000,
            }
        )
    for n in range(contacts):
        record_id = f"0034S000{n:07d}AAA"
        salesforce.records.setdefault("Contact", []).append(
            {
                "Id": record_id,
                "LastName": "Lincoln",
                "FirstName": "Abraham",
                "Email": "abe@usa.gov",
                "SystemModstamp": stamp(now - timedelta(days=200)),
            }
        )
        marketo.leads.append(
            {
                "id": 318581 + n,
                "sfdcContactId": record_id,
                "lastName": "Lincoln",
                "firstName": "Abraham",
                "email": "abe@usa.gov",
            }
        )


def reconcile(
    store: Store,
    salesforce: SalesforceStandIn,
    marketo: MarketoStandIn,
    config: Any,
    *,
    collected: datetime,
    sampled: datetime,
) -> tuple[ReconciliationReport, int, int]:
    """A Salesforce cycle at `collected` (the describe the sample compares by), then one sample
    at `sampled` with the real clients; the report and the calls each side received."""
    cycle(store, client_for(salesforce), collected, config=config)
    sf_calls, mk_calls = salesforce.calls(), marketo.rest_calls()
    report = collect_reconciliation(
        store,
        client_for(salesforce),
        MarketoClient(marketo_login_from(marketo.secrets()), sleep=lambda s: None),
        config,
        "prod",
        sampled,
    )
    return report, salesforce.calls() - sf_calls, marketo.rest_calls() - mk_calls
