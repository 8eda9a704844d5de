"""The daily hygiene pass of the Salesforce collector: how full each synced field is, which
emails several leads share, and how a custom sync filter field is used.

It rides on the hourly schema pass but runs at most once a day (its own watermark), reads the
field list from the describes that pass stored, and sends every query through /composite:
one aggregate query counts up to FIELDS_PER_QUERY fields of one object (SOQL takes several
COUNT()s in one SELECT), so the default objects cost about 6 queries, 2 API calls a day.
Aggregates scan the whole object, which is why this runs daily and not every cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from monitor.collectors.context import Cycle
from monitor.collectors.salesforce import soql
from monitor.collectors.salesforce.client import (
    query_path,
    subrequest_code,
    subrequest_message,
)
from monitor.errors import LimitExceeded, SourceError
from monitor.store import Store
from monitor.store.facts import insert_frame
from monitor.store.watermarks import set_watermark
from monitor.vocabulary.hygiene import SYNC_FILTER_MARKERS, is_sync_filter_field
from queries import run_query

WATERMARK = "salesforce.hygiene"
INTERVAL = timedelta(days=1)
# Objects whose fields are counted: what Marketo syncs into people, companies and
# opportunities. Custom objects (__c) in salesforce_objects are counted too; activity objects
# (Task, Event, CampaignMember) are large and their fields are not Marketo fields.
FILL_OBJECTS = ("Lead", "Contact", "Account", "Opportunity", "Campaign")
# About 3-4k characters of SOQL per query: far below SOQL's 100,000-character limit and short
# enough for a subrequest URL.
FIELDS_PER_QUERY = 100
# The dedupe field Marketo matches people on. The duplicate_leads check chooses which of the
# collected (object, field) pairs it reports.
DEDUPE_FIELDS = (("Lead", "Email"),)
SYNC_FILTER_OBJECTS = ("Lead", "Contact")
# Salesforce returns at most 2,000 rows of a GROUP BY query (no queryMore): the number of
# duplicated values is exact below that and a lower bound at it. The worst are stored.
DUPLICATES_READ = 2000
DUPLICATES_KEPT = 200
# The real refusal reads "field X does not support aggregate operator COUNT".
_NOT_AGGREGATABLE = re.compile(r"field '?(\w+)'? does not support aggregate operator", re.I)
_NOT_COUNTED_TYPES = frozenset({"id", "boolean", "address", "location", "base64"})


def is_due(marks: dict[str, str], now: datetime) -> bool:
    """Whether the last hygiene pass is a day old (or there was none)."""
    last = marks.get(WATERMARK)
    return not last or now - datetime.fromisoformat(last) >= INTERVAL


@dataclass
class _Plan:
    fill: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    duplicates: dict[str, tuple[str, str]] = field(default_factory=dict)
    values: dict[str, tuple[str, str]] = field(default_factory=dict)

    def requests(self) -> dict[str, str]:
        paths = {ref: soql.fill_counts(o, fields) for ref, (o, fields) in self.fill.items()}
        paths |= {
            ref: soql.duplicate_values(o, f, DUPLICATES_READ)
            for ref, (o, f) in self.duplicates.items()
        }
        paths |= {ref: soql.value_counts(o, f) for ref, (o, f) in self.values.items()}
        return {ref: query_path(query) for ref, query in paths.items()}


def countable_fields(describe: pd.DataFrame) -> list[str]:
    """Fields worth counting: aggregatable (long text areas, checkboxes and compound fields
    are not), nillable (a required field is always filled) and not formulas (computed on read:
    counting them evaluates the formula on every record)."""
    keep = (
        describe["aggregatable"].astype(bool)
        & describe["nillable"].astype(bool)
        & ~describe["calculated"].astype(bool)
        & ~describe["type"].isin(_NOT_COUNTED_TYPES)
    )
    return sorted(describe.loc[keep, "field"])


def plan_queries(describes: pd.DataFrame, objects: tuple[str, ...]) -> _Plan:
    """The queries of one pass, from the latest describes of the synced objects."""
    plan = _Plan()
    described = {name: frame for name, frame in describes.groupby("object")}
    for name in objects:
        if name not in described or not (name in FILL_OBJECTS or name.endswith("__c")):
            continue
        fields = countable_fields(described[name])
        for index in range(0, len(fields), FIELDS_PER_QUERY):
            chunk = fields[index : index + FIELDS_PER_QUERY]
            plan.fill[f"fill_{name}_{index // FIELDS_PER_QUERY}"] = (name, chunk)
    for name, dedupe in DEDUPE_FIELDS:
        frame = described.get(name, describes.iloc[0:0])
        groupable = frame.loc[frame["field"] == dedupe, "groupable"].astype(bool)
        if name in objects and groupable.any():
            plan.duplicates[f"dupes_{name}_{dedupe}"] = (name, dedupe)
    for name in SYNC_FILTER_OBJECTS:
        frame = described.get(name)
        if name not in objects or frame is None:
            continue
        for row in frame.itertuples(index=False):
            marked = is_sync_filter_field(row.field, row.label, row.type, SYNC_FILTER_MARKERS)
            if marked and row.groupable:
                plan.values[f"values_{name}_{row.field}"] = (name, row.field)
    return plan


def _refused_fields(body: Any, fields: list[str]) -> set[str]:
    """Fields a refused count query names as not aggregatable (the describe said otherwise)."""
    found = {m.group(1).lower() for m in _NOT_AGGREGATABLE.finditer(subrequest_message(body))}
    return {f for f in fields if f.lower() in found}


def _problem(what: str, status: int, body: Any) -> str:
    code = subrequest_code(status, body)
    return f"hygiene: {what} failed ({code}: {subrequest_message(body)[:120]})"


def collect_hygiene(cycle: Cycle) -> tuple[int, list[str]]:
    """Count fills, duplicates and sync filter values, and store them with the watermark in
    one transaction. Returns (rows written, problems); only a used-up API budget raises."""
    store, client, instance, now = cycle.store, cycle.client, cycle.instance, cycle.now
    objects = cycle.config.salesforce_objects
    with store.read() as con:
        describes = run_query(con, "hygiene_describes", instance=instance, now=now)
    plan = plan_queries(describes, objects)
    problems: list[str] = []
    answers: dict[str, tuple[int, Any]] = {}
    try:
        if plan.fill or plan.duplicates or plan.values:
            answers = client.composite(plan.requests())
    except LimitExceeded:
        raise
    except SourceError as exc:
        return 0, [f"hygiene: {exc}"]  # the watermark stays: the next schema pass tries again
    retry = _Plan()
    for ref, (name, fields) in plan.fill.items():
        refused = _refused_fields(answers[ref][1], fields) if answers[ref][0] >= 400 else set()
        if refused and set(fields) - refused:
            retry.fill[f"{ref}_retry"] = (name, [f for f in fields if f not in refused])
    if retry.fill:
        # One more call: the describe said these fields could be counted, Salesforce did not.
        try:
            answers |= client.composite(retry.requests())
            plan.fill |= retry.fill
        except LimitExceeded:
            raise
        except SourceError as exc:
            problems.append(f"hygiene: {exc}")
    fill_rows: list[tuple] = []
    for ref, (name, fields) in plan.fill.items():
        status, body = answers[ref]
        if status >= 400:
            if f"{ref}_retry" not in plan.fill:
                problems.append(_problem(f"fill counts of {name}", status, body))
            continue
        record = (body.get("records") or [{}])[0]
        total = int(record.get("expr0") or 0)
        fill_rows += [
            (name, f, total, int(record.get(f"expr{i + 1}") or 0)) for i, f in enumerate(fields)
        ]
    value_rows, duplicate_rows, summary_rows = [], [], []
    for ref, (name, dedupe) in plan.duplicates.items():
        status, body = answers[ref]
        if status >= 400:
            problems.append(_problem(f"duplicate {name}.{dedupe} values", status, body))
            continue
        groups = [(str(r.get(dedupe)), int(r.get("expr0") or 0)) for r in body.get("records", [])]
        groups.sort(key=lambda group: (-group[1], group[0]))
        duplicate_rows += [(name, dedupe, value, n) for value, n in groups[:DUPLICATES_KEPT]]
        summary_rows.append(
            (name, dedupe, len(groups), sum(n for _, n in groups), len(groups) >= DUPLICATES_READ)
        )
    for ref, (name, flag) in plan.values.items():
        status, body = answers[ref]
        if status >= 400:
            problems.append(_problem(f"values of {name}.{flag}", status, body))
            continue
        for record in body.get("records", []):
            value = record.get(flag)
            text = "" if value is None else str(value).lower()
            value_rows.append((name, flag, text, int(record.get("expr0") or 0)))
    rows = _write(
        store, instance, now, fill_rows, duplicate_rows, summary_rows, value_rows, "salesforce"
    )
    return rows, problems


def _write(
    store: Store,
    instance: str,
    now: datetime,
    fill_rows: list[tuple],
    duplicate_rows: list[tuple],
    summary_rows: list[tuple],
    value_rows: list[tuple],
    source: str,
) -> int:
    frames = {
        "field_fill": pd.DataFrame(fill_rows, columns=["object", "field", "records", "filled"]),
        "duplicate_values": pd.DataFrame(
            duplicate_rows, columns=["object", "field", "value", "records"]
        ),
        "duplicate_summary": pd.DataFrame(
            summary_rows,
            columns=["object", "field", "duplicated_values", "records", "is_capped"],
        ),
        "field_value_counts": pd.DataFrame(
            value_rows, columns=["object", "field", "value", "records"]
        ),
    }
    written = 0
    with store.write() as con:
        for table, frame in frames.items():
            written += insert_frame(
                con, table, frame.assign(instance=instance, captured_at=now, source=source)
            )
        set_watermark(con, instance, WATERMARK, now.isoformat(), now)
    return written
