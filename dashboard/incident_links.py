"""Where an incident card leads: the page that shows the problem (the backlog of the spiking
object and direction, the permission checklist, the schema guard), else the incident's
findings. Pure: the Overview draws the links, tests read them."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.incidents import Incident
from monitor.vocabulary import DIRECTION_LABELS

PAGES = "dashboard/pages"
BACKLOG_CHECKS = {"backlog_spike"}
PERMISSION_CHECKS = {"permission_failures", "sync_user_drift"}
SCHEMA_CHECKS = {"schema_drift"}


@dataclass(frozen=True)
class Link:
    page: str
    label: str
    query_params: dict[str, str]


def findings_link(incident: Incident, instance: str) -> Link:
    """The incident's findings on the Findings page (cause, evidence, runbooks)."""
    return Link(
        f"{PAGES}/findings.py",
        f"All {len(incident.findings):,} findings of this incident: cause, evidence",
        {"instance": instance, "incident": incident.id},
    )


def _spike(incident: Incident) -> tuple[str, str] | None:
    """(object, direction) of the incident's worst backlog spike (findings are worst first)."""
    for finding in incident.findings:
        if finding["check"] in BACKLOG_CHECKS:
            evidence = finding.get("evidence") or {}
            object_name, _, direction = str(finding["subject"]).partition("/")
            object_name = evidence.get("object") or object_name
            direction = evidence.get("direction") or direction
            if object_name and direction in DIRECTION_LABELS:
                return object_name, direction
    return None


def problem_link(incident: Incident, instance: str) -> Link:
    """The page that shows this incident's problem."""
    checks = {finding["check"] for finding in incident.findings}
    spike = _spike(incident)
    if spike and incident.kind in {"mass_update", "finding"}:
        object_name, direction = spike
        return Link(
            f"{PAGES}/backlog.py",
            f"See the backlog: {object_name}, {DIRECTION_LABELS[direction]}",
            {"instance": instance, "object": object_name, "direction": direction},
        )
    if incident.kind == "access_change" or (
        incident.kind == "finding" and checks & PERMISSION_CHECKS
    ):
        return Link(
            f"{PAGES}/permissions.py",
            "See the permissions: what the sync user lacks, and the fix",
            {"instance": instance},
        )
    if incident.kind == "schema_change" or (incident.kind == "finding" and checks & SCHEMA_CHECKS):
        return Link(
            f"{PAGES}/schema.py",
            "See the schema guard: the changed fields, and what to do",
            {"instance": instance},
        )
    return findings_link(incident, instance)
