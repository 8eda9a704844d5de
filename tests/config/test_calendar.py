"""[[calendar]] in monitor.toml: planned windows and recurrences, read in the configured
timezone, and one clear line naming the entry and the field for a bad one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.config.calendar import windows
from monitor.errors import ConfigError
from tests.conftest import config_from_toml


def test_one_off_windows_read_naive_times_and_dates_in_the_configured_timezone(tmp_path):
    config = config_from_toml(
        tmp_path,
        'timezone = "America/Chicago"\n'
        "[[calendar]]\n"
        'name = "Lead score rebuild"\nobject = "Lead"\n'
        "start = 2026-11-21T20:00:00\nend = 2026-11-22T02:00:00\n"
        "[[calendar]]\n"
        'name = "Christmas"\nstart = 2026-12-24\nend = 2026-12-25\ninstance = "prod"\n'
        "[[calendar]]\n"
        'name = "Launch"\nstart = "2026-12-01T09:00:00Z"\nend = "2026-12-01T18:00:00+01:00"\n',
    )
    rebuild, christmas, launch = config.calendar_entries()
    # 20:00 in Chicago (UTC-6 in November) is 02:00 UTC the next day.
    assert rebuild.start == datetime(2026, 11, 22, 2, tzinfo=UTC)
    assert rebuild.end == datetime(2026, 11, 22, 8, tzinfo=UTC)
    assert rebuild.object == "Lead"
    # Dates are whole days in the configured zone; an end date covers its day.
    assert christmas.start == datetime(2026, 12, 24, 6, tzinfo=UTC)
    assert christmas.end == datetime(2026, 12, 26, 6, tzinfo=UTC)
    assert launch.end == datetime(2026, 12, 1, 17, tzinfo=UTC)
    span = windows(
        config.calendar_entries(),
        "staging",
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert list(span["name"]) == ["Lead score rebuild", "Launch"]  # Christmas is prod's only


def test_month_end_and_quarter_end_recur_in_the_configured_timezone(tmp_path):
    config = config_from_toml(
        tmp_path,
        'timezone = "Europe/Paris"\n'
        "[[calendar]]\n"
        'name = "Month-end close"\nevery = "month-end"\ndays = 2\nhours = 6\n'
        "[[calendar]]\n"
        'name = "Quarter-end"\nevery = "quarter-end"\nobject = "Opportunity"\n',
    )
    entries = config.calendar_entries()
    found = windows(
        entries, "prod", datetime(2026, 8, 15, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC)
    )
    month_ends = found[found["name"] == "Month-end close"]
    # Last 2 days of August, September, October (Paris time) and 6 hours into the next month.
    assert [str(t) for t in month_ends["start"]] == [
        "2026-08-29 22:00:00+00:00",
        "2026-09-28 22:00:00+00:00",
        "2026-10-29 23:00:00+00:00",
    ]
    assert str(month_ends["end"].iloc[0]) == "2026-09-01 04:00:00+00:00"
    quarter = found[found["name"] == "Quarter-end"]
    assert [str(t) for t in quarter["start"]] == ["2026-09-29 22:00:00+00:00"]
    assert list(quarter["object"]) == ["Opportunity"]
    assert "last 2 days of every month + 6 h after" in entries[0].describe()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("start = 2026-12-24\nend = 2026-12-25\n", "[[calendar]] #1: name: missing"),
        (
            'name = "Xmas"\nstart = "24/12/2026"\nend = 2026-12-25\n',
            "[[calendar]] #1 (Xmas): start: '24/12/2026' is not an ISO-8601 date or time",
        ),
        ('name = "Xmas"\nstart = 2026-12-24\n', "[[calendar]] #1 (Xmas): end: missing"),
        (
            'name = "Xmas"\nstart = 2026-12-26\nend = 2026-12-24\n',
            "[[calendar]] #1 (Xmas): end: 2026-12-25 00:00 UTC is not after start",
        ),
        (
            'name = "Close"\nevery = "fortnight"\n',
            "[[calendar]] #1 (Close): every: 'fortnight' is not a recurrence",
        ),
        (
            'name = "Close"\nevery = "month-end"\ndays = 0\n',
            "[[calendar]] #1 (Close): days: expected a whole number of at least 1",
        ),
        (
            'name = "Close"\nevery = "month-end"\nstart = 2026-12-24\n',
            "[[calendar]] #1 (Close): give start and end, or every, not both",
        ),
        ('name = "Close"\nevery = "month-end"\nobject = 3\n', "object: expected a string"),
        ('name = "Close"\nevery = "month-end"\nwhen = 1\n', "unknown key 'when'"),
    ],
)
def test_a_bad_entry_is_one_line_naming_the_entry_and_the_field(tmp_path, table, message):
    with pytest.raises(ConfigError) as raised:
        config_from_toml(tmp_path, "[[calendar]]\n" + table)
    text = str(raised.value)
    assert message in text and "monitor.toml" in text and "\n" not in text


def test_calendar_must_be_an_array_of_tables(tmp_path):
    with pytest.raises(ConfigError, match=r"calendar must be written as \[\[calendar\]\]"):
        config_from_toml(tmp_path, 'calendar = "month-end"\n')
