"""How the report writes numbers, times and cells (shared by the summary sentences and HTML)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

DASH = "–"
# The headings of the sync error tables by code (errors_by_code and its validation and
# data-quality cousins), as the Sync errors page names them.
ERROR_CODE_HEADINGS = {
    "error_code": "code",
    "last_seen": "last seen",
    "example_message": "example message",
}


def is_missing(value: Any) -> bool:
    """None, NaN, NA or NaT (but not an empty list)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def number(value: Any, decimals: int = 0) -> str:
    """1,234 (or 1,234.5); a dash for a missing value."""
    if is_missing(value):
        return DASH
    return f"{float(value):,.{decimals}f}"


def signed(value: float | None, decimals: int = 0) -> str:
    """+12 / −3 / ±0 (a real minus sign reads better in print)."""
    if value is None or is_missing(value):
        return DASH
    if round(value, decimals) == 0:
        return "±0"
    text = f"{abs(value):,.{decimals}f}"
    return f"+{text}" if value > 0 else f"−{text}"


def moment(value: Any) -> str:
    """2026-11-20 15:00 (UTC); a dash for a missing value."""
    if is_missing(value):
        return DASH
    if isinstance(value, str):
        return value
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M")


def hours_text(hours: float) -> str:
    """A drain-time estimate in words (monitor.health.drain_hours' inf and NaN included)."""
    if is_missing(hours):
        return "unknown (no throughput measured)"
    if math.isinf(hours):
        return "not draining"
    if hours == 0:
        return "clear"
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h"


def joined(values: Any) -> str:
    """A list-like cell as `a, b, c`."""
    if values is None or isinstance(values, str):
        return values or ""
    if isinstance(values, Iterable):
        return ", ".join(str(v) for v in values)
    return str(values)


def cell(value: Any) -> str:
    """One table cell as text for HTML (escaping is the template's job)."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | np.ndarray):
        return joined(value)
    if is_missing(value):
        return DASH
    if isinstance(value, datetime | pd.Timestamp | date):
        return moment(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return number(value, 0 if float(value).is_integer() else 1)
    return str(value)


def is_numeric_column(frame: pd.DataFrame, column: str) -> bool:
    """Right-align numbers (booleans are not numbers here)."""
    dtype = frame[column].dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def spaced_headings(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its query's column names as headings: `what_to_do` reads "what to do"."""
    return frame.rename(columns=lambda name: name.replace("_", " "))
