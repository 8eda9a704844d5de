"""How an incident reads: its title, cause, fix and impact, from its findings' evidence.

Every figure comes from what the checks wrote into the evidence (no re-computation): the
failed updates of permission_failures, the backlog of backlog_spike, the silence of a source.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from monitor.vocabulary import DIRECTION_LABELS

# "Changed field-level security ... on profile Marketo Sync User" (Setup Audit Trail wording).
_GRANTEE = re.compile(r"\bon (profile|permission set) ([^.;:,]+)", re.IGNORECASE)
_RUNBOOK_FIX = re.compile(r"How to fix[^:]*:\s*(.+?[.!])(?:\s|$)", re.DOTALL)
SOURCE_LABELS = {"salesforce": "Salesforce", "marketo": "Marketo"}


@dataclass
class Story:
    title: str
    cause: str
    fix: str
    impact: dict[str, Any]
    started_at: datetime | None = None


def _time(value: Any) -> pd.Timestamp | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def when(value: Any) -> str:
    stamp = _time(value)
    return f"{stamp:%Y-%m-%d %H:%M} UTC" if stamp is not None else "an unknown time"


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and not pd.isna(value):
        return value
    return None


def impact_of(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Failed updates and failing records (error checks), backlog waiting (backlog spikes),
    hours behind (a spike's age, a source's silence): None where no finding says."""
    # Only error checks' "records" are failing records (elsewhere the key counts other things).
    failing = [f for f in findings if _number(f["evidence"].get("errors")) is not None]
    failed = [_number(f["evidence"].get("errors")) for f in failing]
    records = [_number(f["evidence"].get("records")) for f in failing]
    backlog = [
        _number(f["evidence"].get("current")) for f in findings if f["check"] == "backlog_spike"
    ]
    behind = [hours for hours in (_hours_behind(f) for f in findings) if hours is not None]
    failed = [v for v in failed if v is not None]
    records = [v for v in records if v is not None]
    backlog = [v for v in backlog if v is not None]
    return {
        "failed_updates": int(sum(failed)) if failed else None,
        "records_failing": int(sum(records)) if records else None,
        "backlog": int(sum(backlog)) if backlog else None,
        "hours_behind": round(max(behind), 1) if behind else None,
    }


def _hours_behind(finding: dict[str, Any]) -> float | None:
    evidence = finding["evidence"]
    if finding["check"] == "backlog_spike":
        start, seen = _time(evidence.get("start")), _time(finding.get("last_seen"))
        if start is not None and seen is not None:
            return max(0.0, (seen - start).total_seconds() / 3600)
    if _number(evidence.get("quiet_minutes")) is not None:
        return evidence["quiet_minutes"] / 60
    if _number(evidence.get("age_hours")) is not None:
        return float(evidence["age_hours"])
    if _number(evidence.get("silent_minutes")) is not None:
        return evidence["silent_minutes"] / 60
    return None


def runbook_fix(check_id: str) -> str:
    """The first sentence of a check's "How to fix" paragraph."""
    from checks import get_check

    try:
        runbook = get_check(check_id).runbook
    except KeyError:
        return "See the finding's runbook on the Checks page."
    match = _RUNBOOK_FIX.search(runbook)
    if not match:
        return "See the check's runbook."
    sentence = " ".join(match.group(1).split())
    return sentence[0].upper() + sentence[1:]


def _fix_of(finding: dict[str, Any]) -> str:
    return str(finding["evidence"].get("grant") or runbook_fix(finding["check"]))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe(kind: str, findings: list[dict[str, Any]]) -> Story:
    """The story of an incident of this kind (findings worst first)."""
    tell = {
        "access_change": _access_change,
        "mass_update": _mass_update,
        "outage": _outage,
        "schema_change": _schema_change,
        "auth": _auth,
    }
    return tell.get(kind, _single)(findings)


def _single(findings: list[dict[str, Any]]) -> Story:
    first = findings[0]
    more = f" (and {len(findings) - 1} related findings)" if len(findings) > 1 else ""
    return Story(
        title=first["title"] + more,
        cause=str(first.get("detail") or first["title"]),
        fix=_fix_of(first),
        impact=impact_of(findings),
    )


def _lost_access(finding: dict[str, Any]) -> tuple[str, str, str] | None:
    """(object, field, "read" | "edit") the finding says the sync user lacks."""
    evidence = finding["evidence"]
    obj, field = str(evidence.get("object") or ""), str(evidence.get("field") or "")
    if finding["check"] == "sync_user_drift":
        if evidence.get("was_readable") and not evidence.get("readable"):
            return obj, field, "read"
        if evidence.get("was_editable") and not evidence.get("editable"):
            return obj, field, "edit"
        return None
    snapshot = evidence.get("permission_snapshot")
    if isinstance(snapshot, dict) and not snapshot.get("readable"):
        return obj, field, "read"
    return obj, field, "edit" if field else "read"


def lost_accesses(findings: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """{"read"/"edit": [(object, field)]}: a field's read is left out when its whole object lost
    read (one grant restores both)."""
    lost = {found for found in map(_lost_access, findings) if found is not None}
    objects_unread = {obj for obj, field, access in lost if not field and access == "read"}
    by_access: dict[str, list[tuple[str, str]]] = {"edit": [], "read": []}
    for obj, field, access in sorted(lost):
        if field and obj in objects_unread:
            continue
        if access == "edit" and (obj, field, "read") in lost:
            continue
        by_access[access].append((obj, field))
    return by_access


def _access_phrase(access: str, items: list[tuple[str, str]]) -> list[str]:
    """ "edit on 3 Lead fields", "read on Campaign", "edit on Lead.Rating"."""
    phrases = []
    per_object = Counter(obj for obj, field in items if field)
    for obj in sorted({obj for obj, field in items if not field}):
        phrases.append(f"{access} on {obj}")
    for obj, count in sorted(per_object.items()):
        if count == 1:
            [field] = [f for o, f in items if o == obj and f]
            phrases.append(f"{access} on {obj}.{field}")
        else:
            phrases.append(f"{access} on {count} {obj} fields")
    return phrases


def _audit(findings: list[dict[str, Any]]) -> tuple[str | None, str | None, int]:
    """(the person who changed it, the profile or permission set changed, events) from the
    Setup Audit Trail events the findings matched."""
    events = {
        (e.get("actor"), e.get("detail"), e.get("occurred_at"))
        for f in findings
        for e in f["evidence"].get("audit_events") or []
    }
    actors = Counter(actor for actor, _, _ in events if actor)
    grantees = Counter(
        f"{match.group(2).strip()} {match.group(1).lower()}"
        for _, detail, _ in events
        for match in [_GRANTEE.search(str(detail or ""))]
        if match
    )
    actor = min(actors, key=lambda a: (-actors[a], a)) if actors else None
    grantee = min(grantees, key=lambda g: (-grantees[g], g)) if grantees else None
    return actor, grantee, len(events)


def _access_change(findings: list[dict[str, Any]]) -> Story:
    key = findings[0]["evidence"].get("cause_key", "")
    changed_at = _time(key.split(":", 1)[1]) if ":" in key else None
    lost = lost_accesses(findings)
    phrases = _access_phrase("edit", lost["edit"]) + _access_phrase("read", lost["read"])
    actor, grantee, events = _audit(findings)
    impact = impact_of(findings)
    failures = [f for f in findings if f["check"] == "permission_failures"]
    first_error = min(
        (t for t in (_time(f["evidence"].get("first_seen")) for f in failures) if t is not None),
        default=None,
    )
    who = f"The {grantee}" if grantee else "The sync user"
    title = f"{who} lost {_and(phrases) if phrases else 'access'} at {when(changed_at)}"
    if actor:
        title += f", changed by {actor}"
    if impact["failed_updates"]:
        title += f"; {impact['failed_updates']:,} updates failed since {when(first_error)}"
    cause = (
        f"A change to the sync user's access, seen in the permission snapshot of "
        f"{when(changed_at)}"
        + (
            f"; Setup Audit Trail: {actor} changed the {grantee or 'sync user'} ({events} events)"
            if actor
            else " (no Setup Audit Trail event names it)"
        )
        + "."
    )
    grants = [
        f"{access} on " + _and([f"{o}.{f}" if f else o for o, f in items])
        for access, items in (("edit", lost["edit"]), ("read", lost["read"]))
        if items
    ]
    fix = (
        f"Restore {'; '.join(grants) if grants else 'the lost access'} to the sync user "
        "(the Permissions page offers a permission set that grants exactly this), then retry "
        "the failed records in Marketo (Admin > Salesforce > Sync Errors)."
    )
    return Story(title, cause, fix, impact, changed_at.to_pydatetime() if changed_at else None)


def _mass_update(findings: list[dict[str, Any]]) -> Story:
    spikes = [f for f in findings if f["check"] == "backlog_spike"] or findings
    evidence = spikes[0]["evidence"]
    cause = evidence.get("likely_cause") or {}
    modifier, field = cause.get("modifier", "someone"), cause.get("field") or "records"
    obj = evidence.get("object", "")
    start = _time(evidence.get("start"))
    impact = impact_of(findings)
    directions = sorted(
        {DIRECTION_LABELS.get(f["evidence"].get("direction"), "") for f in spikes} - {""}
    )
    title = f"{modifier} changed {field} on {cause.get('changes', 0):,} {obj} records"
    title += f" from {when(start)}"
    if impact["backlog"] is not None:
        title += f"; {impact['backlog']:,} records wait in the {obj} backlog" + (
            f" ({_and(directions)})" if directions else ""
        )
    share = cause.get("share")
    story_cause = (
        f"A mass update: {modifier} changed {cause.get('changes', 0):,} {obj} records "
        f"({field})" + (f", {share:.0%} of all changes since the spike began." if share else ".")
    )
    fix = (
        f"Let the backlog drain and ask {modifier} to run such updates off-hours; if {field} "
        "keeps flooding the sync, hide it from the sync user or bucket its values."
    )
    return Story(title, story_cause, fix, impact, start.to_pydatetime() if start else None)


def _outage(findings: list[dict[str, Any]]) -> Story:
    first = findings[0]
    evidence = first["evidence"]
    key = evidence.get("cause_key", "")
    since = _time(key.rsplit("|", 1)[1]) if "|" in key else None
    story = _single(findings)
    if len(findings) > 1:
        story.title = f"{first['title']} ({len(findings)} findings)"
    story.started_at = since.to_pydatetime() if since is not None else None
    return story


def _schema_change(findings: list[dict[str, Any]]) -> Story:
    """One describe snapshot of one object showed synced fields changed (schema_drift)."""
    key = findings[0]["evidence"].get("cause_key", "")
    obj, _, at = key.split(":", 1)[1].partition("|") if ":" in key else ("", "", "")
    changed_at = _time(at)
    events = [f["evidence"].get("audit_event") for f in findings]
    actors = Counter(e.get("actor") for e in events if isinstance(e, dict) and e.get("actor"))
    actor = min(actors, key=lambda a: (-actors[a], a)) if actors else None
    subjects = _and(sorted(f["subject"] for f in findings))
    title = f"The {obj} schema changed at {when(changed_at)}"
    title += f", changed by {actor}" if actor else ""
    title += f": {findings[0]['title']}" if len(findings) == 1 else f": {subjects}"
    cause = "; ".join(str(f["evidence"].get("change") or f["title"]) for f in findings) + "."
    fix = " ".join(
        dict.fromkeys(
            f"{f['subject']}: {f['evidence'].get('fix') or runbook_fix(f['check'])}"
            for f in findings
        )
    )
    started = changed_at.to_pydatetime() if changed_at is not None else None
    return Story(title, cause, fix, impact_of(findings), started)


def _auth(findings: list[dict[str, Any]]) -> Story:
    """The sync user failed to log in several times in a row (auth_posture): one streak, one
    incident, however often the check sees it again."""
    first = findings[0]
    evidence = first["evidence"]
    started = _time(evidence.get("first_failure_at"))
    statuses = [str(s) for s in evidence.get("statuses") or []]
    reasons = _and(sorted(set(statuses))) if statuses else "unknown reasons"
    title = f"The sync user cannot log in to Salesforce since {when(started)}"
    cause = (
        f"{evidence.get('username') or 'The sync user'} failed to log in "
        f"{evidence.get('failures') or len(statuses)} times in a row ({reasons}); Salesforce "
        "locks a user out after a few failures and the sync stops."
    )
    fix = str(evidence.get("fix") or runbook_fix(first["check"]))
    fix = fix[0].upper() + fix[1:] + "."
    begun = started.to_pydatetime() if started is not None else None
    return Story(title, cause, fix, impact_of(findings), begun)
