"""The one harness every check's tests use: facts in, expected outcomes out (the promtool way:
a finding with its severity, "stays silent", or "not evaluated").

Facts come in as the frames a check's INPUTS name, or as a real store the check's own queries
read, judged the way the runner judges (each input as of its data's time). Every finding the
harness sees is held to the check's declared EVIDENCE, so no reader meets an undeclared key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import pytest
from _pytest.mark import ParameterSet

from checks import get_check
from checks.base import Check, Finding, NotEvaluated
from monitor.runner import coverage_ends, evaluate_check, validate_outcomes
from monitor.store import Store

SILENT = "silent"
NOT_EVALUATED = "not_evaluated"


@dataclass(frozen=True)
class Case:
    """One table-driven case: the facts in (or what builds them), the outcome expected out (a
    severity, SILENT or NOT_EVALUATED; or {subject: severity}, where {} is the explicit no-alert
    case), and the settings the check runs with."""

    facts: Any
    expect: str | dict[str, str]
    settings: dict[str, Any] = field(default_factory=dict)


def scenario(name: str, facts: Any, expect: str | dict[str, str], **settings: Any) -> ParameterSet:
    """One table row, named first for what it shows (the test id), so it reads on one line:
    `scenario("warns_at_the_warn_share", samples(...), "warning", warn_share=0.4)`."""
    return pytest.param(Case(facts, expect, settings), id=name)


class Outcomes(list):
    """What a check returned, with ways to ask about one subject."""

    @property
    def findings(self) -> dict[str, Finding]:
        return {o.subject: o for o in self if isinstance(o, Finding)}

    @property
    def severities(self) -> dict[str, str]:
        """{subject: severity} of the findings."""
        return {subject: f.severity for subject, f in self.findings.items()}

    @property
    def skipped(self) -> dict[str, NotEvaluated]:
        """Subjects the check could not judge, with why."""
        return {o.subject: o for o in self if isinstance(o, NotEvaluated)}

    def outcome(self, subject: str) -> str:
        """The finding's severity, 'not_evaluated', or 'silent' when nothing is said."""
        mine = [o for o in self if o.subject == subject]
        assert len(mine) <= 1, mine
        if not mine:
            return SILENT
        return NOT_EVALUATED if isinstance(mine[0], NotEvaluated) else mine[0].severity

    def outcomes(self, *subjects: str) -> dict[str, str]:
        """{subject: outcome} of each of `subjects`, for cases that expect an outcome on a few
        subjects and leave the others unasked."""
        return {subject: self.outcome(subject) for subject in subjects}

    def finding(self, subject: str) -> Finding:
        found = self.findings.get(subject)
        assert found is not None, f"no finding on {subject!r}: {self!r}"
        return found


def check_of(check: Check | str) -> Check:
    return get_check(check) if isinstance(check, str) else check


def assert_headline(finding: Finding, check: str, subject: str, severity: str, owner: str) -> None:
    """What a reader sees of a finding before its evidence: whose it is, about what, how bad,
    and who fixes it."""
    assert finding.check == check
    assert finding.subject == subject
    assert finding.severity == severity
    assert finding.owner == owner


def assert_documented(check: Check | str, runbook_says: str) -> None:
    """What the config page and the finding show a reader: the runbook says `runbook_says` (how
    to fix), and every setting has its help."""
    check = check_of(check)
    assert runbook_says in check.runbook
    assert all(s.help for s in check.settings)


def judge(
    check: Check | str,
    facts: Store | Mapping[str, pd.DataFrame],
    *,
    now: datetime,
    instance: str = "prod",
    **settings: Any,
) -> Outcomes:
    """Evaluate one check with `settings` over `facts` (frames by input name, or a store) at
    `now`; every finding's evidence is checked against the check's EVIDENCE."""
    check = check_of(check)
    resolved = check.resolve_settings(settings)
    if isinstance(facts, Store):
        with facts.read() as con:
            coverage = coverage_ends(con, instance, now)
            outcomes = evaluate_check(con, check, resolved, {}, instance, now, coverage)
    else:
        frames = {name: frame.copy() for name, frame in facts.items()}
        outcomes = check.evaluate(frames, resolved, now)
    validate_outcomes(check.id, outcomes)
    for finding in (o for o in outcomes if isinstance(o, Finding)):
        undeclared = set(finding.evidence) - set(check.evidence)
        assert not undeclared, f"{check.id}: evidence keys not in EVIDENCE: {sorted(undeclared)}"
    return Outcomes(outcomes)
