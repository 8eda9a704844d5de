"""What a check is: data (id, title, severity, settings, runbook, inputs) plus a pure evaluate.

    evaluate(data: dict[str, DataFrame], settings: dict, now: datetime)
        -> list[Finding | NotEvaluated]

`data` holds the frames named in the check's INPUTS, loaded by the runner; a check never reads
or writes anything itself. With a business calendar (monitor/calendar.py) the runner also gives
every check `data["calendar"]`: the planned windows of the instance (name, instance, object,
start, end), during which load is expected; a check may use it or not (backlog_spike does).

EVIDENCE documents every key a finding's evidence may hold: the answer readers show (a grant to
make, a likely cause) is computed once, by the check.

Judging time is the data's time: an input that names an `anchor` (a family of facts, see
queries/coverage_ends.sql) is read as of the newest fact of that family, not at the wall clock,
and a check's ANCHOR sets the `now` its evaluate receives. So an export imported a day late is
judged as it would have been when fresh, and a source that stops reporting leaves its findings
open (the stale_data and source_down checks say the data stopped) instead of resolving them.

Per-object overrides: `[checks.<id>.per_object.<Object>]` in monitor.toml holds settings in force
for the subjects about that object (`subject_object`). The check itself knows nothing of them:
the runner evaluates it once more with each object's settings and keeps, from each evaluation,
the subjects it is responsible for (see monitor/runner.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from monitor.errors import ConfigError
from monitor.vocabulary import MARKETO_ADMIN, SALESFORCE_ADMIN, SEVERITIES, Setting

# The reserved key of per-object setting tables; no check may name a setting so.
PER_OBJECT = "per_object"
# A Salesforce object name at the start of a subject, before `.` (field), `/` (direction) or `:`
# (rule), or alone: "Lead.Rating", "Contact/sfdc_to_marketo", "Lead: rule", "Task".
_SUBJECT_OBJECT = re.compile(r"([A-Za-z][A-Za-z0-9_]*)(?:$|[./:])")
__all__ = [
    "MARKETO_ADMIN",
    "SALESFORCE_ADMIN",
    "SEVERITIES",
    "Check",
    "Finding",
    "Input",
    "NotEvaluated",
    "PER_OBJECT",
    "Setting",
    "cause_key",
    "subject_object",
]


# Families of facts a check can be judged by (queries/coverage_ends.sql names them).
ANCHORS = (
    "sync_errors",
    "sync_cycles",
    "sync_stats",
    "change_counts",
    "marketo_activities",
    "api_usage",
    "audit_events",
    "snapshots",
)


@dataclass(frozen=True, init=False)
class Input:
    """A frame a check needs: a named query, with query parameters taken from settings.

        Input("stuck_records_failures", "lookback_hours", anchor="sync_errors")
        Input("api_budget_samples", anchor="api_usage", lookback_hours="forecast_hours")

    Positional names are settings passed under their own name; a keyword passes the setting
    it names under the query parameter it is given as (a mapping of the same does both).
    `anchor`: the family of facts whose newest time (capped at the judging moment) the query
    receives as `$now`; None reads as of the judging moment (latest snapshots, run records)."""

    query: str
    params_from_settings: dict[str, str]
    anchor: str | None

    def __init__(
        self,
        query: str,
        *settings: str | Mapping[str, str],
        anchor: str | None = None,
        **renamed: str,
    ) -> None:
        params: dict[str, str] = {}
        for setting in settings:
            params.update(setting if isinstance(setting, Mapping) else {setting: setting})
        params.update(renamed)
        if anchor is not None and anchor not in ANCHORS:
            raise ValueError(f"input {query}: unknown anchor {anchor!r}")
        object.__setattr__(self, "query", query)
        object.__setattr__(self, "params_from_settings", params)
        object.__setattr__(self, "anchor", anchor)


@dataclass
class Finding:
    """One problem about one subject; the runner adds instance, lifecycle and timestamps."""

    check: str
    subject: str
    severity: str
    title: str
    detail: str
    owner: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class NotEvaluated:
    """The check could not judge this subject (e.g. not enough history): shown, never alerted."""

    check: str
    subject: str
    reason: str


@dataclass(frozen=True)
class Check:
    """A registered check, assembled from a check module's constants."""

    id: str
    title: str
    severity: str
    owner: str
    runbook: str
    settings: tuple[Setting, ...]
    inputs: dict[str, Input]
    evaluate: Callable[
        [dict[str, pd.DataFrame], dict[str, Any], datetime], list[Finding | NotEvaluated]
    ]
    # The family whose data time is the `now` evaluate receives (None: the judging moment).
    anchor: str | None = None
    # What a finding's evidence holds: key -> what it means. Readers (pages, the report,
    # alerts) rely on these keys and nothing else; tests/test_evidence.py holds them to it.
    evidence: dict[str, str] = field(default_factory=dict)
    # Optional fast replay (`python -m monitor backtest`): replay(data, settings, moments) ->
    # subject -> {moment index: outcome}, the outcomes `evaluate` gives at each moment.
    replay: Callable[..., dict[str, dict[int, Finding | NotEvaluated]]] | None = None

    def __post_init__(self) -> None:
        if self.anchor is not None and self.anchor not in ANCHORS:
            raise ValueError(f"check {self.id}: unknown ANCHOR {self.anchor!r}")

    def defaults(self) -> dict[str, Any]:
        return {s.name: s.default for s in self.settings}

    def resolve_settings(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults updated with configured overrides; an unknown key is a ConfigError naming it.
        Per-object tables (the `per_object` key) are validated here, applied by
        `object_settings`."""
        overrides = dict(overrides or {})
        tables = overrides.pop(PER_OBJECT, {})
        values = self._updated(self.defaults(), overrides, f"check {self.id}")
        for object_name, table in self._object_tables(tables).items():
            self._updated(dict(values), table, f"check {self.id}: {PER_OBJECT}.{object_name}")
        return values

    def object_settings(
        self, overrides: Mapping[str, Any] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Object -> the settings in force for subjects about it: the check's resolved settings
        updated with its `[checks.<id>.per_object.<Object>]` table. Empty without such tables."""
        base = self.resolve_settings(overrides)
        tables = self._object_tables((overrides or {}).get(PER_OBJECT, {}))
        return {
            object_name: self._updated(
                dict(base), table, f"check {self.id}: {PER_OBJECT}.{object_name}"
            )
            for object_name, table in tables.items()
        }

    @staticmethod
    def _updated(
        values: dict[str, Any], overrides: Mapping[str, Any], where: str
    ) -> dict[str, Any]:
        for key, value in overrides.items():
            if key not in values:
                known = ", ".join(sorted(values))
                raise ConfigError(f"{where}: unknown setting {key!r} (known: {known})")
            values[key] = value
        return values

    def _object_tables(self, tables: Any) -> dict[str, Mapping[str, Any]]:
        """The per_object tables, checked for shape: one table of settings per object name."""
        example = f"[checks.{self.id}.{PER_OBJECT}.Task]"
        if not isinstance(tables, Mapping) or not all(
            isinstance(t, Mapping) for t in tables.values()
        ):
            raise ConfigError(
                f"check {self.id}: {PER_OBJECT} must hold one table of settings per object, "
                f"e.g. {example}"
            )
        for object_name in tables:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", str(object_name)):
                raise ConfigError(
                    f"check {self.id}: {PER_OBJECT}.{object_name!r} is not an object API name "
                    f"(expected e.g. {example})"
                )
        return dict(tables)


def check_from_module(module: Any) -> Check:
    """Build a Check from a module that defines ID, TITLE, SEVERITY, OWNER, RUNBOOK, ..."""
    return Check(
        id=module.ID,
        title=module.TITLE,
        severity=module.SEVERITY,
        owner=module.OWNER,
        runbook=module.RUNBOOK.strip(),
        settings=tuple(module.SETTINGS),
        inputs=dict(module.INPUTS),
        evaluate=module.evaluate,
        anchor=getattr(module, "ANCHOR", None),
        evidence=dict(module.EVIDENCE),
        replay=getattr(module, "replay", None),
    )


def subject_object(subject: str) -> str | None:
    """The Salesforce object a finding's subject is about ("Lead.Rating" -> "Lead",
    "Contact/sfdc_to_marketo" -> "Contact", "Task" -> "Task"), or None ("salesforce
    DailyApiRequests", a Marketo field such as "Account Score")."""
    match = _SUBJECT_OBJECT.match(subject)
    return match.group(1) if match else None


# What a cause key may name: findings whose evidence holds the same `cause_key` share one cause
# and become one incident (monitor/incidents.py groups them; DESIGN.md §5 lists the kinds).
CAUSE_KINDS = (
    "access_change",
    "mass_update",
    "outage",
    "job_failure",
    "schema_change",
    "auth",
)


def cause_key(kind: str, *parts: Any) -> str:
    """A finding's cause as a key other findings of the same cause share: the kind, then what
    identifies one cause of that kind ("access_change:2026-11-17 13:00:00+00:00",
    "mass_update:ops.admin|Contact.Contact_Score__c|2026-11-20", "outage:salesforce@...")."""
    if kind not in CAUSE_KINDS:
        raise ValueError(f"unknown cause kind {kind!r} (known: {', '.join(CAUSE_KINDS)})")
    return f"{kind}:" + "|".join(str(part) for part in parts)
