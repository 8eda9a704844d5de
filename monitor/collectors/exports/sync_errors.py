"""Marketo admin 'Sync Errors' CSV export -> sync_errors."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from monitor.collectors.exports.common import ImportRequest, ImportResult, newest, settle_problems
from monitor.collectors.exports.csvfile import CsvSource, CsvSpec, Problem, open_source
from monitor.collectors.exports.timestamps import (
    expected,
    out_of_range,
    parse_timestamps,
    range_reason,
)
from monitor.store.quarantine import quarantine
from monitor.store.sync_errors import insert_errors
from monitor.vocabulary import sobject_of_label

SPEC = CsvSpec.marketo_export(
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
    headers={
        "failed_on": "Failed On",
        "occurred_at": "Date/Time",
        "error_type": "Error Type",
        "error_details": "Error Details",
    },
)
FAILED_ON = {"recordlevel": "record", "record": "record", "joblevel": "job", "job": "job"}


def _canonical_view(con, source: CsvSource, zone: ZoneInfo, date_order: str, now: datetime) -> None:
    """View `_canonical`: the staged rows with canonical, parsed columns (a view, not a copy:
    the text stays in the staged table once).

    An export repeats few distinct times (one per minute of history) and two Failed On values,
    so those are parsed once per distinct value, in Python, and joined back."""
    con.execute(f"CREATE TEMP VIEW _columns AS SELECT {source.columns_sql()} FROM _staged")
    times = con.execute("SELECT DISTINCT occurred_at AS text FROM _columns").df()
    times["ts"] = parse_timestamps(times["text"], zone, date_order)
    # Why a time is refused (NULL when it is fine): not a time at all, or not a plausible one.
    times["problem"] = None
    times.loc[times["ts"].isna(), "problem"] = f"expected {expected(date_order)}"
    times.loc[out_of_range(times["ts"], now), "problem"] = range_reason(now)
    times["problem"] = times["problem"].astype(object)
    spellings = con.execute("SELECT DISTINCT failed_on AS text FROM _columns").df()
    spellings["value"] = [
        "" if not text else FAILED_ON.get(re.sub(r"[^a-z]", "", text.lower()))
        for text in spellings["text"]
    ]
    # Marketo's object labels ("Person (Lead)", "Campaign Members") -> Salesforce's names.
    objects = con.execute("SELECT DISTINCT object AS text FROM _columns").df()
    objects["value"] = [sobject_of_label(text) for text in objects["text"]]
    for name, frame in (("_times", times), ("_spellings", spellings), ("_objects", objects)):
        con.register("_parsed", frame)
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM _parsed")
        con.unregister("_parsed")
    con.execute(
        """
        CREATE TEMP VIEW _canonical AS
        SELECT c.* EXCLUDE (occurred_at, failed_on, object), t.ts AS occurred_at,
               t.problem AS time_problem, f.value AS failed_on, o.value AS object
        FROM _columns c
        JOIN _times t ON t.text = c.occurred_at
        JOIN _spellings f ON f.text = c.failed_on
        JOIN _objects o ON o.text = c.object
        """
    )


def _problems(con, source: CsvSource) -> list[Problem]:
    """Invalid rows, in file order, with the column and the reason; the faults of one row in
    the order of the file's header (a UNION ALL has no order of its own, so a row with a bad
    time and a bad Failed On would name either). The empty-texts fault sits at Error Details."""
    found = con.execute(
        """
        SELECT _row, 'occurred_at', time_problem FROM _canonical WHERE time_problem IS NOT NULL
        UNION ALL
        SELECT _row, 'failed_on', 'expected Record Level or Job Level' FROM _canonical
        WHERE failed_on IS NULL
        UNION ALL
        SELECT _row, 'error_details', 'both Error Type and Error Details are empty'
        FROM _canonical WHERE error_type = '' AND error_details = ''
        """
    ).fetchall()
    found.sort(key=lambda problem: (problem[0], source.mapping[problem[1]]))
    return [Problem(int(row), SPEC.label(column), reason) for row, column, reason in found]


def _rows_of(con, source: CsvSource, rows: list[int]) -> pd.DataFrame:
    """The original cells of some staged rows, indexed by row (to report or quarantine them)."""
    cells = ", ".join(f"c{i}" for i in range(source.width))
    frame = con.execute(
        f"SELECT _row, {cells} FROM _staged WHERE _row IN (SELECT unnest($rows)) ORDER BY _row",
        {"rows": rows},
    ).df()
    return frame.set_index("_row")


def import_sync_errors(con: duckdb.DuckDBPyConnection, request: ImportRequest) -> ImportResult:
    """Import one Sync Errors export; strict unless `skip_invalid`; times after a day past
    the import's moment are refused.

    DuckDB reads the file into a temporary table and does the heavy lifting inside one
    transaction: memory stays bounded by DuckDB's memory limit, and a strict failure leaves
    nothing of the file behind."""
    path, instance = request.path, request.instance
    source = open_source(path, SPEC)
    staged = source.stage(con, "_staged")
    _canonical_view(con, source, request.zone, request.date_order, request.now)
    problems = _problems(con, source)
    bad_rows = sorted({p.row for p in problems})
    _, rejected = settle_problems(
        source, _rows_of(con, source, bad_rows), problems, skip_invalid=request.skip_invalid
    )
    con.register("_bad_rows", pd.DataFrame({"_row": pd.Series(bad_rows, dtype="int64")}))
    con.execute(
        "CREATE TEMP VIEW _valid AS SELECT * FROM _canonical "
        "WHERE _row NOT IN (SELECT _row FROM _bad_rows)"
    )
    # Keep each row as exported, under its own header names, next to the parsed columns.
    raw_params = {f"k{i}": name for i, name in enumerate(source.header)}
    raw_sql = "json_object(" + ", ".join(f"$k{i}, c{i}" for i in range(source.width)) + ")"
    added = insert_errors(
        con,
        instance,
        "_valid",
        source="sync_errors_export",
        raw_sql=raw_sql,
        raw_params=raw_params,
    )
    quarantined = quarantine(con, instance, SPEC.kind, str(path), rejected)
    # (.df(): DuckDB hands a TIMESTAMPTZ scalar to Python only through pytz)
    newest_at = newest(con.execute("SELECT max(occurred_at) AS t FROM _valid").df()["t"])
    return ImportResult(
        SPEC.kind, str(path), staged + source.ragged_seen, added, quarantined, newest_at
    )
