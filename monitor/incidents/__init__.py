"""Incidents: the findings that share a cause, told as one problem with one fix.

A finding's cause is its evidence's `cause_key` (checks/base.py `cause_key`), written by the
check that knows it:

    access_change:<snapshot time>        every access the sync user lost (or whose loss makes
                                         sync updates fail) in one permission snapshot change
                                         (sync_user_drift, permission_failures)
    mass_update:<modifier>|<field>|<day> one person changing one field that day (backlog_spike)
    outage:<source>|<since>              one source or feed that stopped (source_down, stale_data)
    job_failure:<...>                    one job-level failure of the sync
    schema_change:<object>|<snapshot>    every synced field one describe snapshot shows changed
                                         on one object (schema_drift)
    auth:<username>|<first failure>      one streak of failed logins of the sync user
                                         (auth_posture)

A finding without one is an incident of its own. Grouping is a pure function of the findings
(same key, same incident; the incident id is derived from the instance and the key), so the
CLI, the pages, the alerts and the report group identically and can say why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from monitor.incidents import words
from monitor.vocabulary import SEVERITIES

__all__ = [
    "Incident",
    "finding_records",
    "group_findings",
    "incident_id",
    "by_severity",
    "impact_text",
    "incident_key",
    "open_incidents",
    "with_incidents",
]


@dataclass
class Incident:
    """Findings with one cause: what happened, since when, who fixes it, how, what it costs."""

    id: str
    instance: str
    cause_key: str
    kind: str  # a cause kind, or "finding" for a finding with no shared cause
    severity: str
    title: str
    started_at: datetime | None
    owner: str
    impact: dict[str, Any]  # failed_updates, records_failing, backlog, hours_behind (or None)
    cause: str
    fix: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    status: str = "open"  # "resolved" once every finding is

    def as_json(self) -> dict[str, Any]:
        """The incident in the `incidents --json` contract (DESIGN.md §8)."""
        return {
            "id": self.id,
            "instance": self.instance,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "owner": self.owner,
            "impact": self.impact,
            "cause": self.cause,
            "cause_key": self.cause_key,
            "fix": self.fix,
            "findings": [
                {
                    "check": f["check"],
                    "subject": f["subject"],
                    "severity": f["severity"],
                    "title": f["title"],
                    "status": f.get("status", "open"),
                    "fingerprint": f["fingerprint"],
                }
                for f in self.findings
            ],
        }


def incident_key(finding: dict[str, Any]) -> str:
    """The cause a finding is grouped by: its evidence's cause_key, else itself."""
    key = (finding.get("evidence") or {}).get("cause_key")
    return str(key) if key else f"finding:{finding['fingerprint']}"


def incident_id(instance: str, key: str) -> str:
    """A short, stable id: the same cause in the same instance is always the same incident."""
    return "INC-" + hashlib.sha1(f"{instance}\n{key}".encode()).hexdigest()[:8].upper()


def _worst(findings: list[dict[str, Any]]) -> dict[str, Any]:
    return max(findings, key=lambda f: (SEVERITIES.index(f["severity"]), f["check"]))


def _time(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return None
    return pd.Timestamp(value).to_pydatetime()


def _build(instance: str, key: str, findings: list[dict[str, Any]]) -> Incident:
    findings = sorted(
        findings, key=lambda f: (-SEVERITIES.index(f["severity"]), f["check"], f["subject"])
    )
    open_ones = [f for f in findings if f.get("status", "open") != "resolved"]
    judged = open_ones or findings
    worst = _worst(judged)
    kind = key.split(":", 1)[0] if not key.startswith("finding:") else "finding"
    story = words.describe(kind, judged)
    first_seen = [t for t in (_time(f.get("first_seen")) for f in judged) if t is not None]
    started = story.started_at or (min(first_seen) if first_seen else None)
    return Incident(
        id=incident_id(instance, key),
        instance=instance,
        cause_key=key,
        kind=kind,
        severity=worst["severity"],
        title=story.title,
        started_at=started,
        owner=worst["owner"],
        impact=story.impact,
        cause=story.cause,
        fix=story.fix,
        findings=findings,
        status="open" if open_ones else "resolved",
    )


def group_findings(findings: Iterable[dict[str, Any]]) -> list[Incident]:
    """Findings (the `check --json` shape) grouped by instance and cause, worst first, then the
    oldest, then by id: the same findings always give the same incidents in the same order."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for finding in findings:
        groups.setdefault((finding["instance"], incident_key(finding)), []).append(finding)
    incidents = [_build(instance, key, members) for (instance, key), members in groups.items()]
    far_future = datetime.max.replace(tzinfo=None)
    return sorted(
        incidents,
        key=lambda i: (
            i.status == "resolved",
            -SEVERITIES.index(i.severity),
            (i.started_at.replace(tzinfo=None) if i.started_at else far_future),
            i.id,
        ),
    )


def finding_records(frame: pd.DataFrame, instance: str | None = None) -> list[dict[str, Any]]:
    """Rows of a findings query (findings_open, findings_open_at, findings_all) as finding
    records in the `check --json` shape that group_findings takes."""
    records = []
    for row in frame.to_dict("records"):
        evidence = row.get("evidence")
        if isinstance(evidence, str):
            evidence = json.loads(evidence) if evidence else {}
        records.append(
            {
                "check": row.get("check_id", row.get("check")),
                "severity": row["severity"],
                "subject": row["subject"],
                "title": row["title"],
                "detail": row.get("detail", ""),
                "owner": row["owner"],
                "first_seen": row.get("first_seen", row.get("opened_at")),
                "last_seen": row.get("last_seen"),
                "status": row.get("status", "open"),
                "evidence": evidence or {},
                "instance": row.get("instance", instance),
                "fingerprint": row["fingerprint"],
            }
        )
    return records


def with_incidents(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings, each given `incident`: {"id", "title"} of the incident it belongs to."""
    of = {
        finding["fingerprint"]: {"id": incident.id, "title": incident.title}
        for incident in group_findings(findings)
        for finding in incident.findings
    }
    return [{**finding, "incident": of[finding["fingerprint"]]} for finding in findings]


def open_incidents(store: Any, instance: str | None = None) -> list[Incident]:
    """The incidents of the open findings stored (every instance, or one)."""
    return group_findings(finding_records(store.query("findings_open", instance=instance or "")))


def impact_text(impact: dict[str, Any]) -> str:
    """ "299 updates failed · 30,902 records waiting · 3.0 h behind", or "—"."""
    parts = []
    if impact.get("failed_updates"):
        parts.append(f"{impact['failed_updates']:,} updates failed")
    if impact.get("records_failing"):
        parts.append(f"{impact['records_failing']:,} records failing")
    if impact.get("backlog") is not None:
        parts.append(f"{impact['backlog']:,} records waiting")
    if impact.get("hours_behind") is not None:
        parts.append(f"{impact['hours_behind']:,.1f} h behind")
    return " · ".join(parts) if parts else "—"


def by_severity(incidents: Iterable[Incident]) -> dict[str, int]:
    """{severity: open incidents}: what the health score counts."""
    counts: dict[str, int] = {}
    for incident in incidents:
        if incident.status == "open":
            counts[incident.severity] = counts.get(incident.severity, 0) + 1
    return counts
