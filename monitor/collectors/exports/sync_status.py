"""Marketo admin 'Sync Status' CSV export -> sync_cycles (one row per sync step)."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd

from monitor.collectors.exports.common import ImportRequest, ImportResult, newest, settle_problems
from monitor.collectors.exports.csvfile import CsvSpec, Problem, open_source, read_all
from monitor.collectors.exports.timestamps import (
    expected,
    out_of_range,
    parse_timestamps,
    range_reason,
)
from monitor.store.facts import insert_frame
from monitor.store.quarantine import quarantine
from monitor.vocabulary import sobject_of_label

COUNTS = {
    "new_count": "New",
    "updated_count": "Updated",
    "deleted_count": "Deleted",
    "failed_count": "Failed Item",
    "skipped_count": "Skipped",
}
# Cells that mean "no count": blank, and the placeholders Marketo's pages and spreadsheets write.
NO_COUNT = frozenset({"", "n/a", "na", "-", "\u2013", "\u2014"})
# A count as Marketo or a spreadsheet writes it: digits, thousands separators stripped, and a
# spreadsheet's `.0`. Parsed as an exact integer (a float would round 2^53 + 1), and no larger
# than the store's BIGINT (beyond it DuckDB would store -9,223,372,036,854,775,808).
WHOLE = re.compile(r"^[0-9]+(?:\.0*)?$")
MAX_COUNT = 2**63 - 1
NOT_WHOLE = "expected a whole number >= 0"
TOO_LARGE = f"expected a whole number >= 0 and at most {MAX_COUNT:,}"


def parse_count(text: str) -> int | str:
    """A count cell (thousands separators removed) -> its value, or why it is refused."""
    if not WHOLE.match(text):
        return NOT_WHOLE
    digits = text.split(".")[0].lstrip("0") or "0"
    # Counted before int(): Python refuses to convert more than 4,300 digits (a traceback).
    if len(digits) > len(str(MAX_COUNT)):
        return TOO_LARGE
    value = int(digits)
    return value if value <= MAX_COUNT else TOO_LARGE


SPEC = CsvSpec.marketo_export(
    kind="sync-status",
    columns={
        "started_at": ("startedat", "started", "starttime"),
        "ended_at": ("endedat", "ended", "endtime"),
        "object": ("object",),
        "operation": ("operation",),
        "status": ("status",),
        "new_count": ("new",),
        "updated_count": ("updated",),
        "deleted_count": ("deleted",),
        "failed_count": ("faileditem", "faileditems", "failed"),
        "skipped_count": ("skipped",),
    },
    headers={
        "started_at": "Started At",
        "object": "Object",
        "operation": "Operation",
        "status": "Status",
    },
)


def direction_of(operation: pd.Series) -> pd.Series:
    """'Pull updates' reads Salesforce into Marketo; 'Push updates' writes Salesforce."""
    lowered = operation.str.lower()
    return pd.Series(
        [
            "sfdc_to_marketo"
            if op.startswith("pull")
            else "marketo_to_sfdc"
            if op.startswith("push")
            else None
            for op in lowered
        ],
        index=operation.index,
        dtype=object,
    )


def import_sync_status(con: duckdb.DuckDBPyConnection, request: ImportRequest) -> ImportResult:
    """Import one Sync Status export; strict unless `skip_invalid`. Times after a day past
    the import's moment are refused."""
    path, instance, zone, now = request.path, request.instance, request.zone, request.now
    date_order = request.date_order
    source = open_source(path, SPEC)
    frame = read_all(con, source)
    problems: list[Problem] = []
    frame["started_at"] = parse_timestamps(frame["started_at"], zone, date_order)
    ended_text = frame["ended_at"]
    frame["ended_at"] = parse_timestamps(ended_text, zone, date_order)
    for row in frame.index[frame["started_at"].isna()]:
        problems.append(Problem(int(row), "Started At", f"expected {expected(date_order)}"))
    for row in frame.index[frame["ended_at"].isna() & (ended_text != "")]:
        problems.append(Problem(int(row), "Ended At", f"expected {expected(date_order)} or empty"))
    for column, label in (("started_at", "Started At"), ("ended_at", "Ended At")):
        for row in frame.index[out_of_range(frame[column], now)]:
            problems.append(Problem(int(row), label, range_reason(now)))
    for column, label in (("object", "Object"), ("operation", "Operation"), ("status", "Status")):
        for row in frame.index[frame[column] == ""]:
            problems.append(Problem(int(row), label, "must not be empty"))
    for column, label in COUNTS.items():
        text = frame[column].str.replace(",", "", regex=False)
        # A documented placeholder is "no count" (NULL), neither 0 nor an error: Adobe lists
        # N/A as the counts of the Update FKS step, which runs for every object.
        no_count = text.str.lower().isin(NO_COUNT)
        parsed = [
            None if blank else parse_count(cell) for cell, blank in zip(text, no_count, strict=True)
        ]
        for row, value in zip(frame.index, parsed, strict=True):
            if isinstance(value, str):
                problems.append(Problem(int(row), label, value))
        frame[column] = pd.array(
            [value if isinstance(value, int) else None for value in parsed], dtype="Int64"
        )
    good, rejected = settle_problems(source, frame, problems, skip_invalid=request.skip_invalid)
    kept = frame[good].copy()
    kept["direction"] = direction_of(kept["operation"])
    # Marketo's labels ("Person (Lead)", "Campaigns") -> Salesforce's names; raw keeps the label.
    kept["object"] = kept["object"].map(sobject_of_label)
    # Keep the row as exported next to the parsed columns.
    kept["raw"] = [json.dumps({"csv": source.raw_row(frame, i)}) for i in kept.index]
    out = kept[
        ["started_at", "ended_at", "object", "operation", "direction", "status", *COUNTS, "raw"]
    ].copy()
    out.insert(0, "instance", instance)
    out["source"] = "sync_status_export"
    added = insert_frame(con, "sync_cycles", out)
    quarantined = quarantine(con, instance, SPEC.kind, str(path), rejected)
    return ImportResult(
        SPEC.kind,
        str(path),
        len(frame) + source.ragged_seen,
        added,
        quarantined,
        newest(out["ended_at"].fillna(out["started_at"])),
    )
