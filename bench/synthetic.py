"""Deterministic synthetic data shaped like a busy org: sync errors, sync stats, describes.

Everything takes a seed, so two runs of a bench measure the same rows.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

CSV_HEADER = (
    "Failed On",
    "Date/Time",
    "Error Type",
    "Error Details",
    "Object",
    "Marketo ID",
    "Salesforce ID",
)
ERROR_TYPE = "Failed to update SFDC"
# Object -> (Salesforce key prefix, share of the errors).
ERROR_OBJECTS = {
    "Lead": ("00Q", 0.60),
    "Contact": ("003", 0.30),
    "Account": ("001", 0.07),
    "Opportunity": ("006", 0.03),
}
STATS_OBJECTS = (
    "Lead",
    "Contact",
    "Account",
    "Opportunity",
    "Campaign",
    "CampaignMember",
    "Task",
    "Event",
    "User",
    "Case",
)
DIRECTIONS = ("sfdc_to_marketo", "marketo_to_sfdc")
ID_ALPHABET = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype="S1"
)
STATES = (
    "Alabama",
    "Alaska",
    "Arizona",
    "Arkansas",
    "California",
    "Colorado",
    "Connecticut",
    "Delaware",
    "Florida",
    "Georgia",
    "Hawaii",
    "Idaho",
    "Illinois",
    "Indiana",
    "Iowa",
    "Kansas",
    "Kentucky",
    "Louisiana",
    "Maine",
    "Maryland",
    "Massachusetts",
    "Michigan",
    "Minnesota",
    "Mississippi",
    "Missouri",
    "Montana",
    "Nebraska",
    "Nevada",
    "Ohio",
    "Oklahoma",
    "Oregon",
    "Pennsylvania",
    "Tennessee",
    "Texas",
    "Utah",
    "Vermont",
    "Virginia",
    "Washington",
    "Wisconsin",
    "Wyoming",
    "New York",
    "New Jersey",
    "North Carolina",
    "South Dakota",
    "West Virginia",
    "CA",
)
VALIDATION_RULES = (
    "Please enter a valid 5-digit ZIP code.",
    "Phone number must be in the format (999) 999-9999.",
    "Lead Source is required when Status is Qualified.",
    "Annual Revenue cannot be negative.",
    "Country must be a 2-letter ISO code, e.g. US, DE or FR.",
    "Close Date cannot be in the past for open opportunities.",
    'Use the "Company" field for the legal entity name, not the website.',
    "Sales-accepted leads need an owner, a rating and a next step.",
    "Email domain is on the competitor block list.",
    "State is required for United States, Canada and Australia.",
    "Industry cannot be changed once the account is a customer.",
    "Please select a Lead Status Reason when the status is Disqualified.",
    "Only the Sales Ops team may change the account owner.",
    "Number of employees must be between 1 and 5,000,000.",
    "Title may not contain special characters such as <, > or %.",
)
VALIDATION_FIELDS = (
    "PostalCode",
    "Phone",
    "LeadSource",
    "AnnualRevenue",
    "Country",
    "CloseDate",
    "Company",
    "OwnerId",
    "Email",
    "State",
    "Industry",
    "OwnerId",
    "NumberOfEmployees",
    "Title",
    "Lead_Status_Reason__c",
)
FLOWS = (
    "Lead Assignment",
    "Contact Owner Sync",
    "Account Tiering",
    "Opportunity Stage Guard",
    "Round Robin Router",
    "Territory Update",
)


def _salesforce_id(rng: np.random.Generator, prefix: str) -> str:
    return prefix + "".join(rng.choice(ID_ALPHABET, 15).astype(str))


def error_messages(seed: int = 7) -> list[str]:
    """About 200 distinct Error Details as Marketo shows them for failed pushes."""
    rng = np.random.default_rng(seed)
    security = (
        "Please check the security settings of this field and verify that it is read/write "
        "for your profile or permission set."
    )
    messages = [
        f"INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: Field_{n}__c. {security}"
        for n in range(1, 46)
    ]
    for pair in ("Lead_Score__c, Rating", "Behavior_Score__c, Lead_Status_Reason__c"):
        messages.append(
            f"INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: {pair}. {security}"
        )
    messages.append("{UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record}")
    messages += [
        "{UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or 1 records: "
        + _salesforce_id(rng, "001")
        + "}"
        for _ in range(14)
    ]
    for rule, field in zip(VALIDATION_RULES, VALIDATION_FIELDS, strict=True):
        messages.append(f"FIELD_CUSTOM_VALIDATION_EXCEPTION: {rule}")
        messages.append(f"FIELD_CUSTOM_VALIDATION_EXCEPTION: {rule}: [{field}]")
    messages += [
        f"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value for restricted picklist field: {s}"
        for s in STATES
    ]
    for field, limit in (("Title", 128), ("Company", 255), ("City", 40), ("Street", 255)):
        for value in ("Senior Vice President, Global Demand Generation and", "x" * 64):
            messages.append(
                f"STRING_TOO_LONG: {field}: data value too large: {value}... (max length={limit})"
            )
    for missing in ("[LastName]", "[Company]", "[LastName, Company]", "[Name]", "[StageName]"):
        messages.append(f"REQUIRED_FIELD_MISSING: Required fields are missing: {missing}")
    for address in ("john.doe@@acme.com", "info@", "sales@acme", "a b@c.com", "test@test..com"):
        messages.append(f"INVALID_EMAIL_ADDRESS: Email: invalid email address: {address}")
    messages += [
        "DUPLICATE_VALUE: duplicate value found: External_Id__c duplicates value on record "
        f"with id: {_salesforce_id(rng, '00Q')}"
        for _ in range(17)
    ]
    messages += [
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: insufficient access rights on "
        f"cross-reference id: {_salesforce_id(rng, '005')}"
        for _ in range(8)
    ]
    messages += [
        f"CANNOT_EXECUTE_FLOW_TRIGGER: We can't save this record because the “{flow}” process "
        "failed. Give your Salesforce admin these details. This error occurred when the flow "
        "tried to update records: FIELD_CUSTOM_VALIDATION_EXCEPTION."
        for flow in FLOWS
    ]
    messages += [
        "CANNOT_UPDATE_CONVERTED_LEAD: cannot reference converted lead",
        "ENTITY_IS_DELETED: entity is deleted",
        "INSUFFICIENT_ACCESS_OR_READONLY: insufficient access rights on object id",
        "DUPLICATES_DETECTED: Use one of these records?",
        "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.",
        "UNKNOWN_EXCEPTION: An unexpected error occurred. Please include this ErrorId if you "
        "contact support: 1234567890-12345 (-1234567890)",
        "QUERY_TIMEOUT: Your query request was running for too long.",
    ]
    messages += [
        "FIELD_FILTER_VALIDATION_EXCEPTION: Value does not exist or does not match filter "
        f"criteria.: [{field}]"
        for field in ("AccountId", "OwnerId", "Partner_Account__c")
    ]
    messages += [
        f"FIELD_INTEGRITY_EXCEPTION: {what}"
        for what in (
            "field integrity exception: unknown (Lead.Country/State combination)",
            "There's a problem with this country, even though it may appear correct.",
            "There's a problem with this state, even though it may appear correct.",
        )
    ]
    return messages


def sync_error_frame(
    rows: int, end: datetime, days: int = 90, seed: int = 1, *, with_raw: bool = False
) -> pd.DataFrame:
    """`rows` push failures (1 % job level) spread over `days` before `end`, time-ordered.

    Columns are those monitor.store.sync_errors.write_sync_errors reads, plus `raw` (JSON text)
    when `with_raw`.
    """
    rng = np.random.default_rng(seed)
    messages = np.array(error_messages(seed + 6), dtype=object)
    # A few messages dominate, as in real orgs (Zipf-like weights over a shuffled list).
    weights = 1.0 / np.arange(1, len(messages) + 1) ** 1.1
    weights = rng.permutation(weights / weights.sum())
    details = messages[rng.choice(len(messages), rows, p=weights)]
    names = list(ERROR_OBJECTS)
    shares = np.array([ERROR_OBJECTS[n][1] for n in names])
    object_index = rng.choice(len(names), rows, p=shares / shares.sum())
    suffixes = rng.choice(ID_ALPHABET, (rows, 15)).view("S15").ravel().astype(str)
    prefixes = np.array([ERROR_OBJECTS[n][0] for n in names], dtype=object)[object_index]
    minutes = np.sort(rng.integers(0, days * 24 * 60, rows))
    start = pd.Timestamp(end).tz_convert("UTC").floor("min") - pd.Timedelta(days=days)
    is_job = rng.random(rows) < 0.01
    frame = pd.DataFrame(
        {
            "occurred_at": start + pd.to_timedelta(minutes + 1, unit="min"),
            "object": np.array(names, dtype=object)[object_index],
            "failed_on": np.where(is_job, "job", "record"),
            "marketo_id": rng.integers(1_000, 9_000_000, rows).astype(str),
            "sfdc_id": np.where(is_job, "", prefixes + suffixes),
            "error_type": ERROR_TYPE,
            "error_details": details,
        }
    )
    frame["marketo_id"] = frame["marketo_id"].where(~is_job, "")
    if with_raw:
        frame["raw"] = [
            json.dumps({"Error Details": d, "Salesforce ID": s})
            for d, s in zip(frame["error_details"], frame["sfdc_id"], strict=True)
        ]
    return frame


def write_sync_errors_csv(frame: pd.DataFrame, path: Path, zone: ZoneInfo) -> int:
    """Write `frame` as Marketo's Sync Errors CSV export (local times, US format); return bytes."""
    local = frame["occurred_at"].dt.tz_convert(zone).dt.tz_localize(None)
    # Format each distinct minute once: strftime on a million values takes seconds.
    codes, uniques = pd.factorize(local)
    stamps = np.asarray(uniques.strftime("%m/%d/%Y %I:%M %p"), dtype=object)[codes]
    export = pd.DataFrame(
        {
            "Failed On": np.where(frame["failed_on"] == "job", "Job Level", "Record Level"),
            "Date/Time": stamps,
            "Error Type": frame["error_type"],
            "Error Details": frame["error_details"],
            "Object": frame["object"],
            "Marketo ID": frame["marketo_id"],
            "Salesforce ID": frame["sfdc_id"],
        },
        columns=list(CSV_HEADER),
    )
    export.to_csv(path, index=False, lineterminator="\r\n")
    return path.stat().st_size


def sync_stats_month(start: datetime, end: datetime, instance: str, seed: int = 3) -> pd.DataFrame:
    """backlog, throughput and inflow every 5 minutes in (start, end] for every object and
    direction, provenance 'reported', ordered by time."""
    rng = np.random.default_rng([seed, int(pd.Timestamp(start).timestamp())])
    ts = pd.date_range(start, end, freq="5min", inclusive="right", unit="us")
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    rhythm = 0.15 + 0.85 * np.clip(np.sin((hour - 13) / 11 * np.pi), 0, None)
    rhythm = rhythm * np.where(ts.dayofweek.to_numpy() >= 5, 0.25, 1.0)
    parts = []
    for rank, object_name in enumerate(STATS_OBJECTS):
        for direction in DIRECTIONS:
            peak = 400.0 / (rank + 1)
            inflow = np.round(peak * rhythm * rng.lognormal(0, 0.3, len(ts)))
            backlog = np.round(inflow * rng.uniform(0.5, 3.0, len(ts)))
            throughput = np.minimum(inflow + backlog * 0.2, 800.0).round()
            for metric, value in (
                ("backlog", backlog),
                ("throughput", throughput),
                ("inflow", inflow),
            ):
                parts.append(
                    pd.DataFrame(
                        {
                            "ts": ts,
                            "object": object_name,
                            "direction": direction,
                            "metric": metric,
                            "value": value,
                        }
                    )
                )
    frame = pd.concat(parts, ignore_index=True).sort_values("ts", kind="stable")
    frame.insert(0, "instance", instance)
    frame["provenance"] = "reported"
    return frame.reset_index(drop=True)


def change_count_frame(
    start: datetime, end: datetime, instance: str, seed: int = 5
) -> pd.DataFrame:
    """Hourly changes per object by a handful of modifiers, ordered by time."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range(start, end, freq="h", inclusive="right", unit="us")
    modifiers = ("Dana Whitfield", "Marco Ruiz", "Nightly Enrichment", "Data Loader")
    grid = pd.MultiIndex.from_product(
        [hours, STATS_OBJECTS, modifiers], names=["ts", "object", "modifier"]
    ).to_frame(index=False)
    grid.insert(0, "instance", instance)
    grid["field"] = ""
    grid["changes"] = rng.poisson(40, len(grid))
    grid["provenance"] = "reported"
    return grid


def describe(object_name: str, version: int, fields: int = 80) -> dict:
    """A describe shaped like Salesforce's REST response; `version` changes one field."""
    items = []
    for n in range(fields):
        name = "Id" if n == 0 else f"Field_{n}__c"
        formula = f"TEXT(Owner.Field_{n}__c)" if n % 10 == 9 else None
        items.append(
            {
                "name": name,
                "label": f"Field {n} v{version}" if n == 1 else f"Field {n}",
                "type": "string",
                "length": 255,
                "custom": n > 0,
                "calculated": formula is not None,
                "calculatedFormula": formula,
                "updateable": formula is None and n > 0,
                "createable": formula is None and n > 0,
            }
        )
    return {"name": object_name, "label": object_name, "custom": False, "fields": items}


def permissions(fields: int, version: int) -> list[tuple[str, bool, bool]]:
    """(field, readable, editable) of the sync user; each version revokes one more field."""
    rows = [("", True, True)]
    rows += [(f"Field_{n}__c", True, n > version) for n in range(1, fields)]
    return rows
