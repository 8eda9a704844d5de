"""The business calendar: planned windows (holidays, month-end and quarter-end loads, launches,
planned mass updates) during which heavy sync load is expected.

An entry is a one-off window (`start`, `end`) or a recurrence (`every` = month-end,
quarter-end or year-end: the last `days` days of the period and `hours` hours after it ends,
for loads that run past midnight). `object` limits it to one Salesforce object and `instance`
to one instance (empty: all). Times without a zone, dates and recurrences are read in the
configured timezone; a date as `end` covers that whole day.

Entries come from [[calendar]] tables of monitor.toml and from the dashboard (monitor/calendar.py
stores those); `windows` turns them into the frame checks receive as `data["calendar"]`
(start, end, object: aware UTC), which both mutes alerts in the window and leaves its samples
out of the baselines learnt afterwards (checks/seasonal.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from monitor.errors import ConfigError

if TYPE_CHECKING:  # pandas comes with the first window frame, not with the configuration
    import pandas as pd

KEYS = ("name", "start", "end", "every", "days", "hours", "object", "instance")
# Recurrences: the months whose end starts a window.
RECURRENCES = {
    "month-end": tuple(range(1, 13)),
    "quarter-end": (3, 6, 9, 12),
    "year-end": (12,),
}
WINDOW_COLUMNS = ["name", "instance", "object", "start", "end"]


@dataclass(frozen=True)
class CalendarEntry:
    """One planned window or recurrence; times aware UTC."""

    name: str
    start: datetime | None = None  # one-off window
    end: datetime | None = None
    every: str = ""  # a key of RECURRENCES
    days: int = 1  # last days of the period (recurrences)
    hours: int = 0  # hours after the period ends (recurrences)
    object: str = ""
    instance: str = ""
    timezone: str = "UTC"  # where month ends are counted
    origin: str = "monitor.toml"
    entry_id: str = ""

    def describe(self) -> str:
        """One line, e.g. 'Month-end close: last 2 days of every month (Lead, prod)'."""
        if self.every:
            period = self.every.removesuffix("-end")
            when = f"last {self.days} day{'s' if self.days != 1 else ''} of every {period}"
            when += f" + {self.hours} h after" if self.hours else ""
            when += f" ({self.timezone})"
        else:
            when = f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC"
        scope = ", ".join(part for part in (self.object, self.instance) if part)
        return f"{self.name}: {when}" + (f" ({scope})" if scope else "")

    def applies_to(self, instance: str) -> bool:
        return not self.instance or self.instance == instance

    def occurrences(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The windows of this entry that overlap [start, end)."""
        if not self.every:
            assert self.start is not None and self.end is not None
            return [(self.start, self.end)] if self.start < end and self.end > start else []
        zone = ZoneInfo(self.timezone)
        found = []
        first = start.astimezone(zone) - timedelta(days=self.days + 31)
        year, month = first.year, first.month
        while True:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            period_end = datetime(year, month, 1, tzinfo=zone)  # the start of the next period
            closing_month = 12 if month == 1 else month - 1
            window_start = (period_end - timedelta(days=self.days)).astimezone(UTC)
            if window_start >= end:
                return found
            if closing_month not in RECURRENCES[self.every]:
                continue
            window_end = (period_end + timedelta(hours=self.hours)).astimezone(UTC)
            if window_end > start:
                found.append((window_start, window_end))


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key}: expected a string")
    return value.strip()


def _whole(entry: dict[str, Any], key: str, where: str, default: int, least: int) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(f"{where}: {key}: expected a whole number of at least {least}")
    return value


def parse_time(value: Any, key: str, where: str, zone: ZoneInfo) -> datetime:
    """An aware UTC time from a TOML datetime or date or an ISO-8601 string; a time without a
    zone is read in `zone`, a date is its midnight there (as `end`: the next midnight)."""
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"{where}: {key}: {value!r} is not an ISO-8601 date or time "
                "(expected e.g. 2026-12-24 or 2026-12-31T18:00:00-06:00)"
            ) from None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    if isinstance(value, date):
        day = value + timedelta(days=1) if key == "end" else value
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    raise ConfigError(f"{where}: {key}: expected a date or a time, e.g. 2026-12-24")


def parse_entry(
    entry: dict[str, Any], where: str, timezone: str, origin: str = "monitor.toml"
) -> CalendarEntry:
    """One calendar entry, validated; a ConfigError names `where` and the field."""
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(KEYS)})")
    name = _text(entry, "name", where)
    if not name:
        raise ConfigError(f"{where}: name: missing (what is planned, e.g. 'Month-end close')")
    zone = ZoneInfo(timezone)
    common = {
        "name": name,
        "object": _text(entry, "object", where),
        "instance": _text(entry, "instance", where),
        "timezone": timezone,
        "origin": origin,
    }
    every = _text(entry, "every", where)
    if every:
        if every not in RECURRENCES:
            raise ConfigError(
                f"{where}: every: {every!r} is not a recurrence (expected {', '.join(RECURRENCES)})"
            )
        if "start" in entry or "end" in entry:
            raise ConfigError(f"{where}: give start and end, or every, not both")
        days = _whole(entry, "days", where, 1, 1)
        if days > 27:
            raise ConfigError(f"{where}: days: expected at most 27 (days before the period ends)")
        return CalendarEntry(
            every=every, days=days, hours=_whole(entry, "hours", where, 0, 0), **common
        )
    for key in ("days", "hours"):
        if key in entry:
            raise ConfigError(f"{where}: {key}: only a recurrence (every = ...) takes {key}")
    for key in ("start", "end"):
        if key not in entry:
            raise ConfigError(f'{where}: {key}: missing (or give every = "month-end")')
    start = parse_time(entry["start"], "start", where, zone)
    end = parse_time(entry["end"], "end", where, zone)
    if end <= start:
        raise ConfigError(f"{where}: end: {end:%Y-%m-%d %H:%M} UTC is not after start")
    return CalendarEntry(start=start, end=end, **common)


def parse_calendar(
    tables: tuple[dict[str, Any], ...], source: str, timezone: str
) -> list[CalendarEntry]:
    """The [[calendar]] tables of monitor.toml; errors name the entry (number and name)."""
    entries = []
    for number, table in enumerate(tables, start=1):
        label = f" ({table['name']})" if isinstance(table.get("name"), str) else ""
        where = f"{source}: [[calendar]] #{number}{label}"
        entries.append(parse_entry(table, where, timezone))
    return entries


def windows(
    entries: list[CalendarEntry], instance: str, start: datetime, end: datetime
) -> pd.DataFrame:
    """The planned windows of `instance` that overlap [start, end): name, instance, object,
    start, end (aware UTC), sorted by start."""
    import pandas as pd

    rows = [
        (entry.name, entry.instance, entry.object, begin, finish)
        for entry in entries
        if entry.applies_to(instance)
        for begin, finish in entry.occurrences(start, end)
    ]
    frame = pd.DataFrame(rows, columns=WINDOW_COLUMNS)
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.sort_values(["start", "name"], kind="stable").reset_index(drop=True)
