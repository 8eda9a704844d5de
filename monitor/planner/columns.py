"""Query results as plain numpy columns: the planner reads DuckDB without pandas, so that
`python -m monitor plan` starts without importing it (about 1 s of a busy machine's start)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np

from monitor.health import drain_hours, drain_pace


def plain_columns(raw: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """DuckDB's fetchnumpy columns with NULLs as NaN (numbers), NaT (times) or None."""
    columns = {}
    for name, values in raw.items():
        if isinstance(values, np.ma.MaskedArray):
            kind, missing = values.dtype.kind, np.ma.getmaskarray(values)
            data = np.ma.getdata(values)
            if kind in "iuf":
                values = np.where(missing, np.nan, data.astype(float))
            elif kind == "M":
                values = np.where(missing, np.datetime64("NaT"), data)
            else:
                values = np.where(missing, None, data.astype(object))
        columns[name] = np.asarray(values)
    return columns


def as_datetime(value: Any) -> datetime | None:
    """A UTC datetime from a numpy datetime64 (DuckDB gives TIMESTAMPTZ as UTC), else as is."""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return value.astype("datetime64[us]").item().replace(tzinfo=UTC)
    return value


def first_row(columns: Mapping[str, np.ndarray]) -> dict[str, Any] | None:
    """The first row as plain Python values (None for NULL), None without rows."""
    if not columns or not len(next(iter(columns.values()))):
        return None
    row = {}
    for name, values in columns.items():
        value = as_datetime(values[0])
        if isinstance(value, float) and math.isnan(value):
            value = None
        row[name] = value.item() if isinstance(value, np.generic) else value
    return row


def backlog_and_drain(
    latest: Mapping[str, np.ndarray], direction: str
) -> tuple[dict[str, float], dict[str, float]]:
    """Per object of `direction` (rows of backlog_latest): the records waiting now and the
    drain-time estimate in hours, as the Backlog page computes it (monitor/health.py)."""
    backlog, drain = {}, {}
    for obj, way, waiting, recent, average in zip(
        latest["object"],
        latest["direction"],
        latest["backlog"],
        latest["recent_throughput_per_hour"],
        latest["throughput_per_hour"],
        strict=True,
    ):
        if way != direction:
            continue
        waiting = 0.0 if waiting is None or math.isnan(float(waiting)) else float(waiting)
        pace, _ = drain_pace(float(recent), float(average))
        backlog[str(obj)] = waiting
        drain[str(obj)] = drain_hours(waiting, pace)
    return backlog, drain
