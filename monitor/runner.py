"""The check runner: load each check's inputs, evaluate, and keep the findings lifecycle.

    opened -> still open (last_seen moves; escalated / deescalated on severity change)
           -> resolved (the check no longer reports the subject) -> reopened

A subject the check could not evaluate (NotEvaluated) keeps its current state: "not enough
data" must not resolve a real problem.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from checks import REGISTRY
from checks.base import SEVERITIES, Check, Finding, NotEvaluated
from monitor.errors import ConfigError
from monitor.store import Store
from queries import run_query

log = logging.getLogger(__name__)


@dataclass
class Transition:
    """A lifecycle change the alerting layer reacts to."""

    fingerprint: str
    check: str
    subject: str
    transition: str
    severity: str
    title: str


@dataclass
class RunSummary:
    """What one run of the checks did."""

    instance: str
    now: datetime
    findings: int = 0
    not_evaluated: list[NotEvaluated] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    failed_checks: dict[str, str] = field(default_factory=dict)


def fingerprint(check: str, instance: str, subject: str) -> str:
    """Stable identity of a finding: check + instance + subject."""
    return f"{check}|{instance}|{subject}"


def resolve_settings(check: Check, overrides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The check's settings with monitor.toml's [checks.<id>] applied."""
    try:
        return check.resolve_settings(overrides.get(check.id))
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None


def validate_outcomes(check_id: str, outcomes: list[Finding | NotEvaluated]) -> None:
    """A check's output must be writable as a whole, or not at all (it is a bug otherwise)."""
    subjects: set[str] = set()
    for finding in (o for o in outcomes if isinstance(o, Finding)):
        if finding.severity not in SEVERITIES:
            raise ValueError(f"check {check_id}: unknown severity {finding.severity!r}")
        if finding.subject in subjects:
            raise ValueError(f"check {check_id}: subject {finding.subject!r} reported twice")
        subjects.add(finding.subject)


def load_inputs(
    con: duckdb.DuckDBPyConnection,
    check: Check,
    settings: dict[str, Any],
    instance: str,
    now: datetime,
) -> dict[str, pd.DataFrame]:
    """Run the named queries a check declares."""
    frames = {}
    for key, spec in check.inputs.items():
        params = {"instance": instance, "now": now}
        params.update({param: settings[name] for param, name in spec.params_from_settings.items()})
        frames[key] = run_query(con, spec.query, **params)
    return frames


def run_checks(
    store: Store,
    instance: str,
    now: datetime,
    *,
    overrides: dict[str, dict[str, Any]] | None = None,
    checks: list[Check] | None = None,
) -> RunSummary:
    """Evaluate every check for one instance at `now` and apply the lifecycle."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    checks = REGISTRY if checks is None else checks
    overrides = overrides or {}
    summary = RunSummary(instance, now)
    results: dict[str, list[Finding | NotEvaluated]] = {}
    with store.read() as con:
        for check in checks:
            settings = resolve_settings(check, overrides)
            try:
                data = load_inputs(con, check, settings, instance, now)
                outcomes = check.evaluate(data, settings, now)
                validate_outcomes(check.id, outcomes)
                results[check.id] = outcomes
            except Exception as exc:  # a broken check must not silence the others
                log.exception("check %s failed", check.id)
                summary.failed_checks[check.id] = f"{type(exc).__name__}: {exc}"
    with store.write() as con:
        for check_id, outcomes in results.items():
            _apply(con, instance, check_id, outcomes, now, summary)
    return summary


def _apply(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    check_id: str,
    outcomes: list[Finding | NotEvaluated],
    now: datetime,
    summary: RunSummary,
) -> None:
    existing = {
        row[0]: {"status": row[1], "severity": row[2]}
        for row in con.execute(
            "SELECT fingerprint, status, severity FROM findings "
            "WHERE instance = $i AND check_id = $c",
            {"i": instance, "c": check_id},
        ).fetchall()
    }
    findings = [o for o in outcomes if isinstance(o, Finding)]
    skipped = [o for o in outcomes if isinstance(o, NotEvaluated)]
    summary.findings += len(findings)
    summary.not_evaluated.extend(skipped)
    seen = set()
    for finding in findings:
        fp = fingerprint(check_id, instance, finding.subject)
        seen.add(fp)
        params = {
            "fp": fp,
            "i": instance,
            "c": check_id,
            "s": finding.subject,
            "sev": finding.severity,
            "t": finding.title,
            "d": finding.detail,
            "o": finding.owner,
            "e": json.dumps(finding.evidence, default=str),
            "now": now,
        }
        before = existing.get(fp)
        if before is None:
            con.execute(
                "INSERT INTO findings VALUES ($fp, $i, $c, $s, $sev, $t, $d, $o, $e, 'open', "
                "$now, $now, NULL, NULL)",
                params,
            )
            transition = "opened"
        else:
            con.execute(
                "UPDATE findings SET severity = $sev, title = $t, detail = $d, owner = $o, "
                "evidence = $e, status = 'open', last_seen = $now, resolved_at = NULL, "
                "acknowledged_at = CASE WHEN status = 'resolved' THEN NULL "
                "ELSE acknowledged_at END WHERE fingerprint = $fp",
                {k: v for k, v in params.items() if k not in ("i", "c", "s")},
            )
            if before["status"] == "resolved":
                transition = "reopened"
            elif SEVERITIES.index(finding.severity) > SEVERITIES.index(before["severity"]):
                transition = "escalated"
            elif SEVERITIES.index(finding.severity) < SEVERITIES.index(before["severity"]):
                transition = "deescalated"
            else:
                transition = ""
        if transition:
            _record(
                con,
                summary,
                fp,
                check_id,
                finding.subject,
                transition,
                finding.severity,
                finding.title,
                now,
            )
    not_judged = {fingerprint(check_id, instance, o.subject) for o in skipped}
    for fp, before in existing.items():
        if before["status"] == "open" and fp not in seen and fp not in not_judged:
            row = con.execute(
                "UPDATE findings SET status = 'resolved', resolved_at = $now "
                "WHERE fingerprint = $fp RETURNING subject, title",
                {"fp": fp, "now": now},
            ).fetchone()
            _record(con, summary, fp, check_id, row[0], "resolved", before["severity"], row[1], now)
    con.execute(
        "DELETE FROM check_outcomes WHERE instance = $i AND check_id = $c",
        {"i": instance, "c": check_id},
    )
    outcome_rows = [(instance, check_id, f.subject, "finding", None, now) for f in findings]
    outcome_rows += [
        (instance, check_id, o.subject, "not_evaluated", o.reason, now) for o in skipped
    ]
    if outcome_rows:
        con.executemany(
            "INSERT OR REPLACE INTO check_outcomes VALUES (?, ?, ?, ?, ?, ?)", outcome_rows
        )


def _record(
    con: duckdb.DuckDBPyConnection,
    summary: RunSummary,
    fp: str,
    check_id: str,
    subject: str,
    transition: str,
    severity: str,
    title: str,
    now: datetime,
) -> None:
    con.execute(
        "INSERT OR IGNORE INTO finding_events VALUES ($fp, $now, $t, $sev)",
        {"fp": fp, "now": now, "t": transition, "sev": severity},
    )
    summary.transitions.append(Transition(fp, check_id, subject, transition, severity, title))


def acknowledge_finding(store: Store, fingerprint: str, now: datetime) -> bool:
    """Mark an open finding as acknowledged (alerts about it stop repeating); True if found."""
    with store.write() as con:
        row = con.execute(
            "UPDATE findings SET acknowledged_at = $now "
            "WHERE fingerprint = $fp AND status = 'open' RETURNING fingerprint",
            {"now": now, "fp": fingerprint},
        ).fetchone()
    return row is not None


def open_findings(store: Store, instance: str | None = None) -> list[dict[str, Any]]:
    """Open findings as the JSON contract of DESIGN §8 describes them."""
    frame = store.query("findings_open", instance=instance or "")
    records = []
    for row in frame.itertuples(index=False):
        records.append(
            {
                "check": row.check_id,
                "severity": row.severity,
                "subject": row.subject,
                "title": row.title,
                "detail": row.detail,
                "owner": row.owner,
                "first_seen": row.first_seen.isoformat(),
                "last_seen": row.last_seen.isoformat(),
                "status": row.status,
                "evidence": json.loads(row.evidence) if row.evidence else {},
                "instance": row.instance,
                "fingerprint": row.fingerprint,
                "acknowledged": not pd.isna(row.acknowledged_at),
            }
        )
    return records
