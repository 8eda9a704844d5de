"""The demo workspace's data hygiene: what the Salesforce collector's daily hygiene pass would
have stored, written through the same tables, always as demo data.

Story:
- daily fill counts of the synced fields: most are well filled, but Lead.Lead_Status_Reason__c
  (set only on disqualified leads) and Account.Tier__c (a retired segmentation) are almost
  empty (unused_fields fires);
- 143 email addresses shared by several unconverted leads, role addresses worst
  (duplicate_leads fires);
- the Do_Not_Sync__c checkbox on Lead keeps a few percent of leads out of the sync, while the
  nightly enrichment job drives much of the inflow (sync_filter reports it);
- a synced custom object, Webinar_Attendance__c, that has hardly changed in a month
  (custom_objects fires).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from monitor.store.facts import insert_frame
from monitor.store.snapshots import write_describe_snapshot

SOURCE = "demo"
RECORDS = {"Lead": 48_200, "Contact": 31_400, "Account": 6_150, "Opportunity": 2_870}
# Share of records filling each counted field. Fields the collector does not count are left
# out: required ones (always filled), checkboxes, formulas, Id.
FILL_SHARES = {
    "Lead": {
        "Email": 0.93,
        "FirstName": 0.88,
        "Country": 0.71,
        "State": 0.64,
        "Rating": 0.38,
        "ConvertedDate": 0.12,
        "ConvertedAccountId": 0.12,
        "ConvertedContactId": 0.12,
        "ConvertedOpportunityId": 0.07,
        "MasterRecordId": 0.002,
        "Lead_Score__c": 0.81,
        "Behavior_Score__c": 0.66,
        "Lead_Status_Reason__c": 0.006,  # set only when a lead is disqualified
    },
    "Contact": {
        "Email": 0.97,
        "FirstName": 0.95,
        "AccountId": 0.99,
        "MailingState": 0.72,
        "MailingCountry": 0.81,
        "Contact_Score__c": 0.74,
    },
    "Account": {
        "AnnualRevenue": 0.58,
        "Industry": 0.77,
        "Type": 0.83,
        "Account_Score__c": 0.69,
        "Tier__c": 0.004,  # a retired segmentation
    },
    "Opportunity": {"AccountId": 0.98, "Amount": 0.91},
}
DUPLICATED_VALUES = 143
ROLE_ADDRESSES = (  # the worst duplicates: shared inboxes typed into forms by many people
    ("info@northwind.example", 9),
    ("sales@contoso.example", 7),
    ("marketing@fabrikam.example", 6),
    ("jane.alvarez@northwind.example", 5),
    ("admin@tailspin.example", 5),
)
DO_NOT_SYNC_SHARE = 0.047
IDLE_OBJECT = "Webinar_Attendance__c"
IDLE_OBJECT_RECORDS = 18_400
IDLE_OBJECT_CHANGES = (
    (22, 1),
    (9, 2),
)  # (days ago, records): all that changed in a month


def _captures(now: datetime) -> list[datetime]:
    """The hygiene pass at 02:00 UTC on the last three days (never after `now`)."""
    today = pd.Timestamp(now).floor("D") + timedelta(hours=2)
    moments = [today - timedelta(days=days) for days in range(3)]
    return sorted(m.to_pydatetime() for m in moments if m <= pd.Timestamp(now))


def _fill(at: datetime, growth: int) -> pd.DataFrame:
    """One day's fill counts; the objects grow by 0.05 % a day."""
    rows = []
    for object_name, shares in FILL_SHARES.items():
        total = RECORDS[object_name] * (2_000 + growth) // 2_000
        rows += [
            (object_name, field, total, round(total * share)) for field, share in shares.items()
        ]
    frame = pd.DataFrame(rows, columns=["object", "field", "records", "filled"])
    return frame.assign(captured_at=at)


def _duplicates(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = [
        (f"{first}.{last}@{domain}", int(n))
        for first, last, domain, n in zip(
            rng.choice(["anna", "ben", "carla", "dev", "eli", "fay", "gus", "hana"], 600),
            rng.choice(["ng", "ortiz", "patel", "quinn", "roth", "silva", "tan", "ueda"], 600),
            rng.choice(["acme.example", "globex.example", "initech.example"], 600),
            rng.choice([2, 2, 2, 3], 600),
            strict=True,
        )
    ]
    groups = dict(ROLE_ADDRESSES)
    for value, n in people:
        if len(groups) == DUPLICATED_VALUES:
            break
        groups.setdefault(value, n)
    values = pd.DataFrame(list(groups.items()), columns=["value", "records"])
    values = values.assign(object="Lead", field="Email")
    summary = pd.DataFrame(
        [("Lead", "Email", len(values), int(values["records"].sum()), False)],
        columns=["object", "field", "duplicated_values", "records", "is_capped"],
    )
    return values, summary


def _do_not_sync(at: datetime) -> pd.DataFrame:
    left_out = round(RECORDS["Lead"] * DO_NOT_SYNC_SHARE)
    return pd.DataFrame(
        [
            ("Lead", "Do_Not_Sync__c", at, "true", left_out),
            ("Lead", "Do_Not_Sync__c", at, "false", RECORDS["Lead"] - left_out),
        ],
        columns=["object", "field", "captured_at", "value", "records"],
    )


def _idle_object(start: datetime, now: datetime) -> tuple[dict, pd.DataFrame]:
    """The custom object's describe and its hourly inflow and sync writes (almost all 0)."""
    describe = {
        "name": IDLE_OBJECT,
        "label": "Webinar Attendance",
        "custom": True,
        "fields": [
            {"name": name, "label": label, "type": kind, "custom": name.endswith("__c")}
            | {"calculated": False, "calculatedFormula": None, "updateable": name != "Id"}
            | {"createable": name != "Id", "length": 255 if kind == "string" else 0}
            for name, label, kind in (
                ("Id", "Record ID", "id"),
                ("Name", "Webinar Attendance Name", "string"),
                ("Webinar_Name__c", "Webinar Name", "string"),
                ("Attendee_Email__c", "Attendee Email", "email"),
                ("Attended__c", "Attended", "boolean"),
            )
        ],
    }
    hours = pd.date_range(start, now, freq="h", inclusive="right", unit="us")
    inflow = np.zeros(len(hours))
    for days_ago, records in IDLE_OBJECT_CHANGES:
        inflow[hours.searchsorted(pd.Timestamp(now) - timedelta(days=days_ago))] += records
    series = pd.concat(
        [
            pd.DataFrame(
                {
                    "ts": hours,
                    "direction": direction,
                    "metric": metric,
                    "value": values,
                }
            )
            for direction, metric, values in (
                ("sfdc_to_marketo", "inflow", inflow),
                ("marketo_to_sfdc", "throughput", np.zeros(len(hours))),
            )
        ],
        ignore_index=True,
    )
    return describe, series.assign(object=IDLE_OBJECT, provenance=SOURCE)


def write_hygiene_demo(
    con: duckdb.DuckDBPyConnection, instance: str, now: datetime, *, start: datetime | None = None
) -> int:
    """Write the demo's hygiene facts (see the module docstring) from `start` (default: 30 days
    before) to `now` inside the caller's transaction; return the rows added."""
    rng = np.random.default_rng(2026)  # its own stream: the rest of the demo stays put
    start = start or now - timedelta(days=30)
    values, summary = _duplicates(rng)
    rows = 0
    # The days grow older to newer: the latest count has the most records.
    for growth, at in enumerate(_captures(now)):
        frames = {
            "field_fill": _fill(at, growth),
            "duplicate_values": values.assign(captured_at=at),
            "duplicate_summary": summary.assign(captured_at=at),
            "field_value_counts": _do_not_sync(at),
        }
        for table, frame in frames.items():
            rows += insert_frame(con, table, frame.assign(instance=instance, source=SOURCE))
        idle_count = pd.DataFrame(
            [(IDLE_OBJECT, "Webinar_Name__c", IDLE_OBJECT_RECORDS, IDLE_OBJECT_RECORDS - 12)],
            columns=["object", "field", "records", "filled"],
        )
        rows += insert_frame(
            con, "field_fill", idle_count.assign(instance=instance, captured_at=at, source=SOURCE)
        )
    describe, series = _idle_object(start, now)
    rows += write_describe_snapshot(con, instance, describe, start, SOURCE)
    rows += insert_frame(con, "sync_stats", series.assign(instance=instance))
    return rows
