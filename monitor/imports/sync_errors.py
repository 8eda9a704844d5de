"""Marketo admin 'Sync Errors' CSV export -> sync_errors."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.imports.common import ImportResult, quarantine, settle_problems
from monitor.imports.csvfile import CsvSpec, Problem, read_rows
from monitor.imports.timestamps import EXPECTED, parse_timestamps
from monitor.store import Store
from monitor.sync_errors import write_sync_errors

SPEC = CsvSpec(
    kind="sync-errors",
    columns={
        "failed_on": ("failedon",),
        "occurred_at": ("datetime", "time", "failedat", "date", "timestamp"),
        "error_type": ("errortype", "type"),
        "error_details": (
            "errordetails",
            "details",
            "message",
            "sfdcreturnmessage",
            "errormessage",
        ),
        "object": ("object", "objecttype"),
        "marketo_id": ("marketoid", "leadid", "marketoleadid"),
        "sfdc_id": ("salesforceid", "sfdcid", "crmid"),
    },
    required=("failed_on", "occurred_at", "error_type", "error_details"),
    labels={
        "failed_on": "Failed On",
        "occurred_at": "Date/Time",
        "error_type": "Error Type",
        "error_details": "Error Details",
    },
)
FAILED_ON = {"recordlevel": "record", "record": "record", "joblevel": "job", "job": "job"}


def import_sync_errors(
    store: Store, path: Path, *, instance: str, zone: ZoneInfo, skip_invalid: bool = False
) -> ImportResult:
    """Import one Sync Errors export; strict unless `skip_invalid`."""
    rows = read_rows(path, SPEC)
    frame = rows.frame
    frame["occurred_at"] = parse_timestamps(frame["occurred_at"], zone)
    failed_on = frame["failed_on"].str.lower().str.replace(r"[^a-z]", "", regex=True)
    frame["failed_on"] = failed_on.map(FAILED_ON)
    problems: list[Problem] = []
    for row in frame.index[frame["occurred_at"].isna()]:
        problems.append(Problem(int(row), "Date/Time", f"expected {EXPECTED}"))
    for row in frame.index[frame["failed_on"].isna() & (failed_on != "")]:
        problems.append(Problem(int(row), "Failed On", "expected Record Level or Job Level"))
    empty = (frame["error_type"] == "") & (frame["error_details"] == "")
    for row in frame.index[empty]:
        problems.append(
            Problem(int(row), "Error Details", "both Error Type and Error Details are empty")
        )
    good, rejected = settle_problems(rows, problems, skip_invalid=skip_invalid)
    kept = frame[good]
    # Keep the row as exported, under its own header names, next to the parsed columns.
    raw_params = {f"k{i}": name for i, name in enumerate(rows.header)}
    raw_sql = "json_object(" + ", ".join(f"$k{i}, c{i}" for i in range(len(rows.header))) + ")"
    with store.write() as con:
        added = write_sync_errors(
            con, instance, kept, source="sync_errors_export", raw_sql=raw_sql, raw_params=raw_params
        )
        quarantined = quarantine(con, instance, SPEC.kind, str(path), rejected)
    return ImportResult(SPEC.kind, str(path), len(frame) + len(rows.ragged), added, quarantined)
