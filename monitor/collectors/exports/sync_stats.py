"""Generic series CSV `ts,object,direction,metric,value[,provenance]` -> sync_stats."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from monitor.collectors.exports.common import ImportRequest, ImportResult, newest, settle_problems
from monitor.collectors.exports.csvfile import CsvSpec, Problem, open_source, read_all
from monitor.collectors.exports.timestamps import (
    EXPECTED,
    out_of_range,
    parse_timestamps,
    range_reason,
)
from monitor.store.facts import insert_frame
from monitor.store.quarantine import quarantine
from monitor.vocabulary import API_NAME, DIRECTIONS, IMPORTABLE_PROVENANCES

PROVENANCES = IMPORTABLE_PROVENANCES
SPEC = CsvSpec(
    kind="sync-stats",
    columns={
        "ts": ("ts", "timestamp", "time"),
        "object": ("object",),
        "direction": ("direction",),
        "metric": ("metric",),
        "value": ("value",),
        "provenance": ("provenance",),
    },
    required=("ts", "object", "direction", "metric", "value"),
)


def import_sync_stats(con: duckdb.DuckDBPyConnection, request: ImportRequest) -> ImportResult:
    """Import series points (figures copied from Marketo's Throughput & Backlog page, ...);
    times after a day past the import's moment are refused."""
    path, instance, zone, now = request.path, request.instance, request.zone, request.now
    source = open_source(path, SPEC)
    frame = read_all(con, source)
    problems: list[Problem] = []
    frame["ts"] = parse_timestamps(frame["ts"], zone)
    for row in frame.index[frame["ts"].isna()]:
        problems.append(Problem(int(row), "ts", f"expected {EXPECTED}"))
    for row in frame.index[out_of_range(frame["ts"], now)]:
        problems.append(Problem(int(row), "ts", range_reason(now)))
    for row in frame.index[~frame["object"].str.fullmatch(API_NAME)]:
        problems.append(Problem(int(row), "object", "expected an sObject API name such as Lead"))
    for row in frame.index[~frame["direction"].isin(DIRECTIONS)]:
        problems.append(Problem(int(row), "direction", f"expected one of {', '.join(DIRECTIONS)}"))
    frame["metric"] = frame["metric"].str.lower()
    for row in frame.index[~frame["metric"].str.match(r"^[a-z][a-z0-9_]*$")]:
        problems.append(
            Problem(int(row), "metric", "expected a name such as backlog or throughput")
        )
    values = pd.to_numeric(frame["value"].str.replace(",", "", regex=False), errors="coerce")
    # inf and nan are no figures (1e400 reads as inf): a finite number or the row is refused.
    finite = pd.Series(np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)), values.index)
    for row in frame.index[~finite | (values < 0)]:
        problems.append(Problem(int(row), "value", "expected a finite number >= 0"))
    frame["value"] = values
    frame["provenance"] = frame["provenance"].str.lower().replace("", "reported")
    for row in frame.index[~frame["provenance"].isin(PROVENANCES)]:
        problems.append(
            Problem(int(row), "provenance", f"expected one of {', '.join(PROVENANCES)} or empty")
        )
    good, rejected = settle_problems(source, frame, problems, skip_invalid=request.skip_invalid)
    out = frame.loc[good, ["ts", "object", "direction", "metric", "value", "provenance"]].copy()
    out.insert(0, "instance", instance)
    added = insert_frame(con, "sync_stats", out)
    quarantined = quarantine(con, instance, SPEC.kind, str(path), rejected)
    return ImportResult(
        SPEC.kind, str(path), len(frame) + source.ragged_seen, added, quarantined, newest(out["ts"])
    )
