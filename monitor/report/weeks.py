"""ISO weeks in UTC: Monday 00:00 to the next Monday 00:00, named like 2026-W47."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WEEK_TEXT = re.compile(r"^\s*(\d{4})-[Ww](\d{1,2})\s*$")
ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, order=True)
class Week:
    """One ISO week; `start` is its Monday 00:00 UTC, `end` the next Monday 00:00 UTC."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def start(self) -> datetime:
        return datetime.fromisocalendar(self.year, self.number, 1).replace(tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=7)

    def previous(self) -> Week:
        return Week.containing(self.start - timedelta(days=1))

    def following(self) -> Week:
        return Week.containing(self.end)

    @classmethod
    def containing(cls, moment: datetime) -> Week:
        """The week `moment` (timezone-aware) falls in, in UTC."""
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        year, number, _ = moment.astimezone(UTC).isocalendar()
        return cls(year, number)

    def __str__(self) -> str:
        return self.label


def parse_week(text: str) -> Week:
    """`2026-W47` (or `2026-w47`) as a Week; a ValueError that says what was expected."""
    match = WEEK_TEXT.match(text or "")
    if not match:
        raise ValueError(f"{text!r}: expected an ISO week such as 2026-W47")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        datetime.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"{text!r}: {year} has no ISO week {number}") from None
    return Week(year, number)


def last_complete_week(now: datetime) -> Week:
    """The latest week that ended at or before `now`."""
    return Week.containing(now).previous()


def recent_weeks(until: datetime, count: int) -> list[Week]:
    """`count` weeks, newest first, starting with the week that holds `until`."""
    weeks = [Week.containing(until)]
    while len(weeks) < count:
        weeks.append(weeks[-1].previous())
    return weeks


@dataclass(frozen=True)
class Window:
    """The part of a week a report covers: [since, until], `until` being its last instant.

    A week in progress ends at the full hour after `now`, so that the checks' queries (which
    look back a whole number of hours from their `$now`) cover exactly the window."""

    week: Week
    since: datetime
    until: datetime
    is_partial: bool

    @property
    def hours(self) -> int:
        return round((self.until + ONE_MICROSECOND - self.since) / timedelta(hours=1))


def window_of(week: Week, now: datetime) -> Window:
    """The covered part of `week` as of `now`; a ValueError for a week not started yet."""
    if now <= week.start:
        raise ValueError(
            f"{week.label} has not started yet (it starts {week.start:%Y-%m-%d} UTC; "
            f"now is {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
        )
    # The hour after the one `now` is in: facts stamped `now` itself are in the report.
    next_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    boundary = min(week.end, next_hour + timedelta(hours=1))
    return Window(week, week.start, boundary - ONE_MICROSECOND, boundary < week.end)
