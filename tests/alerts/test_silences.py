"""Silences: [[silences]] in monitor.toml (validated, errors naming the entry and key) and
silences created and ended from the dashboard, on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from monitor.alerts.silences import (
    Silence,
    active_silences,
    add_silence,
    covering_silence,
    expire_silence,
    parse_silences,
    silenced_until,
)
from monitor.config import Config
from monitor.errors import ConfigError, InputError
from tests.conftest import config_from_toml

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_silences_are_read_from_monitor_toml_with_times_in_any_zone(tmp_path):
    config = config_from_toml(
        tmp_path,
        """
[[silences]]
check = "permission_failures"
subject = "Lead.*"
until = 2026-11-21T09:00:00-06:00
reason = "profile fix scheduled"

[[silences]]
subject = "*.Lead_Score__c"
instance = "sandbox"
until = "2026-11-22T00:00:00Z"
""",
    )

    first, second = parse_silences(config)

    assert first == Silence(
        check="permission_failures",
        subject="Lead.*",
        instance="",
        until=datetime(2026, 11, 21, 15, 0, tzinfo=UTC),
        reason="profile fix scheduled",
        origin="monitor.toml",
        silence_id="toml-1",
    )
    assert (second.check, second.instance, second.until) == (
        "",
        "sandbox",
        datetime(2026, 11, 22, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('check = "formula_fields"', "[[silences]] #2: until: missing"),
        (
            'check = "formula_fields"\nuntil = 2026-11-21T09:00:00',
            "[[silences]] #2: until: the time has no zone",
        ),
        (
            'check = "formula_fields"\nuntil = 2026-11-21',
            "[[silences]] #2: until: a date needs a time and a zone",
        ),
        (
            'check = "formula_fields"\nuntil = "next tuesday"',
            "[[silences]] #2: until: 'next tuesday' is not an ISO-8601 time",
        ),
        ('until = "2026-11-21T09:00:00Z"', "[[silences]] #2: give a check, a subject pattern"),
        (
            'check = "formula_field"\nuntil = "2026-11-21T09:00:00Z"',
            "[[silences]] #2: check: unknown check 'formula_field'",
        ),
        (
            'check = "formula_fields"\nuntill = "2026-11-21T09:00:00Z"',
            "[[silences]] #2: unknown key 'untill'",
        ),
        ('subject = 5\nuntil = "2026-11-21T09:00:00Z"', "[[silences]] #2: subject: expected a"),
    ],
)
def test_a_wrong_silence_is_one_sentence_naming_the_entry_and_the_key(tmp_path, entry, message):
    first = '[[silences]]\nsubject = "Lead.*"\nuntil = "2026-12-01T00:00:00Z"\n'
    config = config_from_toml(tmp_path, f"{first}\n[[silences]]\n{entry}\n")

    with pytest.raises(ConfigError) as caught:
        parse_silences(config)

    assert str(caught.value).startswith(f"{tmp_path / 'monitor.toml'}: ")
    assert message in str(caught.value)


def test_a_silence_matches_by_check_subject_glob_and_instance():
    silence = Silence("permission_failures", "Lead.*", "prod", T0, "", "dashboard")

    assert silence.matches("prod", "permission_failures", "Lead.Rating")
    assert not silence.matches("sandbox", "permission_failures", "Lead.Rating")
    assert not silence.matches("prod", "formula_fields", "Lead.Rating")
    assert not silence.matches("prod", "permission_failures", "Contact.Rating")
    everywhere = Silence("", "*.Rating", "", T0, "", "dashboard")
    assert everywhere.matches("sandbox", "sync_user_drift", "Lead.Rating")


def test_a_silence_covers_until_its_end_and_not_after():
    silences = [Silence("formula_fields", "", "", T0, "", "monitor.toml")]

    before = covering_silence(silences, "prod", "formula_fields", "Lead.Age__c", T0 - timedelta(1))
    after = covering_silence(silences, "prod", "formula_fields", "Lead.Age__c", T0)

    assert before is silences[0]
    assert after is None


def test_a_silence_added_on_the_dashboard_is_active_until_ended(store):
    config = Config(silences=({"check": "formula_fields", "until": "2026-11-30T00:00:00Z"},))
    added = add_silence(
        store,
        check="permission_failures",
        subject=" Lead.* ",
        instance="prod",
        until=T0 + timedelta(hours=4),
        reason="fixing the profile",
        now=T0,
    )

    active = active_silences(store, config, T0 + timedelta(hours=1))

    assert [s.origin for s in active] == ["monitor.toml", "dashboard"]
    assert active[1] == added
    assert added.subject == "Lead.*"
    assert expire_silence(store, added.silence_id, T0 + timedelta(hours=2))
    assert not expire_silence(store, added.silence_id, T0 + timedelta(hours=2))
    assert [s.origin for s in active_silences(store, config, T0 + timedelta(hours=2))] == [
        "monitor.toml"
    ]
    # It still covers what happened while it ran.
    covering = active_silences(store, config, T0 + timedelta(hours=1, minutes=59))
    assert [s.origin for s in covering] == ["monitor.toml", "dashboard"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"check": "", "subject": " "}, "needs a check, a subject pattern or both"),
        ({"until": T0 - timedelta(minutes=1)}, "is not in the future"),
        ({"until": datetime(2026, 11, 21, 8, 0)}, "needs a timezone"),
    ],
)
def test_a_dashboard_silence_that_cannot_work_is_refused(store, changes, message):
    fields = {"check": "formula_fields", "until": T0 + timedelta(hours=1), **changes}

    with pytest.raises(InputError, match=message):
        add_silence(store, now=T0, **fields)

    assert active_silences(store, Config(), T0) == []


def test_each_finding_row_gets_the_end_of_the_silence_covering_it():
    silences = [Silence("", "Lead.*", "", T0 + timedelta(hours=2), "", "dashboard")]
    findings = pd.DataFrame(
        {
            "instance": ["prod", "prod"],
            "check_id": ["permission_failures", "permission_failures"],
            "subject": ["Lead.Rating", "Contact.Rating"],
        }
    )

    assert silenced_until(silences, findings, T0) == [T0 + timedelta(hours=2), None]


def test_a_calendar_entry_added_on_the_dashboard_silences_its_window_only(store):
    from monitor.calendar import add_calendar_entry, load_calendar, remove_calendar_entry

    config = Config(timezone="America/Chicago")
    entry = add_calendar_entry(
        store,
        config,
        name="Quarter-end close",
        every="quarter-end",
        days=2,
        object_name="Opportunity",
        now=T0,
    )
    # December 30, 00:00 in Chicago is 06:00 UTC; the window ends with the year there.
    inside = datetime(2026, 12, 30, 12, tzinfo=UTC)
    [planned] = active_silences(store, config, inside)
    assert planned.is_planned and planned.starts == datetime(2026, 12, 30, 6, tzinfo=UTC)
    assert planned.until == datetime(2027, 1, 1, 6, tzinfo=UTC)
    assert planned.matches("prod", "backlog_spike", "Opportunity/sfdc_to_marketo")
    assert not planned.matches("prod", "backlog_spike", "Lead/sfdc_to_marketo")
    assert active_silences(store, config, datetime(2026, 11, 30, 12, tzinfo=UTC)) == []
    assert [e.name for e in load_calendar(store, config).entries] == ["Quarter-end close"]

    assert remove_calendar_entry(store, entry.entry_id, T0)
    assert active_silences(store, config, inside) == []


def test_a_bad_calendar_entry_from_the_dashboard_is_one_line(store):
    from monitor.calendar import add_calendar_entry

    with pytest.raises(InputError, match="calendar entry: end: .* is not after start"):
        add_calendar_entry(
            store, Config(), name="Launch", start=T0, end=T0 - timedelta(hours=1), now=T0
        )
