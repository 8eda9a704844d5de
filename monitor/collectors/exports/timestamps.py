"""Timestamps as Marketo writes them, in the exporting user's timezone, turned into UTC."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

# Tried in order on the values that are still unparsed. Marketo's UI writes US-style dates.
NAIVE_FORMATS = (
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
)
_HAS_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
EXPECTED = "a date/time such as 11/20/2026 02:05 PM, 2026-11-20 14:05:00 or ISO 8601"


def parse_timestamps(values: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Parse strings to UTC timestamps; unparseable or empty values become NaT.

    Naive values are read in `zone`. In the autumn DST overlap the first (summer-time)
    reading is taken; a time inside the spring gap is moved forward, as the clock did.
    """
    text = values.fillna("").astype(str).str.strip()
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    offset_mask = text.str.contains(_HAS_OFFSET, regex=True) & text.str.contains("-", regex=False)
    if offset_mask.any():
        parsed = pd.to_datetime(text[offset_mask], format="ISO8601", utc=True, errors="coerce")
        result[offset_mask] = parsed.astype("datetime64[us, UTC]")
    naive = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    pending = ~offset_mask & (text != "")
    for fmt in NAIVE_FORMATS:
        if not pending.any():
            break
        parsed = pd.to_datetime(text[pending], format=fmt, errors="coerce")
        hit = parsed.notna()
        if hit.any():
            naive[parsed.index[hit]] = parsed[hit].astype("datetime64[us]")
            pending[parsed.index[hit]] = False
    has_naive = naive.notna()
    if has_naive.any():
        local = naive[has_naive].dt.tz_localize(
            zone, ambiguous=np.ones(int(has_naive.sum()), dtype=bool), nonexistent="shift_forward"
        )
        result[has_naive] = local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return result
