"""Stateful alerts end to end: real finding transitions from the check runner on a real DuckDB
file, delivered by apprise to a real HTTP receiver on 127.0.0.1, with the clock driven forward
by `now` (no sleeping)."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from checks import get_check
from monitor.alerts.channels import apprise_channels, channel_label
from monitor.alerts.dispatch import process_alerts, queue_report
from monitor.cli import main
from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.runner import acknowledge_finding, fingerprint, run_checks
from monitor.store import TABLES, Store
from monitor.store.facts import ensure_instance
from monitor.store.retention import apply_retention
from monitor.store.snapshots import write_permission_snapshot
from monitor.store.sync_errors import write_sync_errors
from tests.conftest import DEMO_NOW, REPO, export_reaches
from tests.standins.webhook import WebhookReceiver

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
WAIT = timedelta(seconds=31)  # just past the default group wait of 30 s
INSTANCE = "prod"
SECRET = "xoxb-5ecret-T0ken-9f8e7d"
PERMISSIONS = get_check("permission_failures")


def fail_updates(store: Store, field: str, records: int, at: datetime, instance=INSTANCE) -> None:
    """`records` Lead records fail to sync `field` at `at`, as Marketo's Sync Errors export
    words it (10 records or more make the finding critical)."""
    frame = pd.DataFrame(
        {
            "occurred_at": [at] * records,
            "object": "Lead",
            "failed_on": "Record",
            "marketo_id": [str(1000 + i) for i in range(records)],
            "sfdc_id": [f"00Q{i:015d}" for i in range(records)],
            "error_type": "Failed to update SFDC",
            "error_details": f"INSUFFICIENT_ACCESS_OR_READONLY: Unable to create/update fields: "
            f"{field}. Please check the security settings of this field.",
        }
    )
    with store.write() as con:
        ensure_instance(con, instance)
        write_sync_errors(con, instance, frame, source="test", raw_sql="NULL")


def check(store: Store, now: datetime, *, lookback_hours: int = 1, instance=INSTANCE, **settings):
    """Run the real permission_failures check on an export reaching `now`: errors older than
    the lookback are gone."""
    export_reaches(store, instance, now)
    overrides = {"permission_failures": {"lookback_hours": lookback_hours, **settings}}
    return run_checks(store, instance, now, overrides=overrides, checks=[PERMISSIONS])


def lose_edit(store: Store, fields: list[str], at: datetime, instance=INSTANCE) -> None:
    """A profile change at `at`: the sync user's permission snapshots show edit on these Lead
    fields lost, so their failures share one cause (one incident, one message)."""
    with store.write() as con:
        ensure_instance(con, instance)
        before = [(field, True, True) for field in fields]
        write_permission_snapshot(con, instance, "Lead", before, at - timedelta(days=1), "test")
        after = [(field, True, False) for field in fields]
        write_permission_snapshot(con, instance, "Lead", after, at, "test")


# Only the failing updates make findings (not the snapshot's gaps), so they open one by one.
ERRORS_ONLY = {"write_objects": []}
SHARED = ["Lead_Score__c", "Rating", "Lead_Status_Reason__c"]


def fp(field: str, instance: str = INSTANCE) -> str:
    return fingerprint("permission_failures", instance, f"Lead.{field}")


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def config(receiver: WebhookReceiver) -> Config:
    return Config(alert_urls=(receiver.apprise_url(f"hooks/{SECRET}"),))


def alert(store: Store, config: Config, now: datetime, **changes):
    """One alerting round at `now`, secrets from nowhere but the config."""
    if changes:
        config = Config(**{**config.__dict__, **changes})
    return process_alerts(store, config, now, secrets={})


def outbox(store: Store) -> pd.DataFrame:
    return store.query("alert_outbox_recent", limit=100)


def ledger(store: Store) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(fingerprint, transition) -> (status, reason) of every consumed transition."""
    with store.read() as con:
        rows = con.execute(
            "SELECT fingerprint, transition, status, reason FROM alert_transitions"
        ).fetchall()
    return {(f, t): (s, r) for f, t, s, r in rows}


def test_three_transitions_of_one_cause_within_the_group_wait_go_out_as_one_message(
    store, receiver, config
):
    lose_edit(store, SHARED, T0 - timedelta(hours=1))
    fail_updates(store, "Lead_Score__c", 12, T0)
    check(store, T0, **ERRORS_ONLY)
    assert alert(store, config, T0).queued == 0  # the group waits for others to join
    fail_updates(store, "Rating", 3, T0 + timedelta(seconds=10))
    check(store, T0 + timedelta(seconds=10), **ERRORS_ONLY)
    alert(store, config, T0 + timedelta(seconds=10))
    fail_updates(store, "Lead_Status_Reason__c", 2, T0 + timedelta(seconds=20))
    check(store, T0 + timedelta(seconds=20), **ERRORS_ONLY)
    alert(store, config, T0 + timedelta(seconds=20))
    assert receiver.payloads == []

    summary = alert(store, config, T0 + WAIT)

    assert (summary.messages, summary.queued, summary.sent, summary.failed) == (1, 1, 1, 0)
    [payload] = receiver.payloads
    assert payload["title"] == (
        "[prod] Sync health: The sync user lost edit on 3 Lead fields at 2026-11-20 07:00 UTC; "
        "17 updates failed since 2026-11-20 08:00 UTC (3 opened)"
    )
    assert "CRITICAL incident opened" in payload["message"]
    assert (
        "Fix: Restore edit on Lead.Lead_Score__c, Lead.Lead_Status_Reason__c and Lead.Rating"
        in (payload["message"])
    )
    assert payload["type"] == "failure"  # a critical is among them
    body = payload["message"]
    for subject in ("Lead.Lead_Score__c", "Lead.Rating", "Lead.Lead_Status_Reason__c"):
        assert f"permission_failures · {subject}" in body
    assert body.index("CRITICAL opened") < body.index("WARNING opened")  # worst first
    assert "Owner: Salesforce admin" in body
    assert "/findings?instance=prod" in body


def test_findings_joining_an_alerted_incident_wait_for_the_group_interval_as_its_update(
    store, receiver, config
):
    lose_edit(store, SHARED, T0 - timedelta(hours=1))
    fail_updates(store, "Lead_Score__c", 12, T0)
    check(store, T0, **ERRORS_ONLY)
    alert(store, config, T0 + WAIT)  # message 1
    for minute, field in ((1, "Rating"), (2, "Lead_Status_Reason__c")):
        fail_updates(store, field, 2, T0 + timedelta(minutes=minute))
        check(store, T0 + timedelta(minutes=minute), **ERRORS_ONLY)
        alert(store, config, T0 + timedelta(minutes=minute) + WAIT)
    assert len(receiver.payloads) == 1  # at most one message per instance per 5 minutes

    alert(store, config, T0 + WAIT + timedelta(minutes=5))

    assert len(receiver.payloads) == 2
    first, second = receiver.payloads
    assert first["title"].endswith("(1 opened)")
    assert second["title"].startswith("[prod] Sync health: The sync user lost edit on 3 Lead")
    assert second["title"].endswith("(2 opened)")
    assert "CRITICAL incident updated" in second["message"]
    assert "Lead.Rating" in second["message"] and "Lead.Lead_Status_Reason__c" in second["message"]
    assert "permission_failures · Lead.Lead_Score__c" not in second["message"]
    assert (
        first["message"].split("\n")[0].split(" · ")[1]
        == (second["message"].split("\n")[0].split(" · ")[1])
    )  # the same incident id

    # Long after the interval, a new transition again only waits for the group wait.
    later = T0 + timedelta(minutes=20)
    fail_updates(store, "Company", 2, later)
    check(store, later, **ERRORS_ONLY)
    alert(store, config, later + timedelta(seconds=10))
    assert len(receiver.payloads) == 2
    alert(store, config, later + WAIT)
    assert len(receiver.payloads) == 3


def test_running_the_alerts_again_sends_nothing_new(store, receiver, config):
    fail_updates(store, "Lead_Score__c", 12, T0)
    check(store, T0)
    alert(store, config, T0 + WAIT)
    check(store, T0 + timedelta(minutes=1))  # still open: no transition

    again = [alert(store, config, T0 + timedelta(minutes=m)) for m in (1, 6, 30)]

    assert [(s.queued, s.sent, s.messages) for s in again] == [(0, 0, 0)] * 3
    assert len(receiver.payloads) == 1
    assert list(outbox(store)["status"]) == ["sent"]


def test_a_still_open_critical_is_repeated_every_repeat_interval_and_a_warning_is_not(
    store, receiver, config
):
    fail_updates(store, "Lead_Score__c", 12, T0)
    fail_updates(store, "Rating", 3, T0)
    check(store, T0, lookback_hours=24)
    alert(store, config, T0 + WAIT)
    check(store, T0 + timedelta(hours=3), lookback_hours=24)
    alert(store, config, T0 + timedelta(hours=4))  # 4 h since the first alert: not yet
    assert len(receiver.payloads) == 2  # two unrelated findings: two incidents, two messages

    check(store, T0 + timedelta(hours=4), lookback_hours=24)
    alert(store, config, T0 + WAIT + timedelta(hours=4))

    assert len(receiver.payloads) == 3
    repeat = receiver.payloads[2]
    assert repeat["title"].startswith("[prod] Sync health: Sync updates to Lead.Lead_Score__c")
    assert repeat["title"].endswith("(1 still open)")
    assert "CRITICAL still open** · permission_failures · Lead.Lead_Score__c" in repeat["message"]
    assert "Lead.Rating" not in repeat["message"]
    alert(store, config, T0 + WAIT + timedelta(hours=5))
    assert len(receiver.payloads) == 3
    alert(store, config, T0 + WAIT + timedelta(hours=8))
    assert len(receiver.payloads) == 4


def test_an_acknowledged_critical_is_not_repeated(store, receiver, config):
    fail_updates(store, "Lead_Score__c", 12, T0)
    check(store, T0, lookback_hours=24)
    alert(store, config, T0 + WAIT)
    assert acknowledge_finding(store, fp("Lead_Score__c"), T0 + timedelta(hours=1))

    alert(store, config, T0 + timedelta(hours=5))
    alert(store, config, T0 + timedelta(hours=13))

    assert len(receiver.payloads) == 1


def test_a_resolved_finding_sends_a_resolved_message(store, receiver, config):
    fail_updates(store, "Rating", 3, T0)
    check(store, T0)
    alert(store, config, T0 + WAIT)
    resolved_at = T0 + timedelta(hours=1, minutes=1)  # the errors left the 1 h lookback
    summary = check(store, resolved_at)
    assert [t.transition for t in summary.transitions] == ["resolved"]

    alert(store, config, resolved_at + WAIT)

    assert len(receiver.payloads) == 2
    resolved = receiver.payloads[1]
    assert resolved["title"].endswith("(1 resolved)")
    assert "incident resolved" in resolved["message"]
    assert resolved["type"] == "success"
    assert "WARNING resolved** · permission_failures · Lead.Rating" in resolved["message"]


def test_a_reopened_finding_is_alerted_like_an_opening(store, receiver, config):
    fail_updates(store, "Rating", 3, T0)
    check(store, T0)
    alert(store, config, T0 + WAIT)
    check(store, T0 + timedelta(hours=1, minutes=1))
    alert(store, config, T0 + timedelta(hours=1, minutes=2))  # resolved
    back = T0 + timedelta(hours=2)
    fail_updates(store, "Rating", 4, back)
    assert [t.transition for t in check(store, back).transitions] == ["reopened"]

    alert(store, config, back + WAIT)

    assert [p["title"].rsplit(" (", 1)[1] for p in receiver.payloads] == [
        "1 opened)",
        "1 resolved)",
        "1 reopened)",
    ]
    assert "incident opened" in receiver.payloads[2]["message"]
    assert (
        "WARNING reopened** · permission_failures · Lead.Rating"
        in (receiver.payloads[2]["message"])
    )


def test_an_opening_and_resolution_in_one_group_read_as_one_line(store, receiver, config):
    fail_updates(store, "Rating", 3, T0 - timedelta(minutes=59))
    check(store, T0)
    check(store, T0 + timedelta(minutes=2))  # the errors aged out: resolved

    alert(store, config, T0 + timedelta(minutes=3))

    [payload] = receiver.payloads
    assert "WARNING opened → resolved** · permission_failures · Lead.Rating" in payload["message"]
    assert payload["title"].endswith("(1 resolved)")


def test_a_deescalation_is_recorded_but_not_sent_and_ends_the_repeats(store, receiver, config):
    fail_updates(store, "Lead_Score__c", 12, T0)
    check(store, T0)
    alert(store, config, T0 + WAIT)
    fail_updates(store, "Lead_Score__c", 3, T0 + timedelta(minutes=50))
    later = T0 + timedelta(hours=1, minutes=10)  # only the 3 newer records remain: a warning
    assert [t.transition for t in check(store, later).transitions] == ["deescalated"]

    alert(store, config, later + WAIT)
    alert(store, config, T0 + timedelta(hours=6))

    assert len(receiver.payloads) == 1
    assert ledger(store)[(fp("Lead_Score__c"), "deescalated")] == (
        "not_alerted",
        "a severity drop is not alerted",
    )


def test_an_escalation_is_sent(store, receiver, config):
    fail_updates(store, "Rating", 3, T0)
    check(store, T0)
    alert(store, config, T0 + WAIT)
    fail_updates(store, "Rating", 12, T0 + timedelta(minutes=10))
    check(store, T0 + timedelta(minutes=10))

    alert(store, config, T0 + timedelta(minutes=10) + WAIT)

    assert receiver.payloads[1]["title"].endswith("(1 escalated)")
    assert (
        "CRITICAL escalated** · permission_failures · Lead.Rating"
        in (receiver.payloads[1]["message"])
    )


def silence(until: datetime, **match) -> dict:
    return {"check": "permission_failures", "until": until.isoformat(), "reason": "fix", **match}


def test_a_silence_suppresses_what_it_covers_and_records_it(store, receiver, config):
    silenced = Config(
        **{**config.__dict__, "silences": (silence(T0 + timedelta(hours=2), subject="*.Rat*"),)}
    )
    fail_updates(store, "Lead_Score__c", 12, T0)
    fail_updates(store, "Rating", 12, T0)
    check(store, T0)

    summary = process_alerts(store, silenced, T0 + WAIT, secrets={})

    assert summary.suppressed == 1
    [payload] = receiver.payloads
    assert "Lead.Lead_Score__c" in payload["message"] and "Lead.Rating" not in payload["message"]
    status, reason = ledger(store)[(fp("Rating"), "opened")]
    assert status == "suppressed"
    assert reason.startswith("silenced: permission_failures *.Rat* until 2026-11-20 10:00 UTC")


def test_after_a_silence_ends_its_transitions_stay_unsent_but_an_open_critical_is_repeated(
    store, receiver, config
):
    silenced = Config(
        **{**config.__dict__, "silences": (silence(T0 + timedelta(hours=1), subject="Lead.*"),)}
    )
    fail_updates(store, "Rating", 12, T0)
    check(store, T0, lookback_hours=24)
    process_alerts(store, silenced, T0 + WAIT, secrets={})
    process_alerts(store, silenced, T0 + timedelta(hours=1, minutes=1), secrets={})
    process_alerts(store, silenced, T0 + timedelta(hours=3), secrets={})
    assert receiver.payloads == []  # the suppressed opening is never sent late

    process_alerts(store, silenced, T0 + timedelta(hours=4), secrets={})

    [repeat] = receiver.payloads
    assert repeat["title"].endswith("(1 still open)")
    assert "Lead.Rating" in repeat["message"]


def test_the_resolution_of_a_silenced_opening_is_not_sent(store, receiver, config):
    silenced = Config(
        **{**config.__dict__, "silences": (silence(T0 + timedelta(minutes=30), subject="*"),)}
    )
    fail_updates(store, "Rating", 3, T0)
    check(store, T0)
    process_alerts(store, silenced, T0 + WAIT, secrets={})
    check(store, T0 + timedelta(hours=1, minutes=1))

    process_alerts(store, silenced, T0 + timedelta(hours=2), secrets={})

    assert receiver.payloads == []
    assert ledger(store)[(fp("Rating"), "resolved")][0] == "not_alerted"


def test_a_receiver_answering_500_keeps_the_message_and_the_next_run_delivers_it(
    store, receiver, config
):
    fail_updates(store, "Lead_Score__c", 12, T0)
    check(store, T0)
    receiver.status = 500

    failed = alert(store, config, T0 + WAIT)

    assert (failed.queued, failed.sent, failed.failed) == (1, 0, 1)
    row = outbox(store).iloc[0]
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert (
        row["error"] == "Failed to send JSON POST notification: Internal server error., error=500."
    )
    assert row["next_attempt_at"] == pd.Timestamp(T0 + WAIT + timedelta(minutes=1))

    receiver.status = 200
    alert(store, config, T0 + WAIT + timedelta(seconds=30))  # backoff: not retried yet
    assert len(receiver.requests) == 1
    retried = alert(store, config, T0 + WAIT + timedelta(minutes=1))

    assert (retried.queued, retried.sent, retried.failed) == (0, 1, 0)
    row = outbox(store).iloc[0]
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert len(receiver.requests) == 2
    assert receiver.payloads[0] == receiver.payloads[1]  # the same message, not a new one


def test_failed_deliveries_back_off_up_to_an_hour_and_are_never_dropped(store, receiver, config):
    fail_updates(store, "Lead_Score__c", 12, T0)
    check(store, T0, lookback_hours=48)
    receiver.status = 503
    now = T0 + WAIT
    waits = []
    for _ in range(9):
        alert(store, config, now)
        row = outbox(store).iloc[0]
        wait = row["next_attempt_at"].to_pydatetime() - now
        waits.append(int(wait.total_seconds() // 60))
        now += wait

    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    receiver.status = 200
    alert(store, config, now)
    assert outbox(store).iloc[0]["status"] == "sent"


def test_two_instances_get_a_message_each(store, receiver, config):
    for instance in ("prod", "sandbox"):
        fail_updates(store, "Rating", 3, T0, instance=instance)
        check(store, T0, instance=instance)

    alert(store, config, T0 + WAIT)

    titles = sorted(p["title"] for p in receiver.payloads)
    assert [t.split("]")[0] + "]" for t in titles] == ["[prod]", "[sandbox]"]
    assert all(t.endswith("(1 opened)") for t in titles)


def test_a_delivery_to_a_channel_removed_from_the_configuration_is_dropped_not_retried(
    store, receiver, config
):
    fail_updates(store, "Rating", 3, T0)
    check(store, T0)
    receiver.status = 500
    alert(store, config, T0 + WAIT, alert_urls=(receiver.apprise_url("old"),))
    receiver.status = 200

    removed = alert(store, config, T0 + WAIT + timedelta(minutes=1))  # configured: another URL
    later = [alert(store, config, T0 + WAIT + timedelta(hours=h)) for h in (1, 2, 3)]

    rows = outbox(store)
    assert list(rows["channel"]) == [channel_label(receiver.apprise_url("old"))]
    assert (rows.iloc[0]["status"], rows.iloc[0]["attempts"]) == ("dropped", 1)
    assert "channel no longer configured" in rows.iloc[0]["error"]
    assert (removed.dropped, removed.failed, removed.problems) == (1, 0, [])
    assert "1 dropped (channel no longer configured)" in removed.line()
    assert [(s.dropped, s.failed, s.sent) for s in later] == [(0, 0, 0)] * 3
    assert len(receiver.requests) == 1


def test_a_round_with_no_channel_configured_at_all_keeps_the_failed_delivery(
    store, receiver, config
):
    fail_updates(store, "Rating", 3, T0)
    check(store, T0)
    url = receiver.apprise_url("kept")
    receiver.status = 500
    alert(store, config, T0 + WAIT, alert_urls=(url,))
    receiver.status = 200

    bare = alert(store, config, T0 + WAIT + timedelta(hours=2), alert_urls=())
    assert (bare.dropped, bare.sent) == (0, 0)
    assert outbox(store).iloc[0]["status"] == "failed"
    again = alert(store, config, T0 + WAIT + timedelta(hours=3), alert_urls=(url,))
    assert again.sent == 1
    assert outbox(store).iloc[0]["status"] == "sent"


def test_the_first_run_on_a_store_with_history_reminds_open_criticals_without_replaying_it(
    demo_store, receiver, config
):
    summary = process_alerts(demo_store, config, DEMO_NOW + WAIT, secrets={})

    # One message per incident: the profile change (its 10 criticals) and the Contact flood.
    assert summary.messages == 2
    titles = [p["title"] for p in receiver.payloads]
    assert not any("resolved" in title for title in titles)
    assert any("profile lost edit on 3 Lead fields and read on Campaign" in t for t in titles)
    assert any("changed Contact.Contact_Score__c on 60,000 Contact records" in t for t in titles)
    messages = "\n".join(p["message"] for p in receiver.payloads)
    with demo_store.read() as con:
        criticals = con.execute(
            "SELECT check_id, subject FROM findings WHERE status = 'open' "
            "AND severity = 'critical' AND instance = 'demo'"
        ).fetchall()
        statuses = dict(
            con.execute("SELECT status, count(*) FROM alert_transitions GROUP BY ALL").fetchall()
        )
    assert criticals
    for check_id, subject in criticals:
        assert f"{check_id} · {subject}" in messages
    assert statuses["stale"] > statuses.get("alerted", 0)


def test_the_weekly_report_goes_out_with_its_files_attached(store, receiver, config, tmp_path):
    html = tmp_path / "report-2026-11-16.html"
    html.write_text("<html><body>weekly</body></html>", encoding="utf-8")
    table = tmp_path / "findings.csv"
    table.write_text("check,subject\nformula_fields,Lead.Age__c\n", encoding="utf-8")

    assert queue_report(store, config, [html, table], T0, secrets={}) == 1
    # The same week's files written again later (a restart's catch-up run) go out once.
    later = T0 + timedelta(hours=3)
    assert queue_report(store, config, [html, table], later, secrets={}) == 0
    alert(store, config, T0)

    [payload] = receiver.payloads
    assert payload["title"] == "Sync health: weekly report 2026-11-20"
    attached = {a["filename"]: base64.b64decode(a["base64"]) for a in payload["attachments"]}
    assert attached == {html.name: html.read_bytes(), table.name: table.read_bytes()}


def test_the_next_weeks_report_is_a_new_message(store, receiver, config, tmp_path):
    week = tmp_path / "health-report-all-2026-W46.html"
    week.write_text("<html>46</html>", encoding="utf-8")
    following = tmp_path / "health-report-all-2026-W47.html"
    following.write_text("<html>47</html>", encoding="utf-8")

    assert queue_report(store, config, [week], T0, secrets={}) == 1
    assert queue_report(store, config, [following], T0 + timedelta(days=7), secrets={}) == 1


def test_retention_between_alert_rounds_makes_no_old_transition_seen_again(
    demo_store, receiver, config
):
    # Nothing of the demo's month is stale and no critical repeats: a transition consumed
    # again would be sent again.
    config = Config(**{**config.__dict__, "alert_repeat_interval_hours": 24 * 60})
    now = DEMO_NOW + WAIT
    process_alerts(demo_store, config, now, secrets={})
    sent = len(receiver.payloads)
    assert sent > 0

    def ledger_rows() -> list[tuple]:
        with demo_store.read() as con:
            return con.execute(
                "SELECT fingerprint, epoch(changed_at), transition, status, epoch(seen_at) "
                "FROM alert_transitions ORDER BY ALL"
            ).fetchall()

    for day in (1, 2):
        apply_retention(demo_store, now + timedelta(days=day), 10)
        kept = ledger_rows()
        summary = process_alerts(demo_store, config, now + timedelta(days=day), secrets={})
        assert ledger_rows() == kept  # nothing consumed again as 'stale'
        assert (summary.messages, summary.queued) == (0, 0)
    with demo_store.read() as con:
        [(old_open,)] = con.execute(
            "SELECT count(*) FROM alert_transitions a JOIN findings f USING (fingerprint) "
            "WHERE f.status = 'open' AND a.changed_at < $cutoff",
            {"cutoff": now + timedelta(days=2) - timedelta(days=10)},
        ).fetchall()
    assert old_open > 0, "open findings keep their alerting history like their events"
    assert len(receiver.payloads) == sent


def test_the_alert_url_and_its_secrets_never_reach_the_database_logs_or_errors(
    store, receiver, caplog, tmp_path
):
    caplog.set_level(logging.DEBUG)
    url = receiver.apprise_url(f"hooks/{SECRET}").replace("json://", "json://ops:Pa55-w0rd-x@")
    broken = f"slakk://{SECRET}/B000/nothing"  # not an apprise scheme
    config = Config(alert_urls=(url, broken))
    fail_updates(store, "Rating", 3, T0)
    check(store, T0)
    receiver.status = 500
    failed = alert(store, config, T0 + WAIT)
    receiver.status = 200
    sent = alert(store, config, T0 + WAIT + timedelta(minutes=1))

    assert (failed.failed, sent.sent) == (1, 1)
    assert receiver.requests[-1].path == f"/hooks/{SECRET}"  # it did use the URL
    channels, problems = apprise_channels(config, {})
    assert len(problems) == 1 and "#2" in problems[0]
    said = " ".join([caplog.text, *failed.problems, *problems, repr(channels)])
    with store.read() as con:
        said += " ".join(con.execute(f"SELECT * FROM {t}").df().to_csv() for t in sorted(TABLES))
    files = b"".join(p.read_bytes() for p in store.path.parent.glob("monitor.duckdb*"))
    for secret in (SECRET, "Pa55-w0rd-x"):
        assert secret not in said
        assert secret.encode() not in files
    assert "JSON POST URL" in caplog.text  # apprise's debug line is there, masked


def test_a_delivery_interrupted_after_sending_is_sent_again_once_its_lease_ends(
    store, receiver, config
):
    fail_updates(store, "Rating", 3, T0)
    check(store, T0)
    alert(store, config, T0)  # consumed, waiting for the group
    receiver.hold_replies()
    script = (
        "import sys; from datetime import datetime; "
        "from monitor.alerts.dispatch import process_alerts; "
        "from monitor.config import Config; from monitor.store import Store; "
        "process_alerts(Store(sys.argv[1]), Config(alert_urls=(sys.argv[2],)), "
        "datetime.fromisoformat(sys.argv[3]), secrets={})"
    )
    url = config.alert_urls[0]
    args = [sys.executable, "-c", script, str(store.path), url, (T0 + WAIT).isoformat()]
    worker = subprocess.Popen(args, cwd=REPO)
    try:
        assert receiver.wait_for_request(timeout=60)  # the message left...
    finally:
        worker.kill()  # ...and the process died before it could record that
        worker.wait(timeout=30)
        receiver.release_replies()
    assert outbox(store).iloc[0]["status"] == "sending"

    alert(store, config, T0 + WAIT + timedelta(minutes=9))  # the lease still runs
    assert len(receiver.requests) == 1
    alert(store, config, T0 + WAIT + timedelta(minutes=10))

    row = outbox(store).iloc[0]
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert "may have got this message twice" in row["error"]
    assert len(receiver.requests) == 2


def test_alerts_test_sends_a_test_message_to_every_channel(tmp_path, monkeypatch, capsys):
    with WebhookReceiver() as first, WebhookReceiver() as second:
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("MONITOR_CONFIG", raising=False)
        monkeypatch.setenv("MONITOR_DB", str(tmp_path / "m.duckdb"))
        # Space-separated; apprise URLs may hold commas.
        urls = f"{first.apprise_url('a')}?-X-Tags=a,b  {second.apprise_url('b')}"
        monkeypatch.setenv("MONITOR_ALERT_URLS", urls)

        assert main(["alerts", "--test"]) == 0

        assert first.payloads[0]["title"] == "Sync health: test message"
        assert second.payloads[0]["title"] == "Sync health: test message"
    printed = capsys.readouterr().out
    assert printed.count(": sent") == 2
    assert "127.0.0.1" not in printed


def test_alerts_test_without_a_channel_says_how_to_configure_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("MONITOR_CONFIG", "MONITOR_ALERT_URLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "m.duckdb"))

    assert main(["alerts", "--test"]) == 1

    assert "MONITOR_ALERT_URLS" in capsys.readouterr().err


def test_monitor_alert_urls_is_split_on_whitespace_keeping_commas():
    config = load_config({"MONITOR_ALERT_URLS": "json://h/a?x=1,2 \n mailtos://u:p@example.com"})
    assert config.alert_urls == ("json://h/a?x=1,2", "mailtos://u:p@example.com")


def test_marketo_alert_settings_accept_zero_for_off_and_ids_from_the_environment():
    config = load_config(
        {"MONITOR_ALERT_MARKETO_CAMPAIGN_ID": "0", "MONITOR_ALERT_MARKETO_LEAD_IDS": "7, 8,9"}
    )
    assert (config.alert_marketo_campaign_id, config.alert_marketo_lead_ids) == (0, (7, 8, 9))
    with pytest.raises(ConfigError, match="alert_marketo_lead_ids: expected a list of whole"):
        load_config({"MONITOR_ALERT_MARKETO_LEAD_IDS": "7, admin"})
    with pytest.raises(ConfigError, match="alert_marketo_campaign_id: expected a number above"):
        load_config({"MONITOR_ALERT_MARKETO_CAMPAIGN_ID": "-1"})


def planned(config: Config, **entry) -> Config:
    """`config` with one [[calendar]] entry, as monitor.toml would hold it."""
    return Config(**{**config.__dict__, "calendar": (entry,)})


def test_a_planned_window_of_the_business_calendar_silences_its_object_while_it_runs(
    store, receiver, config
):
    window = {"start": (T0 - timedelta(hours=1)).isoformat(), "end": T0 + timedelta(hours=1)}
    rebuild = planned(config, name="Lead score rebuild", object="Lead", **window)
    fail_updates(store, "Rating", 12, T0)
    check(store, T0)

    summary = process_alerts(store, rebuild, T0 + WAIT, secrets={})

    assert summary.suppressed == 1 and receiver.payloads == []
    status, reason = ledger(store)[(fp("Rating"), "opened")]
    assert status == "suppressed"
    assert reason == (
        "silenced: planned: Lead score rebuild (Lead), 2026-11-20 07:00 to 2026-11-20 09:00 UTC, "
        "business calendar"
    )
    # The finding itself is open and shown: the window only keeps it from being sent.
    assert store.query("findings_open", instance=INSTANCE)["subject"].tolist() == ["Lead.Rating"]
    # After the window, a new opening is news again.
    later = T0 + timedelta(hours=2)
    fail_updates(store, "Lead_Score__c", 12, later)
    check(store, later)
    process_alerts(store, rebuild, later + WAIT, secrets={})
    [payload] = receiver.payloads
    assert "Lead.Lead_Score__c" in payload["message"] and "Lead.Rating" not in payload["message"]


def test_a_planned_window_for_another_object_does_not_silence_lead(store, receiver, config):
    contacts = planned(
        config,
        name="Contact import",
        object="Contact",
        start=T0 - timedelta(hours=1),
        end=T0 + timedelta(hours=1),
    )
    fail_updates(store, "Rating", 12, T0)
    check(store, T0)

    assert process_alerts(store, contacts, T0 + WAIT, secrets={}).suppressed == 0
    assert len(receiver.payloads) == 1
