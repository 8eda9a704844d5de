"""What a check is: data (id, title, severity, settings, runbook, inputs) plus a pure evaluate.

    evaluate(data: dict[str, DataFrame], settings: dict, now: datetime)
        -> list[Finding | NotEvaluated]

`data` holds the frames named in the check's INPUTS, loaded by the runner; a check never reads
or writes anything itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from monitor.classify import MARKETO_ADMIN, SALESFORCE_ADMIN

SEVERITIES = ("info", "warning", "critical")
__all__ = [
    "MARKETO_ADMIN",
    "SALESFORCE_ADMIN",
    "SEVERITIES",
    "Check",
    "Finding",
    "Input",
    "NotEvaluated",
    "Setting",
]


@dataclass(frozen=True)
class Setting:
    """A tunable threshold; its name carries its unit and `help` is shown in the UI and docs."""

    name: str
    default: Any
    help: str


@dataclass(frozen=True)
class Input:
    """A frame a check needs: a named query, with query parameters taken from settings."""

    query: str
    params_from_settings: dict[str, str] = field(default_factory=dict)


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

    def defaults(self) -> dict[str, Any]:
        return {s.name: s.default for s in self.settings}

    def resolve_settings(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Defaults updated with configured overrides; an unknown key is an error."""
        values = self.defaults()
        for key, value in (overrides or {}).items():
            if key not in values:
                known = ", ".join(sorted(values))
                raise KeyError(f"check {self.id}: unknown setting {key!r} (known: {known})")
            values[key] = value
        return values


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
    )
