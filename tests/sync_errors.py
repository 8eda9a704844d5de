"""Marketo Sync Errors as the check tests feed them: rows of the export (written to a CSV and
imported through the public import path), or errors written straight to the store through
monitor.store.sync_errors.write_sync_errors (the path importers, collectors and the demo share)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pandas as pd

from monitor.collectors.exports import import_file
from monitor.store import Store
from monitor.store.sync_errors import write_sync_errors

ERRORS_HEADER = "Failed On,Date/Time,Error Type,Error Details,Object,Marketo ID,Salesforce ID"
# Salesforce's key prefixes of the objects the tests fail records of.
ID_PREFIX = {"Lead": "00Q", "Contact": "003", "Account": "001"}


def export_line(
    at: datetime, details: str, marketo_id: str | int, sfdc_id: str, obj: str = "Lead"
) -> str:
    """One row of Marketo's Sync Errors export, dated in its US style; `details` is CSV text as
    written (quoted by the caller where it holds a comma)."""
    return (
        f"Record Level,{at:%m/%d/%Y %I:%M %p},Failed to update SFDC,{details},{obj},"
        f"{marketo_id},{sfdc_id}"
    )


def import_export(store: Store, path: Path, lines: Iterable[str], instance: str = "prod") -> None:
    """Write a Sync Errors export of `lines` to `path` and import it (times in UTC)."""
    path.write_text("\n".join([ERRORS_HEADER, *lines]) + "\n", encoding="utf-8")
    import_file(store, "sync-errors", path, instance=instance, zone=ZoneInfo("UTC"))


@dataclass(frozen=True)
class Failure:
    """One failed sync: how long before now, the Error Details, the record and its object."""

    hours_ago: float
    details: str
    record: int
    object: str = "Lead"

    def line(self, now: datetime) -> str:
        """The failure as a row of an export taken at `now`."""
        sfdc_id = f"{ID_PREFIX[self.object]}5e00000{self.record:08d}"
        at = now - timedelta(hours=self.hours_ago)
        return export_line(at, self.details, 1000 + self.record, sfdc_id, self.object)


def repeated(
    details: str, count: int, *, hours_ago: float = 2, first_record: int = 1, obj: str = "Lead"
) -> list[Failure]:
    """`count` failures with the same message, each on its own record."""
    return [Failure(hours_ago, details, first_record + n, obj) for n in range(count)]


class SyncError(NamedTuple):
    """One error as the store keeps it; a job-level error names no record."""

    occurred_at: datetime
    object: str
    details: str
    sfdc_id: str
    marketo_id: str = ""

    def export_line(self) -> str:
        return export_line(
            self.occurred_at, f'"{self.details}"', self.marketo_id, self.sfdc_id, self.object
        )


def write_errors(store: Store, errors: Iterable[tuple], instance: str = "prod") -> None:
    """Write `errors` (SyncError fields, as tuples or SyncErrors) straight to the store."""
    rows = [
        {
            "occurred_at": error.occurred_at,
            "object": error.object,
            "failed_on": "record",
            "marketo_id": error.marketo_id,
            "sfdc_id": error.sfdc_id,
            "error_type": "Failed to update SFDC",
            "error_details": error.details,
        }
        for error in (SyncError(*e) for e in errors)
    ]
    if not rows:
        return
    frame = pd.DataFrame(rows)
    frame["raw"] = [json.dumps({"Error Details": d}) for d in frame["error_details"]]
    with store.write() as con:
        write_sync_errors(con, instance, frame, source="test")
