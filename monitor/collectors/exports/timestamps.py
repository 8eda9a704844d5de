"""Timestamps as Marketo writes them, in the exporting user's timezone, turned into UTC.

Marketo's UI writes the user's locale (US: `11/20/2026 02:05 PM`); an export that went through
a spreadsheet comes back as the spreadsheet's locale wrote it (`11/20/2026 14:05`, `1/5/26 2:05
PM`, `20/11/2026 14:05`, `2026-11-20 14:05:00`). Which of month and day comes first cannot be
told from `05/11/2026`: the user says so (`--date-order dmy`, or `date_order` in the config);
month first is the default, as Marketo's US UI writes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

DATE_ORDERS = ("mdy", "dmy")
_TIMES = ("%I:%M %p", "%I:%M:%S %p", "%H:%M", "%H:%M:%S")
_ISO = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
)
_HAS_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def naive_formats(date_order: str = "mdy") -> tuple[str, ...]:
    """The naive formats tried, in order: the locale's dates (4- then 2-digit years; leading
    zeros optional, AM/PM in any case) with 12- or 24-hour times, then ISO 8601 without an
    offset (`T` or a space, seconds and fractions optional)."""
    if date_order not in DATE_ORDERS:
        raise ValueError(f"date order {date_order!r}: expected one of {', '.join(DATE_ORDERS)}")
    day_month = "%m/%d" if date_order == "mdy" else "%d/%m"
    dates = [f"{day_month}/%Y", f"{day_month}/%y"]
    if date_order == "dmy":
        dates += ["%d.%m.%Y", "%d.%m.%y"]  # the dotted form of day-first locales
    return tuple(f"{date} {time}" for date in dates for time in _TIMES) + _ISO


def expected(date_order: str = "mdy") -> str:
    """What a bad time is told it should have been: the accepted forms, by example."""
    if date_order == "dmy":
        local = "20/11/2026 14:05, 20/11/2026 2:05 PM, 20.11.2026 14:05:00"
    else:
        local = "11/20/2026 02:05 PM, 1/5/2026 2:05:30 PM, 11/20/26 14:05"
    return (
        f"a date/time such as {local} (day {'first' if date_order == 'dmy' else 'second'}; "
        "--date-order says which), 2026-11-20 14:05[:00], or ISO 8601 with Z or an offset"
    )


# Kept for callers that do not know the order (month first, Marketo's US default).
EXPECTED = expected("mdy")

# A plausible time of a sync export: Marketo's Salesforce sync is younger than 2000, and a time
# more than a day ahead of the import (clock skew and zones aside) was never observed. This
# refuses a year 9999 or 0001 typed by mistake, which would otherwise sit in every chart.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)


def latest(now: datetime) -> datetime:
    """The latest time an import at `now` accepts."""
    return now + AHEAD


def out_of_range(times: pd.Series, now: datetime) -> pd.Series:
    """Parsed times (UTC) before EARLIEST or after latest(now); NaT is not out of range."""
    return times.notna() & ((times < EARLIEST) | (times > latest(now)))


def range_reason(now: datetime) -> str:
    """What a time out of range is told."""
    return (
        f"expected a time from {EARLIEST:%Y-%m-%d} to {latest(now):%Y-%m-%d %H:%M} UTC "
        "(a day after the import)"
    )


def parse_timestamps(values: pd.Series, zone: ZoneInfo, date_order: str = "mdy") -> pd.Series:
    """Parse strings to UTC timestamps; unparseable or empty values become NaT.

    Naive values are read in `zone`. In the autumn DST overlap the first (summer-time)
    reading is taken; a time inside the spring gap is moved forward, as the clock did.
    """
    text = values.fillna("").astype(str).str.strip()
    # pandas reads `now`, `today` (and a leading sign) whatever the format: a relative word
    # would be a new time at every import, so the same row would be stored again and again.
    # Every accepted form starts with a digit.
    text = text.where(text.str.match(r"^[0-9]"), "")
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    offset_mask = text.str.contains(_HAS_OFFSET, regex=True) & text.str.contains("-", regex=False)
    if offset_mask.any():
        parsed = pd.to_datetime(text[offset_mask], format="ISO8601", utc=True, errors="coerce")
        result[offset_mask] = parsed.astype("datetime64[us, UTC]")
    naive = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    pending = ~offset_mask & (text != "")
    for fmt in naive_formats(date_order):
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
