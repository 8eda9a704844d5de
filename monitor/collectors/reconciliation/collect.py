"""The reconciliation job: draw the day's sample, read it from Salesforce and from Marketo,
compare every synced field, store the results (values masked) in one transaction.

Calls per sample (defaults: 200 records over Lead and Contact): Salesforce 2 (one /composite
call for the four candidate queries, one for the two `Id IN (...)` reads), Marketo 1 + one
`leads.json` call per object and 300 records (the lead describe gives the REST name, type and
length of each field: 3 in all). Which fields are synced: the fields of the latest describe
snapshot that Marketo's lead describe knows under the same SOAP name (the Salesforce API
name, as Admin > Field Management shows it), less the system and lookup fields.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from monitor.collectors.reconciliation.compare import same_value
from monitor.collectors.reconciliation.sample import (
    FILTER_TYPES,
    OBJECTS,
    STRATA,
    candidates_soql,
    draw,
    read_soql,
    seed_of,
)
from monitor.collectors.salesforce.client import query_path, subrequest_code
from monitor.store import Store
from monitor.store.reconciliation import write_reconciliation
from monitor.store.runs import CollectionReport, recorded_run
from monitor.store.watermarks import read_watermarks, set_watermark
from monitor.vocabulary.hygiene import masked
from queries import run_query

JOB = "reconciliation"
WATERMARK = "reconciliation.sampled_at"
MARKETO_BATCH = 300  # filterValues Marketo takes in one Get Leads by Filter Type call
MAX_URL_CHARS = 7000  # Marketo answers 414 past 8 KB of request line
# Not data the sync carries, or carried under another name (lookups go by id, not by field).
SKIPPED_FIELDS = frozenset(
    {
        "Id",
        "IsDeleted",
        "SystemModstamp",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
        "MasterRecordId",
    }
)
SKIPPED_TYPES = frozenset({"id", "reference", "address", "location", "base64", "anyType"})


@dataclass
class ReconciliationReport(CollectionReport):
    """What one sample did (also its collection_runs row)."""

    compared: dict[str, int] = field(default_factory=dict)
    salesforce_calls: int = 0
    marketo_calls: int = 0

    @property
    def api_calls_total(self) -> int:
        return self.salesforce_calls + self.marketo_calls

    def summary(self) -> str:
        objects = ", ".join(f"{n:,} {o}s" for o, n in self.compared.items()) or "nothing"
        return (
            f"reconciliation '{self.instance}': compared {objects}; "
            f"{self.salesforce_calls} Salesforce and {self.marketo_calls} Marketo calls"
            + self.problems()
        )


# How early a scheduled sample may come against the previous one's start.
DUE_SLACK = timedelta(minutes=30)


def is_due(store: Store, instance: str, now: datetime, interval: timedelta) -> bool:
    """Whether the last sample is about `interval` old (or there was none). The scheduler
    starts each run a little late, by a varying amount: a run that started later than this one
    must not push the next sample a whole interval further (a daily sample every other day)."""
    last = read_watermarks(store, instance, WATERMARK).get(WATERMARK)
    slack = min(DUE_SLACK, interval / 10)
    return not last or now - datetime.fromisoformat(last) >= interval - slack


def marketo_fields(describe: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Salesforce API name (lowercased) -> Marketo REST name, type and length, from
    leads/describe.json: the SOAP name of a synced field is its Salesforce API name."""
    fields = {}
    for item in describe.get("result", []):
        rest, soap = item.get("rest") or {}, item.get("soap") or {}
        if rest.get("name") and soap.get("name"):
            fields[str(soap["name"]).lower()] = {
                "rest": rest["name"],
                "length": item.get("length"),
                "type": item.get("dataType"),
            }
    return fields


def synced_fields(
    inventory: pd.DataFrame, permissions: pd.DataFrame, mapped: dict[str, dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Per object the fields to compare: in the describe, known to Marketo, not skipped."""
    readable = {
        (o, f): (None if pd.isna(r) else bool(r))
        for o, f, r in zip(
            permissions["object"], permissions["field"], permissions["readable"], strict=True
        )
    }
    fields: dict[str, list[dict[str, Any]]] = {}
    for row in inventory.itertuples(index=False):
        marketo = mapped.get(str(row.field).lower())
        if (
            row.object not in OBJECTS
            or marketo is None
            or row.field in SKIPPED_FIELDS
            or (row.type or "") in SKIPPED_TYPES
        ):
            continue
        raw = json.loads(row.raw) if isinstance(row.raw, str) and row.raw else {}
        labels = {
            str(p.get("value")): str(p.get("label"))
            for p in raw.get("picklistValues") or []
            if p.get("value") is not None
        }
        fields.setdefault(row.object, []).append(
            {
                "field": row.field,
                "marketo_field": marketo["rest"],
                "field_type": row.type,
                "length": marketo["length"],
                "labels": labels,
                "is_formula": bool(row.calculated),
                "is_readable": readable.get((row.object, row.field)),
            }
        )
    return fields


def _inventory(store: Store, instance: str, now: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    with store.read() as con:
        inventory = run_query(con, "field_inventory_latest", instance=instance, now=now)
        raw = run_query(con, "schema_fields_latest", instance=instance, now=now)
        permissions = run_query(con, "permissions_latest", instance=instance, now=now)
    inventory = inventory.merge(raw[["object", "field", "raw"]], on=["object", "field"], how="left")
    return inventory, permissions


def _batches(ids: list[str], fields_param: str) -> list[list[str]]:
    """Ids in calls of at most 300 whose request line stays under Marketo's 8 KB."""
    batches: list[list[str]] = [[]]
    length = len(fields_param)
    for sfdc_id in ids:
        if len(batches[-1]) == MARKETO_BATCH or length + len(sfdc_id) + 3 > MAX_URL_CHARS:
            batches.append([])
            length = len(fields_param)
        batches[-1].append(sfdc_id)
        length += len(sfdc_id) + 3  # the comma, URL-encoded
    return [b for b in batches if b]


def read_marketo(
    client: Any, object_name: str, ids: list[str], rest_names: list[str]
) -> dict[str, dict[str, Any]]:
    """Marketo's records of these Salesforce ids (first 15 characters -> lead)."""
    key = FILTER_TYPES[object_name]
    fields_param = ",".join(dict.fromkeys(["id", key, "updatedAt", *rest_names]))
    found: dict[str, dict[str, Any]] = {}
    for batch in _batches(ids, fields_param):
        answer = client.get(
            "v1/leads.json",
            params={"filterType": key, "filterValues": ",".join(batch), "fields": fields_param},
        )
        for lead in answer.get("result") or []:
            if lead.get(key):
                found[str(lead[key])[:15]] = lead
    return found


def _marketo_time(value: Any) -> datetime | None:
    """Marketo's `2016-05-17T22:11:45Z` (or with an offset) in UTC; None when absent."""
    if not value:
        return None
    try:
        return pd.Timestamp(str(value)).tz_convert(UTC).to_pydatetime()
    except (ValueError, TypeError):
        return None


def compare_records(
    object_name: str,
    records: list[dict[str, Any]],
    leads: dict[str, dict[str, Any]],
    fields: list[dict[str, Any]],
    strata: dict[str, str],
    in_flight_since: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(run counts, field rows, mismatch rows) of one object; values masked in the rows."""
    compared = dict.fromkeys((f["field"] for f in fields), 0)
    mismatched = dict.fromkeys(compared, 0)
    mismatches: list[dict[str, Any]] = []
    found = in_flight = 0
    for record in records:
        lead = leads.get(str(record["Id"])[:15])
        if lead is None:
            continue
        found += 1
        stamp = pd.Timestamp(record.get("SystemModstamp")).tz_convert(UTC)
        if stamp > in_flight_since:
            in_flight += 1  # the sync may not have carried this change yet
            continue
        for spec in fields:
            name = spec["field"]
            compared[name] += 1
            ours, theirs = record.get(name), lead.get(spec["marketo_field"])
            if same_value(
                ours, theirs, spec["field_type"], length=spec["length"], labels=spec["labels"]
            ):
                continue
            mismatched[name] += 1
            mismatches.append(
                {
                    "object": object_name,
                    "field": name,
                    "sfdc_id": str(record["Id"]),
                    "marketo_id": str(lead.get("id", "")),
                    "stratum": strata.get(str(record["Id"]), "recent"),
                    "salesforce_value": None if ours is None else masked(str(ours)),
                    "marketo_value": None if theirs is None else masked(str(theirs)),
                    "system_modstamp": stamp.to_pydatetime(),
                    "marketo_updated_at": _marketo_time(lead.get("updatedAt")),
                }
            )
    field_rows = [
        {
            "object": object_name,
            "field": spec["field"],
            "marketo_field": spec["marketo_field"],
            "field_type": spec["field_type"],
            "is_formula": spec["is_formula"],
            "is_readable": spec["is_readable"],
            "compared": compared[spec["field"]],
            "mismatched": mismatched[spec["field"]],
        }
        for spec in fields
    ]
    counts = {"read_salesforce": len(records), "found_in_marketo": found, "in_flight": in_flight}
    return counts, field_rows, mismatches


def collect_reconciliation(
    store: Store,
    salesforce: Any,
    marketo: Any,
    config: Any,
    instance: str,
    now: datetime,
) -> ReconciliationReport:
    """Draw, read, compare and store one sample; the run is recorded however it ends."""
    # The sample is stamped in whole seconds; what it reads is as of the moment itself, so a
    # describe stored earlier within the same second (`run --once`) is not in its future.
    read_as_of = now.astimezone(UTC)
    now = read_as_of.replace(microsecond=0)
    report = ReconciliationReport(JOB, instance, now)
    sf_before, mk_before = salesforce.calls, marketo.calls
    with recorded_run(store, report):
        try:
            _sample(store, (salesforce, marketo), config, instance, (now, read_as_of), report)
        finally:
            report.salesforce_calls = salesforce.calls - sf_before
            report.marketo_calls = marketo.calls - mk_before
            report.api_calls = report.api_calls_total
    return report


def _sample(
    store: Store,
    clients: tuple[Any, Any],
    config: Any,
    instance: str,
    moments: tuple[datetime, datetime],
    report: ReconciliationReport,
) -> None:
    salesforce, marketo = clients
    now, read_as_of = moments
    before = (salesforce.calls, marketo.calls)
    seed = seed_of(instance, now)
    size = config.reconciliation_sample_size
    per_object = math.ceil(size / len(OBJECTS))
    inventory, permissions = _inventory(store, instance, read_as_of)
    mapped = marketo_fields(marketo.get("v1/leads/describe.json"))
    fields = synced_fields(inventory, permissions, mapped)
    if not fields:
        report.errors.append(
            "reconciliation: no synced Lead or Contact field is known on both sides yet (the "
            "Salesforce collector's describe snapshot, Marketo's lead describe)"
        )
        return
    objects = [o for o in OBJECTS if o in fields]
    requests = {
        f"{o}_{s}": query_path(
            candidates_soql(
                o, s, now, config.reconciliation_recent_days, config.reconciliation_untouched_days
            )
        )
        for o in objects
        for s in STRATA
    }
    answers = salesforce.composite(requests)
    drawn: dict[str, list[tuple[str, str]]] = {}
    for index, object_name in enumerate(objects):
        candidates = {}
        for stratum in STRATA:
            status, body = answers[f"{object_name}_{stratum}"]
            if status >= 400:
                report.errors.append(
                    f"{object_name}: the candidate query failed ({subrequest_code(status, body)})"
                )
                continue
            candidates[stratum] = [str(r["Id"]) for r in body.get("records", [])]
        drawn[object_name] = draw(candidates, per_object, seed + index)
    reads = {
        o: query_path(read_soql(o, [f["field"] for f in fields[o]], [i for i, _ in drawn[o]]))
        for o in objects
        if drawn[o]
    }
    answers = salesforce.composite(reads) if reads else {}
    in_flight_since = pd.Timestamp(now - timedelta(minutes=config.reconciliation_in_flight_minutes))
    runs, field_rows, mismatches = [], [], []
    for object_name in objects:
        strata = dict(drawn[object_name])
        records: list[dict[str, Any]] = []
        if object_name in answers:
            status, body = answers[object_name]
            if status >= 400:
                report.errors.append(
                    f"{object_name}: reading the sample failed ({subrequest_code(status, body)})"
                )
                continue
            records = salesforce.remaining_records(body)
        rest_names = [f["marketo_field"] for f in fields[object_name]]
        leads = read_marketo(marketo, object_name, [str(r["Id"]) for r in records], rest_names)
        counts, rows, differing = compare_records(
            object_name, records, leads, fields[object_name], strata, in_flight_since
        )
        recent = sum(1 for s in strata.values() if s == "recent")
        runs.append(
            {
                "object": object_name,
                "seed": seed,
                "recent": recent,
                "untouched": len(strata) - recent,
                **counts,
            }
        )
        field_rows += rows
        mismatches += differing
        report.compared[object_name] = counts["found_in_marketo"] - counts["in_flight"]
    frames = {
        "runs": pd.DataFrame(runs).assign(
            salesforce_calls=salesforce.calls - before[0], marketo_calls=marketo.calls - before[1]
        ),
        "fields": pd.DataFrame(field_rows),
        "mismatches": pd.DataFrame(mismatches),
    }
    with store.write() as con:
        report.rows_written += write_reconciliation(con, instance, now, frames, "salesforce")
        if runs:  # nothing read (every query refused): tried again at the next run
            set_watermark(con, instance, WATERMARK, now.isoformat(), now)
