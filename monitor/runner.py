"""The check runner: load each check's inputs, evaluate, and keep the findings lifecycle.

    opened -> still open (last_seen moves; escalated / deescalated on severity change)
           -> resolved (the check no longer reports the subject) -> reopened

A subject the check could not evaluate (NotEvaluated) keeps its current state: "not enough
data" must not resolve a real problem.

Per-object overrides ([checks.<id>.per_object.<Object>] in monitor.toml): the check is evaluated
with its own settings, and once more per overridden object with that object's settings (inputs
reloaded only when a query parameter differs); each subject is taken from the evaluation whose
settings are in force for it (checks.base.subject_object). Checks stay unaware of overrides.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, TypeVar, Unpack

import duckdb
import pandas as pd

from checks import REGISTRY
from checks.base import SEVERITIES, Check, Finding, NotEvaluated, subject_object
from monitor.calendar import BusinessCalendar
from monitor.incidents import with_incidents
from monitor.store import Store, integrity
from monitor.store import findings as stored_findings
from queries import run_query

T = TypeVar("T")  # what a check says of one subject (an outcome, a replayed timeline entry)

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
    """The check's settings with monitor.toml's [checks.<id>] applied (ConfigError if unknown)."""
    return check.resolve_settings(overrides.get(check.id))


def resolve_object_settings(
    check: Check, overrides: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Object -> the check's settings with [checks.<id>.per_object.<Object>] applied too."""
    return check.object_settings(overrides.get(check.id))


def validate_outcomes(check_id: str, outcomes: list[Finding | NotEvaluated]) -> None:
    """A check's output must be writable as a whole, or not at all (it is a bug otherwise)."""
    subjects: set[str] = set()
    for finding in (o for o in outcomes if isinstance(o, Finding)):
        if finding.severity not in SEVERITIES:
            raise ValueError(f"check {check_id}: unknown severity {finding.severity!r}")
        if finding.subject in subjects:
            raise ValueError(f"check {check_id}: subject {finding.subject!r} reported twice")
        subjects.add(finding.subject)


def judging_moment(con: duckdb.DuckDBPyConnection, instance: str, now: datetime) -> datetime:
    """The moment an instance is judged at: `now`, or for a demo workspace (a recording) the end
    of its simulation, so that the demo tells the same story on any day."""
    frame = run_query(con, "instance_clock", instance=instance)
    if len(frame) and pd.notna(frame["simulated_until"].iloc[0]):
        return min(now, frame["simulated_until"].iloc[0].to_pydatetime())
    return now


def coverage_ends(
    con: duckdb.DuckDBPyConnection, instance: str, now: datetime
) -> dict[str, datetime]:
    """Family of facts -> the newest time it reaches as of `now` (families without data are
    left out)."""
    frame = run_query(con, "coverage_ends", instance=instance, now=now)
    return {
        family: until.to_pydatetime()
        for family, until in zip(frame["family"], frame["covered_until"], strict=True)
        if pd.notna(until)
    }


def as_of(anchor: str | None, coverage: dict[str, datetime], now: datetime) -> datetime:
    """The moment a check or input anchored on `anchor` is judged at: its family's data time,
    never later than `now`; `now` itself without an anchor or without data."""
    if anchor is None or anchor not in coverage:
        return now
    return min(now, coverage[anchor])


def load_inputs(
    con: duckdb.DuckDBPyConnection,
    check: Check,
    settings: dict[str, Any],
    instance: str,
    now: datetime,
    coverage: dict[str, datetime] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the named queries a check declares, each as of its anchor's data time."""
    frames = {}
    for key, spec in check.inputs.items():
        params = {"instance": instance, "now": as_of(spec.anchor, coverage or {}, now)}
        params.update({param: settings[name] for param, name in spec.params_from_settings.items()})
        frames[key] = run_query(con, spec.query, **params)
    return frames


def evaluate_check(
    con: duckdb.DuckDBPyConnection,
    check: Check,
    settings: dict[str, Any],
    object_settings: dict[str, dict[str, Any]],
    instance: str,
    now: datetime,
    coverage: dict[str, datetime] | None = None,
    calendar: pd.DataFrame | None = None,
) -> list[Finding | NotEvaluated]:
    """The check's outcomes, each subject judged with the settings in force for its object;
    `calendar`: the planned windows of the instance, given to the check as data["calendar"]."""
    loaded: dict[str, dict[str, pd.DataFrame]] = {}
    check_now = as_of(check.anchor, coverage or {}, now)

    def outcomes_with(values: dict[str, Any]) -> list[Finding | NotEvaluated]:
        # Inputs depend on settings only through query parameters: reload only if they differ.
        key = repr(
            [
                (k, values[s])
                for spec in check.inputs.values()
                for k, s in sorted(spec.params_from_settings.items())
            ]
        )
        if key in loaded:
            data = {name: frame.copy() for name, frame in loaded[key].items()}
        else:
            data = loaded[key] = load_inputs(con, check, values, instance, now, coverage)
            if object_settings:  # kept for the other evaluations: hand this one copies
                data = {name: frame.copy() for name, frame in data.items()}
        if calendar is not None:
            data["calendar"] = calendar.copy()
        return check.evaluate(data, values, check_now)

    return judged_per_object(settings, object_settings, outcomes_with, lambda o: o.subject)


def judged_per_object(
    settings: dict[str, Any],
    object_settings: dict[str, dict[str, Any]],
    judge: Callable[[dict[str, Any]], list[T]],
    subject: Callable[[T], str],
) -> list[T]:
    """What `judge` says of each subject under the settings in force for its object: the
    check's settings for objects without their own ([checks.<id>.per_object.<Object>]), each
    object's own for its subjects. `judge` runs once per set of settings."""
    judged = [
        item for item in judge(settings) if subject_object(subject(item)) not in object_settings
    ]
    for object_name, values in object_settings.items():
        judged += [item for item in judge(values) if subject_object(subject(item)) == object_name]
    return judged


@dataclass
class Evaluation:
    """Every check's outcomes for one instance at one moment, before anything is stored."""

    instance: str
    now: datetime  # the moment judged (a demo workspace: at most the end of its simulation)
    coverage: dict[str, datetime]
    outcomes: dict[str, list[Finding | NotEvaluated]] = field(default_factory=dict)
    failed_checks: dict[str, str] = field(default_factory=dict)

    def findings(self) -> list[Finding]:
        return [o for outs in self.outcomes.values() for o in outs if isinstance(o, Finding)]


class CheckOptions(TypedDict, total=False):
    """What a run of the checks may be told, by keyword to evaluate_checks and run_checks
    alike: the settings `overrides` ([checks.<id>] of the config), the `checks` to run (default:
    every registered one) and the business `calendar` whose planned windows the checks receive
    (monitor/calendar.py)."""

    overrides: dict[str, dict[str, Any]] | None
    checks: list[Check] | None
    calendar: BusinessCalendar | None


def evaluate_checks(
    store: Store, instance: str, now: datetime, **options: Unpack[CheckOptions]
) -> Evaluation:
    """Evaluate every check for one instance as of `now`, storing nothing."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    checks = options.get("checks")
    checks = REGISTRY if checks is None else checks
    overrides = options.get("overrides") or {}
    calendar = options.get("calendar")
    with store.read() as con:
        moment = judging_moment(con, instance, now)
        evaluation = Evaluation(instance, moment, coverage_ends(con, instance, moment))
        windows = None if calendar is None else calendar.windows_around(instance, moment)
        for check in checks:
            settings = resolve_settings(check, overrides)
            object_settings = resolve_object_settings(check, overrides)
            try:
                outcomes = evaluate_check(
                    con,
                    check,
                    settings,
                    object_settings,
                    instance,
                    moment,
                    evaluation.coverage,
                    windows,
                )
                validate_outcomes(check.id, outcomes)
                evaluation.outcomes[check.id] = outcomes
            except Exception as exc:  # a broken check must not silence the others
                integrity.raise_if_damaged(exc, store.path)  # ... but a damaged store must
                log.exception("check %s failed", check.id)
                evaluation.failed_checks[check.id] = f"{type(exc).__name__}: {exc}"
    return evaluation


def run_checks(
    store: Store, instance: str, now: datetime, **options: Unpack[CheckOptions]
) -> RunSummary:
    """Evaluate every check for one instance at `now` and apply the lifecycle."""
    evaluation = evaluate_checks(store, instance, now, **options)
    summary = RunSummary(instance, evaluation.now, failed_checks=dict(evaluation.failed_checks))
    with store.write() as con:
        _apply(con, evaluation, summary)
    return summary


def _transition(before: dict[str, str] | None, severity: str) -> str:
    """What happened to a finding reported again ('' when nothing changed)."""
    if before is None:
        return "opened"
    if before["status"] == "resolved":
        return "reopened"
    change = SEVERITIES.index(severity) - SEVERITIES.index(before["severity"])
    return "escalated" if change > 0 else "deescalated" if change < 0 else ""


def _apply(con: duckdb.DuckDBPyConnection, evaluation: Evaluation, summary: RunSummary) -> None:
    """Write every check's outcomes in a few set-based statements for the whole run (not one
    per finding, nor per check); checks that failed keep their stored state."""
    instance, now = evaluation.instance, evaluation.now
    judged = list(evaluation.outcomes)
    existing = stored_findings.known_findings(con, instance, judged)
    findings = [o for outs in evaluation.outcomes.values() for o in outs if isinstance(o, Finding)]
    skipped = [
        o for outs in evaluation.outcomes.values() for o in outs if isinstance(o, NotEvaluated)
    ]
    summary.findings += len(findings)
    summary.not_evaluated.extend(skipped)
    rows = pd.DataFrame(
        {
            "fingerprint": [fingerprint(f.check, instance, f.subject) for f in findings],
            "instance": instance,
            "check_id": [f.check for f in findings],
            "subject": [f.subject for f in findings],
            "severity": [f.severity for f in findings],
            "title": [f.title for f in findings],
            "detail": [f.detail for f in findings],
            "owner": [f.owner for f in findings],
            "evidence": [json.dumps(f.evidence, default=str) for f in findings],
            "status": "open",
            "first_seen": now,
            "last_seen": now,
        }
    )
    stored_findings.write_reported(con, rows, rows["fingerprint"].isin(list(existing)))
    events = []
    for finding, fp in zip(findings, rows["fingerprint"], strict=True):
        transition = _transition(existing.get(fp), finding.severity)
        if transition:
            events.append(
                Transition(
                    fp, finding.check, finding.subject, transition, finding.severity, finding.title
                )
            )
    reported = set(rows["fingerprint"])
    not_judged = {fingerprint(o.check, instance, o.subject) for o in skipped}
    gone = [
        fp
        for fp, before in existing.items()
        if before["status"] == "open" and fp not in reported and fp not in not_judged
    ]
    if gone:
        stored_findings.resolve(con, gone, now)
        events += [
            Transition(
                fp,
                existing[fp]["check_id"],
                existing[fp]["subject"],
                "resolved",
                existing[fp]["severity"],
                existing[fp]["title"],
            )
            for fp in gone
        ]
    stored_findings.record_events(
        con,
        pd.DataFrame(
            {
                "fingerprint": [e.fingerprint for e in events],
                "changed_at": now,
                "transition": [e.transition for e in events],
                "severity": [e.severity for e in events],
            }
        ),
    )
    summary.transitions.extend(events)
    stored_findings.replace_outcomes(
        con,
        instance,
        judged,
        pd.DataFrame(
            {
                "instance": instance,
                "check_id": [o.check for o in findings] + [o.check for o in skipped],
                "subject": [f.subject for f in findings] + [o.subject for o in skipped],
                "outcome": ["finding"] * len(findings) + ["not_evaluated"] * len(skipped),
                "reason": [None] * len(findings) + [o.reason for o in skipped],
                "evaluated_at": now,
            }
        ),
    )


def acknowledge_finding(store: Store, fingerprint: str, now: datetime) -> bool:
    """Mark an open finding as acknowledged (alerts about it stop repeating); True if found."""
    with store.write() as con:
        return stored_findings.acknowledge(con, fingerprint, now)


def open_findings(store: Store, instance: str | None = None) -> list[dict[str, Any]]:
    """Open findings as the JSON contract of DESIGN §8 describes them, each with its incident."""
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
    return with_incidents(records)


def findings_judged(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The findings of an evaluation that was not stored (`check --at`), in the JSON contract's
    shape: first and last seen are the moment judged."""
    moment = evaluation.now.isoformat()
    records = [
        {
            "check": f.check,
            "severity": f.severity,
            "subject": f.subject,
            "title": f.title,
            "detail": f.detail,
            "owner": f.owner,
            "first_seen": moment,
            "last_seen": moment,
            "status": "open",
            "evidence": json.loads(json.dumps(f.evidence, default=str)),
            "instance": evaluation.instance,
            "fingerprint": fingerprint(f.check, evaluation.instance, f.subject),
            "acknowledged": False,
        }
        for f in sorted(
            evaluation.findings(),
            key=lambda f: (-SEVERITIES.index(f.severity), f.check, f.subject),
        )
    ]
    return with_incidents(records)
