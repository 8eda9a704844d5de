"""The words of an alert: one message per instance group, in a small Markdown that each channel
gets in its own format (monitor/alerts/formats.py). Everything that comes from outside (subjects,
titles holding sync error messages and record values, the instance) is escaped, so that it reads
as the words it is: never a link, never markup."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from monitor.alerts.channels import OutgoingMessage
from monitor.vocabulary import SEVERITIES
from monitor.vocabulary.text import alert_literal

# A title is plain text everywhere (an email's subject, Slack's attachment title): instance
# names are validated where they are made, and a store written before that shows only these.
TITLE_NAME = re.compile(r"[^A-Za-z0-9_.-]")

PRODUCT = "Sync health"
# How each transition reads; a repeat of a still-open critical is "still open".
WORDS = {
    "opened": "opened",
    "reopened": "reopened",
    "escalated": "escalated",
    "resolved": "resolved",
    "repeat": "still open",
}
# Most severe first.
SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(reversed(SEVERITIES))}


@dataclass
class AlertLine:
    """One finding in a message, with every transition it went through since the last one."""

    fingerprint: str
    check: str
    subject: str
    title: str
    owner: str
    severity: str
    transitions: list[str]
    at: datetime  # of the last transition; for a repeat, when the finding opened

    @property
    def state(self) -> str:
        """What the reader should retain: the last transition."""
        return WORDS[self.transitions[-1]]

    @property
    def is_resolved(self) -> bool:
        return self.transitions[-1] == "resolved"


@dataclass
class IncidentHeading:
    """The incident a message is about (monitor/incidents): its findings are the lines."""

    id: str
    title: str
    state: str  # opened, updated, still open, resolved
    severity: str
    owner: str
    impact: str
    fix: str


def _summary(lines: list[AlertLine]) -> str:
    counts = Counter(line.state for line in lines)
    order = ["opened", "reopened", "escalated", "still open", "resolved"]
    return ", ".join(f"{counts[word]} {word}" for word in order if counts[word])


def notify_type(lines: list[AlertLine]) -> str:
    """apprise's notify type: the worst open line decides; only resolutions read as success."""
    active = {line.severity for line in lines if not line.is_resolved}
    if "critical" in active:
        return "failure"
    if "warning" in active:
        return "warning"
    return "success" if lines and all(line.is_resolved for line in lines) else "info"


def alert_message(
    instance: str, lines: list[AlertLine], incident: IncidentHeading | None = None
) -> OutgoingMessage:
    """Title and body for one incident's (else one instance's) group: the incident's title,
    impact and fix first, then its findings, worst first, resolutions last."""
    ordered = sorted(
        lines,
        key=lambda line: (line.is_resolved, SEVERITY_ORDER.get(line.severity, 3), line.check),
    )
    body = []
    if incident is not None:
        body += [
            f"**{incident.severity.upper()} incident {incident.state}** · {incident.id}",
            f"Impact: {alert_literal(incident.impact)} · Owner: {alert_literal(incident.owner)}",
            f"Fix: {alert_literal(incident.fix)}",
            "",
            "Findings:",
        ]
    for line in ordered:
        chain = " → ".join(WORDS[t] for t in line.transitions)
        body.append(
            f"- **{line.severity.upper()} {chain}** · {alert_literal(line.check)} · "
            f"{alert_literal(line.subject)}"
        )
        body.append(f"  {alert_literal(line.title)}")
        since = "open since " if line.state == "still open" else ""
        body.append(f"  Owner: {alert_literal(line.owner)} · {since}{line.at:%Y-%m-%d %H:%M} UTC")
    body += [
        "",
        f"Dashboard: Findings page (/findings?instance={quote(instance, safe='')}) for "
        "evidence, runbook and acknowledgement; Alerts page (/alerts) to silence.",
    ]
    # An incident's title quotes what Salesforce and Marketo wrote (field and user names).
    about = f"{alert_literal(incident.title)} ({_summary(lines)})" if incident else _summary(lines)
    return OutgoingMessage(
        kind="alert",
        title=f"[{TITLE_NAME.sub('_', instance)}] {PRODUCT}: {about}",
        body="\n".join(body),
        notify_type=notify_type(lines),
    )


def report_message(paths: list[Path], now: datetime) -> OutgoingMessage:
    """The weekly report's message: the files go as attachments."""
    names = "\n".join(f"- {alert_literal(Path(p).name)}" for p in paths)
    return OutgoingMessage(
        kind="report",
        title=f"{PRODUCT}: weekly report {now:%Y-%m-%d}",
        body=f"The weekly sync health report is attached:\n{names}",
        notify_type="info",
        attachments=tuple(str(Path(p).resolve()) for p in paths),
    )


def channel_test_message(now: datetime) -> OutgoingMessage:
    """A message that proves a channel works (`python -m monitor alerts --test`)."""
    return OutgoingMessage(
        kind="test",
        title=f"{PRODUCT}: test message",
        body=(
            f"This is a test from the Marketo ↔ Salesforce sync health monitor, sent "
            f"{now:%Y-%m-%d %H:%M} UTC. Alerts will arrive here."
        ),
        notify_type="info",
    )
