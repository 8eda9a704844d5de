"""The Alerts page and the silenced marks on the Findings page, through Streamlit's AppTest on a
copy of the demo store, with alerts really delivered to a loopback receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from checks import get_check
from monitor.alerts.channels import channel_label
from monitor.alerts.dispatch import process_alerts
from monitor.alerts.silences import active_silences, add_silence
from monitor.config import Config, load_config
from monitor.incidents import open_incidents
from monitor.store import Store
from monitor.vocabulary.text import markdown_literal
from tests.conftest import DEMO_NOW
from tests.dashboard.pages import open_page
from tests.standins.webhook import WebhookReceiver

SECRET = "T0ps3cret-hook-key"


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def app(demo_store: Store, receiver: WebhookReceiver, dashboard):
    return dashboard(demo_store.path, MONITOR_ALERT_URLS=receiver.apprise_url(f"hooks/{SECRET}"))


def shown_text(app: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning") for e in app.get(kind)]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    return "\n".join(str(p) for p in parts)


def critical_incidents(store) -> int:
    return sum(1 for i in open_incidents(store, "demo") if i.severity == "critical")


def test_the_alerts_page_shows_the_outbox_transitions_and_channel_labels_but_no_url(
    app, demo_store, receiver
):
    process_alerts(demo_store, load_config(), DEMO_NOW + timedelta(seconds=31))
    # A first round on a store with history reminds each open critical incident, once.
    reminded = critical_incidents(demo_store)
    assert len(receiver.payloads) == reminded > 0

    open_page(app, "alerts")

    assert "Alerts" in [t.value for t in app.title]
    assert any("Demo workspace" in i.value for i in app.info)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Sent"], metrics["Failed, will retry"]) == (str(reminded), "0")
    channels = next(d.value for d in app.dataframe if "service" in d.value.columns)
    assert list(channels["channel"]) == [channel_label(receiver.apprise_url(f"hooks/{SECRET}"))]
    outbox = next(d.value for d in app.dataframe if "attempts" in d.value.columns)
    assert list(outbox["status"]) == ["sent"] * reminded
    transitions = next(d.value for d in app.dataframe if "transition" in d.value.columns)
    assert "alerted" in set(transitions["status"])
    text = shown_text(app)
    assert SECRET not in text and f":{receiver.port}" not in text


def test_the_alerts_page_lists_a_delivery_dropped_because_its_channel_was_removed(
    app, demo_store, receiver
):
    old = Config(alert_urls=(receiver.apprise_url("old-hook"),))
    receiver.status = 500
    process_alerts(demo_store, old, DEMO_NOW + timedelta(seconds=31), secrets={})
    receiver.status = 200
    process_alerts(demo_store, load_config(), DEMO_NOW + timedelta(minutes=2))  # hooks/SECRET

    open_page(app, "alerts")

    metrics = {m.label: m.value for m in app.metric}
    reminded = critical_incidents(demo_store)
    assert (metrics["Dropped, channel removed"], metrics["Failed, will retry"]) == (
        str(reminded),
        "0",
    )
    outbox = next(d.value for d in app.dataframe if "attempts" in d.value.columns)
    dropped = list(outbox[outbox["status"] == "dropped"].itertuples())
    assert len(dropped) == reminded
    for message in dropped:
        assert message.channel == channel_label(receiver.apprise_url("old-hook"))
        assert "channel no longer configured" in message.error
    assert any("dropped: its channel is no longer configured" in c.value for c in app.caption)


def test_a_silence_added_on_the_alerts_page_is_stored_and_can_be_ended(app, demo_store):
    open_page(app, "alerts")
    until = datetime.now(UTC) + timedelta(days=2)
    app.selectbox(key="silence-check").set_value("permission_failures")
    app.text_input(key="silence-subject").set_value("Lead.*")
    app.date_input(key="silence-day").set_value(until.date())
    app.text_input(key="silence-reason").set_value("profile fix on Monday")
    next(b for b in app.button if b.label == "Silence").click().run()
    assert not app.exception

    [silence] = active_silences(demo_store, load_config(), datetime.now(UTC))
    assert (silence.check, silence.subject, silence.instance) == (
        "permission_failures",
        "Lead.*",
        "demo",
    )
    assert silence.reason == "profile fix on Monday"
    assert any(silence.silence_id in m.value for m in app.markdown)

    app.button(key=f"end-{silence.silence_id}").click().run()

    assert not app.exception
    assert active_silences(demo_store, load_config(), datetime.now(UTC)) == []


def test_the_findings_page_marks_the_findings_a_silence_covers(app, demo_store):
    now = datetime.now(UTC)
    add_silence(
        demo_store,
        check="permission_failures",
        subject="Lead.*",
        until=now + timedelta(days=1),
        now=now,
    )

    open_page(app, "findings")

    table = app.dataframe[0].value
    silenced = table[table["silenced until"] != "—"]
    assert len(silenced) > 0
    title = get_check("permission_failures").title
    assert set(silenced["check"]) == {title}
    assert all(subject.startswith("Lead.") for subject in silenced["subject"])
    assert any(c.value.startswith("Silenced until") for c in app.caption)
    marked = [e.label for e in app.expander if e.label.endswith(" · silenced")]
    assert marked == [  # the subject is escaped Markdown: it renders as the words it is
        f"{row.severity.upper()} · {markdown_literal(title)} · {markdown_literal(row.subject)}"
        " · silenced"
        for row in silenced.itertuples()
    ]


def test_a_planned_window_added_on_the_alerts_page_marks_findings_expected_and_can_be_removed(
    app, demo_store
):
    from monitor.calendar import load_calendar

    open_page(app, "alerts")
    today = datetime.now(UTC).date()
    app.text_input(key="calendar-name").set_value("Lead score rebuild")
    app.text_input(key="calendar-object").set_value("Lead")
    app.date_input(key="calendar-start").set_value(today - timedelta(days=1))
    app.date_input(key="calendar-end").set_value(today + timedelta(days=1))
    next(b for b in app.button if b.label == "Add to the calendar").click().run()
    assert not app.exception

    [entry] = load_calendar(demo_store, load_config()).entries
    assert (entry.name, entry.object, entry.instance) == ("Lead score rebuild", "Lead", "demo")
    assert any("Lead score rebuild" in m.value for m in app.markdown)

    open_page(app, "findings")
    table = app.dataframe[0].value
    expected = table[table["expected during"] != "—"]
    assert len(expected) > 0 and all(s.startswith("Lead") for s in expected["subject"])
    assert any(e.label.endswith(" · expected (Lead score rebuild)") for e in app.expander)

    open_page(app, "alerts")
    app.button(key=f"calendar-remove-{entry.entry_id}").click().run()
    assert not app.exception
    assert load_calendar(demo_store, load_config()).entries == ()
