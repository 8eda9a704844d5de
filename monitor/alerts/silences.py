"""Silences: stop alerting about some findings until a time, by check and/or subject glob.

Two origins, one shape: [[silences]] tables in monitor.toml (edit the file to change them) and
silences created on the dashboard's Alerts page (a table; they can be ended early). A finding
transition that happens while a silence covers it is recorded as suppressed and never sent
later; only the repeat of a still-open critical speaks again once the silence is over.

The business calendar's planned windows (monitor/calendar.py) silence the same way, from their
start to their end, for the findings about their object (every object when it names none): the
findings still open and show, marked as expected, but nothing is sent about them.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from checks.base import subject_object
from monitor.calendar import BusinessCalendar, read_calendar
from monitor.config import Config
from monitor.errors import ConfigError, InputError
from monitor.store import Store
from monitor.store import alerts as alert_store
from queries import run_query

TOML_ORIGIN = "monitor.toml"
DASHBOARD_ORIGIN = "dashboard"
CALENDAR_ORIGIN = "business calendar"
KEYS = ("check", "subject", "instance", "until", "reason")


@dataclass(frozen=True)
class Silence:
    """Who is silenced (empty = any) and until when (aware UTC)."""

    check: str
    subject: str  # a glob such as Lead.* ; empty means any subject
    instance: str
    until: datetime
    reason: str
    origin: str  # monitor.toml | dashboard | business calendar
    silence_id: str = ""
    starts: datetime | None = None  # planned windows start; other silences run until `until`
    object: str = ""  # planned windows: the Salesforce object (empty = every object)

    @property
    def is_planned(self) -> bool:
        return self.origin == CALENDAR_ORIGIN

    def matches(self, instance: str, check: str, subject: str) -> bool:
        """Whether this silence covers that finding (ignoring time)."""
        return (
            (not self.instance or self.instance == instance)
            and (not self.check or self.check == check)
            and (not self.subject or fnmatch.fnmatchcase(subject, self.subject))
            and (not self.object or subject_object(subject) == self.object)
        )

    def is_active(self, now: datetime) -> bool:
        return self.until > now and (self.starts is None or self.starts <= now)

    def describe(self) -> str:
        """One line for messages and the dashboard, e.g. 'permission_failures Lead.* until …'."""
        if self.is_planned:
            scope = f" ({self.object})" if self.object else ""
            where = f" on {self.instance}" if self.instance else ""
            return (
                f"planned: {self.reason}{scope}{where}, {self.starts:%Y-%m-%d %H:%M} to "
                f"{self.until:%Y-%m-%d %H:%M} UTC, business calendar"
            )
        who = " ".join(part for part in (self.check, self.subject) if part) or "everything"
        where = f" on {self.instance}" if self.instance else ""
        why = f" ({self.reason})" if self.reason else ""
        return f"{who}{where} until {self.until:%Y-%m-%d %H:%M} UTC, {self.origin}{why}"


def _parse_until(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(
                f"{where}: until: {value!r} is not an ISO-8601 time "
                "(expected e.g. 2026-12-01T09:00:00Z)"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ConfigError(
                f"{where}: until: the time has no zone (write e.g. 2026-12-01T09:00:00Z "
                "or 2026-12-01T09:00:00-06:00)"
            )
        return value.astimezone(UTC)
    if isinstance(value, date):
        raise ConfigError(f"{where}: until: a date needs a time and a zone, e.g. {value}T00:00:00Z")
    raise ConfigError(f"{where}: until: expected an ISO-8601 time with a zone")


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key}: expected a string")
    return value.strip()


def _known_checks() -> list[str]:
    from checks import REGISTRY  # the registry imports every check; only validation needs it

    return [check.id for check in REGISTRY]


def parse_silences(config: Config) -> list[Silence]:
    """The [[silences]] tables of monitor.toml, validated; errors name the entry and the key."""
    source = config.path or TOML_ORIGIN
    silences = []
    known = None
    for number, entry in enumerate(config.silences, start=1):
        where = f"{source}: [[silences]] #{number}"
        unknown = sorted(set(entry) - set(KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(KEYS)})")
        if "until" not in entry:
            raise ConfigError(f"{where}: until: missing (when the silence ends, with a zone)")
        check = _text(entry, "check", where)
        subject = _text(entry, "subject", where)
        if not check and not subject:
            raise ConfigError(f"{where}: give a check, a subject pattern or both")
        known = known or _known_checks()
        if check and check not in known:
            raise ConfigError(
                f"{where}: check: unknown check {check!r} (known: {', '.join(known)})"
            )
        silences.append(
            Silence(
                check=check,
                subject=subject,
                instance=_text(entry, "instance", where),
                until=_parse_until(entry["until"], where),
                reason=_text(entry, "reason", where),
                origin=TOML_ORIGIN,
                silence_id=f"toml-{number}",
            )
        )
    return silences


def _from_frame(frame: pd.DataFrame) -> list[Silence]:
    return [
        Silence(
            check=row.check_id,
            subject=row.subject,
            instance=row.instance,
            until=row.until.to_pydatetime(),
            reason=row.reason,
            origin=DASHBOARD_ORIGIN,
            silence_id=row.silence_id,
        )
        for row in frame.itertuples(index=False)
    ]


def planned_silences(calendar: BusinessCalendar, start: datetime, end: datetime) -> list[Silence]:
    """The business calendar's windows overlapping [start, end), as silences."""
    return [
        Silence(
            check="",
            subject="",
            instance=entry.instance,
            until=finish,
            reason=entry.name,
            origin=CALENDAR_ORIGIN,
            silence_id=entry.entry_id or f"calendar-{number}",
            starts=begin,
            object=entry.object,
        )
        for number, entry in enumerate(calendar.entries, start=1)
        for begin, finish in entry.occurrences(start, end)
    ]


def active_silences(store: Store, config: Config, now: datetime) -> list[Silence]:
    """The silences in force at `now` (those of monitor.toml first, the business calendar's
    planned windows running at `now` last); a `now` far in the past gives every silence that
    ends after it (and no planned window: see `planned_silences`)."""
    with store.read() as con:
        return silences_at(con, config, now, read_calendar(con, config))


def silences_at(
    con: duckdb.DuckDBPyConnection, config: Config, now: datetime, calendar: BusinessCalendar
) -> list[Silence]:
    """active_silences on a connection already open, with the calendar already read."""
    dashboard = _from_frame(run_query(con, "silences_active", now=now))
    planned = planned_silences(calendar, now, now + timedelta(seconds=1))
    return [s for s in parse_silences(config) if s.is_active(now)] + dashboard + planned


def covering_silence(
    silences: Iterable[Silence], instance: str, check: str, subject: str, at: datetime
) -> Silence | None:
    """The first silence that covers this finding at `at`, if any."""
    for silence in silences:
        if silence.is_active(at) and silence.matches(instance, check, subject):
            return silence
    return None


def silenced_until(silences: list[Silence], findings: pd.DataFrame, now: datetime) -> list:
    """For each row of a findings frame (instance, check_id, subject): the end of the silence
    covering it, or None."""
    ends = []
    for row in findings.itertuples(index=False):
        silence = covering_silence(silences, row.instance, row.check_id, row.subject, now)
        ends.append(silence.until if silence else None)
    return ends


def expected_in(silences: list[Silence], findings: pd.DataFrame, now: datetime) -> list:
    """For each row of a findings frame (instance, check_id, subject): the name of the planned
    window of the business calendar it falls in at `now` (expected load), or None."""
    planned = [s for s in silences if s.is_planned]
    names = []
    for row in findings.itertuples(index=False):
        window = covering_silence(planned, row.instance, row.check_id, row.subject, now)
        names.append(window.reason if window else None)
    return names


def add_silence(
    store: Store,
    *,
    check: str = "",
    subject: str = "",
    instance: str = "",
    until: datetime,
    reason: str = "",
    now: datetime,
) -> Silence:
    """Create a dashboard silence; InputError for an empty or already-ended one."""
    check, subject, instance, reason = (v.strip() for v in (check, subject, instance, reason))
    if not check and not subject:
        raise InputError("a silence needs a check, a subject pattern or both")
    if until.tzinfo is None:
        raise InputError("until: the time needs a timezone")
    if until <= now:
        raise InputError(f"until: {until:%Y-%m-%d %H:%M} UTC is not in the future")
    silence = Silence(
        check=check,
        subject=subject,
        instance=instance,
        until=until.astimezone(UTC),
        reason=reason,
        origin=DASHBOARD_ORIGIN,
        silence_id=uuid.uuid4().hex[:12],
    )
    with store.write() as con:
        alert_store.add_silence(
            con,
            silence.silence_id,
            instance=instance,
            check=check,
            subject=subject,
            until=silence.until,
            reason=reason,
            now=now,
        )
    return silence


def expire_silence(store: Store, silence_id: str, now: datetime) -> bool:
    """End a dashboard silence now; True if it was running. Transitions that happened while it
    ran stay suppressed."""
    with store.write() as con:
        return alert_store.end_silence(con, silence_id, now)
