"""Stateful alerts: finding transitions in, grouped and rate-limited messages out.

`process_alerts(store, config, now)` runs after each check run (the scheduler calls it):

1. consume every finding_events row not seen before into alert_transitions:
     pending      opened, reopened (read as opened), escalated, resolved: waits for its group
     stale        already older than alert_repeat_interval_hours when first seen (the history
                  of a fresh demo, or of a store that had alerting off): never sent; a still-open
                  critical among them comes back as a repeat
     not_alerted  deescalated: a severity drop is not news; the finding stays open and its
                  repeats follow the new severity (a critical turned warning stops repeating)
2. per instance, send the pending transitions and the due repeats, one message per incident
   (findings that share a cause, monitor/incidents: a profile change's findings go out as one
   message, and later ones about it as an update of that incident), once
     - the oldest pending transition is alert_group_wait_seconds old (so others can join), and
     - alert_group_interval_minutes have passed since that instance's previous message.
   Then each transition is checked against the silences that ran when it happened (or run
   now): a covered one is recorded as suppressed and never sent later. A resolution is sent
   only when the finding's opening was (else not_alerted). A repeat is an open critical, not
   acknowledged and not silenced now, alerted (else last changed) at least
   alert_repeat_interval_hours ago.
   Steps 1 and 2 are one transaction: transitions are consumed in the commit that queues the
   message announcing them, so a crash before it loses nothing and one after it repeats nothing.
3. deliver what is due from the outbox (monitor/alerts/outbox.py: retries, at-least-once edge;
   a delivery to a channel no longer configured is dropped, not retried).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from monitor.alerts.channels import Channel, Delivery, apprise_channels
from monitor.alerts.marketo_campaign import marketo_channel
from monitor.alerts.messages import (
    AlertLine,
    IncidentHeading,
    alert_message,
    channel_test_message,
    report_message,
)
from monitor.alerts.outbox import deliver_due, message_id, queue_message
from monitor.alerts.silences import (
    Silence,
    covering_silence,
    planned_silences,
    silences_at,
)
from monitor.calendar import read_calendar
from monitor.config import Config
from monitor.config.secrets import load_secrets
from monitor.incidents import Incident, finding_records, group_findings, impact_text
from monitor.store import Store
from monitor.store import alerts as alert_store
from queries import run_query

log = logging.getLogger(__name__)
# Every silence that could cover a pending transition: they are few, so load them all.
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
PLANNED_REACH = timedelta(days=35)
NOT_ANNOUNCED = "its opening was not alerted (silenced, or before alerting started)"


@dataclass
class AlertSummary:
    """What one round did: deliveries queued, sent, failed and dropped (channel gone);
    transitions suppressed."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    suppressed: int = 0
    messages: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        dropped = f", {self.dropped} dropped (channel no longer configured)" if self.dropped else ""
        return (
            f"alerts: {self.messages} messages, {self.queued} deliveries queued, {self.sent} "
            f"sent, {self.failed} failed{dropped}, {self.suppressed} transitions suppressed"
        )


def load_channels(config: Config, secrets: Mapping[str, str]) -> tuple[list[Channel], list[str]]:
    """Every configured channel (apprise URLs, then the Marketo campaign) and the problems
    that keep others from being used."""
    channels: list[Channel] = []
    found, problems = apprise_channels(config, secrets)
    channels.extend(found)
    marketo, problem = marketo_channel(config, secrets)
    if marketo is not None:
        channels.append(marketo)
    if problem:
        problems.append(problem)
    return channels, problems


def _channels(config: Config, secrets: Mapping[str, str] | None) -> tuple[list[Channel], list]:
    channels, problems = load_channels(config, load_secrets() if secrets is None else secrets)
    for problem in problems:
        log.warning("alerts: %s", problem)
    return channels, problems


def _consume(con: duckdb.DuckDBPyConnection, config: Config, now: datetime) -> None:
    """Record every unseen transition once, pending or already decided."""
    stale = now - timedelta(hours=config.alert_repeat_interval_hours)
    alert_store.consume_transitions(con, now, stale)


@dataclass
class Group:
    """One instance's message in the making."""

    instance: str
    lines: dict[str, AlertLine] = field(default_factory=dict)
    decisions: list[dict] = field(default_factory=list)
    announced: dict[str, bool] = field(default_factory=dict)
    suppressed: int = 0
    # The finding of each line, in the `check --json` shape: what groups lines into incidents.
    records: dict[str, dict] = field(default_factory=dict)

    def add(self, row, transition: str, severity: str, at: datetime) -> None:
        self.records[row.fingerprint] = {
            "check": row.check_id,
            "severity": getattr(row, "finding_severity", severity),
            "subject": row.subject,
            "title": row.title,
            "owner": row.owner,
            "first_seen": row.first_seen,
            "last_seen": row.last_seen,
            "status": getattr(row, "finding_status", "open"),
            "evidence": json.loads(row.evidence) if row.evidence else {},
            "instance": self.instance,
            "fingerprint": row.fingerprint,
        }
        line = self.lines.get(row.fingerprint)
        if line is None:
            self.lines[row.fingerprint] = AlertLine(
                fingerprint=row.fingerprint,
                check=row.check_id,
                subject=row.subject,
                title=row.title,
                owner=row.owner,
                severity=severity,
                transitions=[transition],
                at=at,
            )
        else:
            line.transitions.append(transition)
            line.severity, line.at = severity, at


def _decide(group: Group, pending: pd.DataFrame, silences: list[Silence], now: datetime) -> None:
    """Suppress, send or skip each pending transition of the group, oldest first."""
    for row in pending.itertuples(index=False):
        at = row.changed_at.to_pydatetime()
        group.announced.setdefault(row.fingerprint, bool(row.is_announced))
        decision = {"fingerprint": row.fingerprint, "changed_at": row.changed_at}
        decision.update(transition=row.transition, reason=None, alerted=False)
        silence = covering_silence(
            silences, group.instance, row.check_id, row.subject, min(at, now)
        )
        if silence is not None:
            decision.update(status="suppressed", reason=f"silenced: {silence.describe()}")
            group.suppressed += 1
            if row.transition == "resolved":
                group.announced[row.fingerprint] = False
        elif row.transition == "resolved" and not group.announced[row.fingerprint]:
            decision.update(status="not_alerted", reason=NOT_ANNOUNCED)
        else:
            decision.update(status="alerted", alerted=True)
            group.announced[row.fingerprint] = row.transition != "resolved"
            group.add(row, row.transition, row.severity, at)
        group.decisions.append(decision)


def _due_repeats(
    repeats: pd.DataFrame, config: Config, silences: list[Silence], pending: set, now: datetime
) -> pd.DataFrame:
    interval = timedelta(hours=config.alert_repeat_interval_hours)
    keep = [
        row.fingerprint not in pending
        and row.reference_at.to_pydatetime() + interval <= now
        and covering_silence(silences, row.instance, row.check_id, row.subject, now) is None
        for row in repeats.itertuples(index=False)
    ]
    return repeats[keep] if len(repeats) else repeats


def _is_due(pending: pd.DataFrame, last: datetime | None, config: Config, now: datetime) -> bool:
    due = now
    if len(pending):
        oldest = pending["changed_at"].min().to_pydatetime()
        due = oldest + timedelta(seconds=config.alert_group_wait_seconds)
    if last is not None:
        due = max(due, last + timedelta(minutes=config.alert_group_interval_minutes))
    return due <= now


def _state(incident: Incident, lines: list[AlertLine]) -> str:
    """What happened to the incident: opened (all its findings are new here), still open
    (repeats only), resolved (none of its findings is open any more), else updated."""
    if incident.status == "resolved":
        return "resolved"
    if all(line.transitions == ["repeat"] for line in lines):
        return "still open"
    new = {line.fingerprint for line in lines if line.transitions[0] in ("opened", "reopened")}
    members = {f["fingerprint"] for f in incident.findings if f.get("status") != "resolved"}
    return "opened" if members <= new else "updated"


def _by_incident(
    con: duckdb.DuckDBPyConnection, group: Group
) -> list[tuple[IncidentHeading, list[AlertLine]]]:
    """The group's lines split by incident, each incident judged with all its open findings
    (those with nothing new too), worst incident first."""
    known = {
        record["fingerprint"]: record
        for record in finding_records(run_query(con, "findings_open", instance=group.instance))
    }
    known.update(group.records)
    messages = []
    for incident in group_findings(known.values()):
        lines = [group.lines.get(f["fingerprint"]) for f in incident.findings]
        lines = [line for line in lines if line is not None]
        if not lines:
            continue
        heading = IncidentHeading(
            id=incident.id,
            title=incident.title,
            state=_state(incident, lines),
            severity=incident.severity,
            owner=incident.owner,
            impact=impact_text(incident.impact),
            fix=incident.fix,
        )
        messages.append((heading, lines))
    return messages


def _commit_group(
    con: duckdb.DuckDBPyConnection, group: Group, channels: list[Channel], now: datetime
) -> tuple[int, int]:
    """Queue one message per incident of the group and record every decision; return the
    deliveries queued and the messages."""
    queued = 0
    message_of: dict[str, str] = {}
    incidents = _by_incident(con, group) if group.lines else []
    for heading, lines in incidents:
        fingerprints = sorted(line.fingerprint for line in lines)
        mid = message_id("alert", group.instance, now.isoformat(), heading.id, *fingerprints)
        queued += queue_message(
            con,
            mid,
            alert_message(group.instance, lines, heading),
            instance=group.instance,
            lines=len(lines),
            channels=channels,
            now=now,
        )
        message_of.update(dict.fromkeys(fingerprints, mid))
        alert_store.mark_group_alerted(con, group.instance, mid, now)
    if group.decisions:
        decisions = pd.DataFrame(group.decisions)
        decisions["message_id"] = [
            message_of.get(fp) if alerted else None
            for fp, alerted in zip(decisions["fingerprint"], decisions["alerted"], strict=True)
        ]
        alert_store.record_decisions(con, decisions.drop(columns="alerted"), now)
    alerted = set(group.lines)
    state = pd.DataFrame(
        {
            "fingerprint": list(group.announced),
            "announced": list(group.announced.values()),
            "alerted": [fp in alerted for fp in group.announced],
        }
    )
    if len(state):
        # Alerted findings get a new time; the others only their announcement (if known).
        alert_store.record_announcements(con, group.instance, state, now)
    return queued, len(incidents)


def process_alerts(
    store: Store, config: Config, now: datetime, *, secrets: Mapping[str, str] | None = None
) -> AlertSummary:
    """Consume new finding transitions, queue the grouped alerts that are due, deliver the
    outbox. `secrets` defaults to load_secrets() (MONITOR_ALERT_URLS, MARKETO_*)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    channels, problems = _channels(config, secrets)
    summary = AlertSummary(problems=list(problems))
    with store.write() as con:
        # Every silence that may cover a pending transition, and the business calendar's
        # planned windows as far back as one may be, read in this round's one transaction.
        calendar = read_calendar(con, config)
        planned = planned_silences(calendar, now - PLANNED_REACH, now)
        silences = silences_at(con, config, BEGINNING, calendar) + planned
        _consume(con, config, now)
        pending = run_query(con, "alert_transitions_pending")
        repeats = run_query(con, "alert_repeat_candidates")
        last_sent = {
            row.instance: row.last_alerted_at.to_pydatetime()
            for row in run_query(con, "alert_groups").itertuples(index=False)
        }
        pending_fps = set(pending["fingerprint"])
        repeats = _due_repeats(repeats, config, silences, pending_fps, now)
        for instance in sorted(set(pending["instance"]) | set(repeats["instance"])):
            waiting = pending[pending["instance"] == instance]
            if not _is_due(waiting, last_sent.get(instance), config, now):
                continue
            group = Group(instance)
            _decide(group, waiting, silences, now)
            for row in repeats[repeats["instance"] == instance].itertuples(index=False):
                group.announced[row.fingerprint] = True
                group.add(row, "repeat", row.severity, row.open_since.to_pydatetime())
            queued, messages = _commit_group(con, group, channels, now)
            summary.queued += queued
            summary.messages += messages
            summary.suppressed += group.suppressed
        due = run_query(con, "alert_outbox_due", now=now)  # what is queued now counts too
    counts = deliver_due(store, channels, now, due=due)
    summary.sent, summary.failed, summary.dropped = counts.sent, counts.failed, counts.dropped
    return summary


def queue_report(
    store: Store,
    config: Config,
    paths: list[Path],
    now: datetime,
    *,
    secrets: Mapping[str, str] | None = None,
) -> int:
    """Queue the weekly report (files attached) for every channel that takes attachments;
    the next process_alerts delivers it. Returns the deliveries queued (0 if queued before)."""
    channels, _ = _channels(config, secrets)
    message = report_message(paths, now)
    # The report's file names name its week (monitor/report/files.py): the same week's report,
    # written again (a restart's catch-up run), is the same message and is not sent twice.
    mid = message_id("report", *sorted(Path(p).name for p in paths))
    with store.write() as con:
        return queue_message(con, mid, message, instance="", lines=0, channels=channels, now=now)


def send_test(
    store: Store, config: Config, now: datetime, *, secrets: Mapping[str, str] | None = None
) -> tuple[list[tuple[Channel, Delivery]], list[str]]:
    """Send a test message to every channel now: [(channel, outcome)] and the problems of the
    channels that could not be used. A failed test stays in the outbox like any message."""
    channels, problems = _channels(config, secrets)
    mid = message_id("test", now.isoformat())
    with store.write() as con:
        queue_message(
            con, mid, channel_test_message(now), instance="", lines=0, channels=channels, now=now
        )
    counts = deliver_due(store, channels, now, message_ids={mid})
    by_label = {channel.label: channel for channel in channels}
    return [(by_label[label], delivery) for label, delivery in counts.results], problems
