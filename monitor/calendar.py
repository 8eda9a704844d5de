"""The business calendar in force: [[calendar]] entries of monitor.toml plus those added on the
dashboard (a table), and the planned windows they give a check (monitor/config/calendar.py
defines entries and windows).

The runner, the scheduler and the backtest hand checks the windows of the judged instance as
`data["calendar"]` (start, end, object); alerting reads the same windows as silences
(monitor/alerts/silences.py), so a finding in a planned window may open and be shown, marked as
expected, and is never sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd

from monitor.config import Config
from monitor.config.calendar import CalendarEntry, parse_entry, windows
from monitor.errors import ConfigError, InputError
from monitor.store import Store
from monitor.store import calendar as calendar_store
from queries import run_query

DASHBOARD_ORIGIN = "dashboard"
# How far back a judged moment's windows reach: at least as long as any baseline learns (the
# data is not kept longer than retention_days anyway).
LOOKBACK = timedelta(days=400)


@dataclass(frozen=True)
class BusinessCalendar:
    """Every calendar entry in force (monitor.toml first, then the dashboard's)."""

    entries: tuple[CalendarEntry, ...] = ()

    def windows(self, instance: str, start: datetime, end: datetime) -> pd.DataFrame:
        """Planned windows of `instance` overlapping [start, end): name, instance, object,
        start, end (aware UTC)."""
        return windows(list(self.entries), instance, start, end)

    def windows_around(self, instance: str, now: datetime) -> pd.DataFrame:
        """The windows a check judged at `now` needs: every one its history may hold."""
        return self.windows(instance, now - LOOKBACK, now + timedelta(days=1))


def _from_row(row, timezone: str) -> CalendarEntry:
    return CalendarEntry(
        name=row.name,
        start=None if pd.isna(row.starts_at) else row.starts_at.to_pydatetime(),
        end=None if pd.isna(row.ends_at) else row.ends_at.to_pydatetime(),
        every=row.every,
        days=int(row.days),
        hours=int(row.hours),
        object=row.object,
        instance=row.instance,
        timezone=timezone,
        origin=DASHBOARD_ORIGIN,
        entry_id=row.entry_id,
    )


def load_calendar(store: Store, config: Config) -> BusinessCalendar:
    """The calendar in force: monitor.toml's entries, then the dashboard's."""
    with store.read() as con:
        return read_calendar(con, config)


def read_calendar(con: duckdb.DuckDBPyConnection, config: Config) -> BusinessCalendar:
    """load_calendar on a connection already open (a round that reads and writes in one)."""
    frame = run_query(con, "calendar_entries")
    added = [_from_row(row, config.timezone) for row in frame.itertuples(index=False)]
    return BusinessCalendar(tuple(config.calendar_entries() + added))


def add_calendar_entry(
    store: Store,
    config: Config,
    *,
    name: str,
    start: datetime | None = None,
    end: datetime | None = None,
    every: str = "",
    days: int = 1,
    hours: int = 0,
    object_name: str = "",
    instance: str = "",
    now: datetime,
) -> CalendarEntry:
    """Add a planned window (start, end) or a recurrence (every, days, hours) from the
    dashboard; InputError in one line for a bad one (the same rules as monitor.toml)."""
    table = {"name": name, "object": object_name, "instance": instance}
    if every:
        table.update(every=every, days=days, hours=hours)
    else:
        table.update(start=start, end=end)
    table = {key: value for key, value in table.items() if value is not None}
    try:
        entry = parse_entry(table, "calendar entry", config.timezone, DASHBOARD_ORIGIN)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    entry_id = uuid.uuid4().hex[:12]
    with store.write() as con:
        calendar_store.add_entry(
            con,
            entry_id,
            instance=entry.instance,
            name=entry.name,
            object_name=entry.object,
            starts_at=entry.start,
            ends_at=entry.end,
            every=entry.every,
            days=entry.days,
            hours=entry.hours,
            now=now.astimezone(UTC),
        )
    return CalendarEntry(**{**entry.__dict__, "entry_id": entry_id})


def remove_calendar_entry(store: Store, entry_id: str, now: datetime) -> bool:
    """Remove a dashboard entry; True if it was there. Samples of its past windows go back into
    the baselines at the next judgement."""
    with store.write() as con:
        return calendar_store.remove_entry(con, entry_id, now)
