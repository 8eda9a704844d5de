"""The check runner's findings lifecycle on a real DuckDB file, with pinned clocks, and the
conventions every registered check and every named query must keep."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checks import REGISTRY
from checks.base import MARKETO_ADMIN, SALESFORCE_ADMIN, SEVERITIES, Check, Finding, NotEvaluated
from monitor.errors import ConfigError
from monitor.runner import fingerprint, open_findings, run_checks
from monitor.store import Store
from queries import load_query, query_names, query_parameters, run_query
from tests.conftest import FINDING_CONTRACT_KEYS, one_row
from tests.query_params import query_params

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CYCLE = timedelta(minutes=15)
INSTANCE = "prod"
TESTS = Path(__file__).resolve().parent


class ScriptedCheck:
    """A check that reports whatever the test scripted for the next run."""

    def __init__(self, check_id: str = "scripted") -> None:
        self.id = check_id
        self.outcomes: list[Finding | NotEvaluated] = []
        self.check = Check(
            id=check_id,
            title="Scripted",
            severity="warning",
            owner=MARKETO_ADMIN,
            runbook="Why it matters: tests. How to fix: nothing.",
            settings=(),
            inputs={},
            evaluate=self.evaluate,
        )

    def evaluate(self, data: dict, settings: dict, now: datetime) -> list:
        return list(self.outcomes)

    def finding(self, subject: str, severity: str = "warning", **evidence: Any) -> Finding:
        return Finding(
            check=self.id,
            subject=subject,
            severity=severity,
            title=f"{subject} is broken",
            detail=f"{subject} is {severity}",
            owner=MARKETO_ADMIN,
            evidence=evidence,
        )

    def reports(self, *outcomes: Finding | NotEvaluated) -> ScriptedCheck:
        self.outcomes = list(outcomes)
        return self


@pytest.fixture
def scripted() -> ScriptedCheck:
    return ScriptedCheck()


def run(store: Store, script: ScriptedCheck, now: datetime, instance: str = INSTANCE):
    return run_checks(store, instance, now, checks=[script.check])


def state(store: Store, fp: str) -> dict[str, Any]:
    """One finding row, its timestamps as text (fetching TIMESTAMPTZ needs pytz)."""
    return one_row(
        store,
        "SELECT status, severity, title, "
        "strftime(first_seen, '%H:%M') AS first_seen, "
        "strftime(last_seen, '%H:%M') AS last_seen, "
        "strftime(resolved_at, '%H:%M') AS resolved_at "
        "FROM findings WHERE fingerprint = $fp",
        f"finding {fp}",
        fp=fp,
    )


def events(store: Store, fp: str) -> list[tuple[str, str, str]]:
    with store.read() as con:
        return con.execute(
            "SELECT strftime(changed_at, '%H:%M'), transition, severity FROM finding_events "
            "WHERE fingerprint = $fp ORDER BY changed_at, transition",
            {"fp": fp},
        ).fetchall()


def hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


NOT_EVALUATED = "not evaluated"
# (what the check reports for Lead.Rating at this run, expected status, expected transition)
LIFECYCLE = [
    ("warning", "open", "opened"),
    ("warning", "open", None),
    ("critical", "open", "escalated"),
    ("critical", "open", None),
    ("warning", "open", "deescalated"),
    (NOT_EVALUATED, "open", None),
    (None, "resolved", "resolved"),
    (None, "resolved", None),
    (NOT_EVALUATED, "resolved", None),
    ("warning", "open", "reopened"),
]


def test_runner_walks_a_finding_through_its_lifecycle(store: Store, scripted: ScriptedCheck):
    fp = fingerprint(scripted.id, INSTANCE, "Lead.Rating")
    expected_events = []
    for cycle, (reported, status, transition) in enumerate(LIFECYCLE):
        now = T0 + cycle * CYCLE
        if reported == NOT_EVALUATED:
            scripted.reports(NotEvaluated(scripted.id, "Lead.Rating", "no data"))
        elif reported:
            scripted.reports(scripted.finding("Lead.Rating", reported))
        else:
            scripted.reports()
        summary = run(store, scripted, now)
        got = [t.transition for t in summary.transitions]
        assert got == ([transition] if transition else []), f"cycle {cycle}"
        assert state(store, fp)["status"] == status, f"cycle {cycle}"
        if transition:
            severity = reported if reported in SEVERITIES else expected_events[-1][2]
            expected_events.append((hhmm(now), transition, severity))
    assert events(store, fp) == expected_events


def test_runner_opens_a_new_finding(store: Store, scripted: ScriptedCheck):
    summary = run(store, scripted.reports(scripted.finding("Lead.Rating")), T0)
    fp = fingerprint(scripted.id, INSTANCE, "Lead.Rating")
    assert summary.findings == 1
    assert [(t.fingerprint, t.transition, t.severity) for t in summary.transitions] == [
        (fp, "opened", "warning")
    ]
    assert state(store, fp) == {
        "status": "open",
        "severity": "warning",
        "title": "Lead.Rating is broken",
        "first_seen": hhmm(T0),
        "last_seen": hhmm(T0),
        "resolved_at": None,
    }
    assert events(store, fp) == [(hhmm(T0), "opened", "warning")]


def test_runner_keeps_a_finding_open_moving_last_seen_only(store, scripted):
    fp = fingerprint(scripted.id, INSTANCE, "Lead.Rating")
    run(store, scripted.reports(scripted.finding("Lead.Rating")), T0)
    later = T0 + 3 * CYCLE
    summary = run(store, scripted, later)
    assert summary.transitions == []
    row = state(store, fp)
    assert (row["status"], row["first_seen"], row["last_seen"]) == ("open", hhmm(T0), hhmm(later))
    assert events(store, fp) == [(hhmm(T0), "opened", "warning")]


def test_runner_still_open_finding_takes_the_latest_title_and_evidence(store, scripted):
    run(store, scripted.reports(scripted.finding("Lead.Rating", errors=3)), T0)
    run(store, scripted.reports(scripted.finding("Lead.Rating", errors=7)), T0 + CYCLE)
    [only] = open_findings(store)
    assert only["evidence"] == {"errors": 7}


def test_runner_resolves_a_finding_when_the_condition_goes_away(store, scripted):
    fp = fingerprint(scripted.id, INSTANCE, "Lead.Rating")
    run(store, scripted.reports(scripted.finding("Lead.Rating")), T0)
    summary = run(store, scripted.reports(), T0 + CYCLE)
    assert [(t.subject, t.transition) for t in summary.transitions] == [("Lead.Rating", "resolved")]
    row = state(store, fp)
    assert (row["status"], row["resolved_at"]) == ("resolved", hhmm(T0 + CYCLE))
    assert open_findings(store) == []


def test_runner_reopens_a_resolved_finding(store, scripted):
    fp = fingerprint(scripted.id, INSTANCE, "Lead.Rating")
    run(store, scripted.reports(scripted.finding("Lead.Rating")), T0)
    run(store, scripted.reports(), T0 + CYCLE)
    summary = run(store, scripted.reports(scripted.finding("Lead.Rating")), T0 + 2 * CYCLE)
    assert [t.transition for t in summary.transitions] == ["reopened"]
    row = state(store, fp)
    assert (row["status"], row["resolved_at"]) == ("open", None)
    assert [e[1] for e in events(store, fp)] == ["opened", "resolved", "reopened"]


@pytest.mark.parametrize(
    ("before", "after", "transition"),
    [
        pytest.param("info", "warning", "escalated", id="info_to_warning_escalates"),
        pytest.param("warning", "critical", "escalated", id="warning_to_critical_escalates"),
        pytest.param("critical", "info", "deescalated", id="critical_to_info_deescalates"),
        pytest.param("warning", "warning", None, id="same_severity_is_quiet"),
    ],
)
def test_runner_escalates_when_severity_rises(store, scripted, before, after, transition):
    fp = fingerprint(scripted.id, INSTANCE, "Lead.Rating")
    run(store, scripted.reports(scripted.finding("Lead.Rating", before)), T0)
    summary = run(store, scripted.reports(scripted.finding("Lead.Rating", after)), T0 + CYCLE)
    assert [(t.transition, t.severity) for t in summary.transitions] == (
        [(transition, after)] if transition else []
    )
    assert state(store, fp)["severity"] == after


def test_runner_keeps_an_open_finding_whose_subject_is_not_evaluated(store, scripted):
    fp = fingerprint(scripted.id, INSTANCE, "Lead/sfdc_to_marketo")
    run(store, scripted.reports(scripted.finding("Lead/sfdc_to_marketo")), T0)
    skipped = NotEvaluated(scripted.id, "Lead/sfdc_to_marketo", "2.0 days of history")
    summary = run(store, scripted.reports(skipped), T0 + CYCLE)
    assert summary.transitions == []
    assert summary.not_evaluated == [skipped]
    row = state(store, fp)
    assert (row["status"], row["last_seen"]) == ("open", hhmm(T0))
    outcomes = store.query("check_outcomes_skipped", instance=INSTANCE)
    assert outcomes[["check_id", "subject", "reason"]].values.tolist() == [
        [scripted.id, "Lead/sfdc_to_marketo", "2.0 days of history"]
    ]


def test_runner_not_evaluated_elsewhere_does_not_protect_another_subject(store, scripted):
    run(store, scripted.reports(scripted.finding("Lead.Rating")), T0)
    summary = run(store, scripted.reports(NotEvaluated(scripted.id, "Contact", "no")), T0 + CYCLE)
    assert [(t.subject, t.transition) for t in summary.transitions] == [("Lead.Rating", "resolved")]


def test_runner_fingerprint_is_check_instance_subject(store, scripted):
    assert fingerprint("formula_fields", "prod", "Lead.Age__c") == "formula_fields|prod|Lead.Age__c"
    run(store, scripted.reports(scripted.finding("Lead.Rating")), T0)
    [only] = open_findings(store)
    assert only["fingerprint"] == f"{scripted.id}|{INSTANCE}|Lead.Rating"


def test_runner_keeps_two_instances_apart(store, scripted):
    run(store, scripted.reports(scripted.finding("Lead.Rating")), T0, "prod")
    run(store, scripted.reports(scripted.finding("Lead.Rating", "critical")), T0, "sandbox")
    # The condition goes away in prod only: sandbox's finding must stay open and critical.
    summary = run(store, scripted.reports(), T0 + CYCLE, "prod")
    assert [t.fingerprint for t in summary.transitions] == [f"{scripted.id}|prod|Lead.Rating"]
    assert [(f["instance"], f["severity"]) for f in open_findings(store)] == [
        ("sandbox", "critical")
    ]
    assert [f["instance"] for f in open_findings(store, "sandbox")] == ["sandbox"]
    assert open_findings(store, "prod") == []


def test_runner_two_checks_with_the_same_subject_are_two_findings(store):
    first, second = ScriptedCheck("first"), ScriptedCheck("second")
    first.reports(first.finding("Lead.Rating"))
    second.reports(second.finding("Lead.Rating"))
    run_checks(store, INSTANCE, T0, checks=[first.check, second.check])
    assert sorted(f["check"] for f in open_findings(store)) == ["first", "second"]


def test_open_findings_returns_the_json_contract(store, scripted):
    finding = scripted.finding("Lead.Rating", "critical", errors=3, sample_ids=["00Q1", "00Q2"])
    run(store, scripted.reports(finding), T0)
    run(store, scripted, T0 + CYCLE)
    [record] = open_findings(store)
    assert set(record) >= FINDING_CONTRACT_KEYS
    assert {k: record[k] for k in ("check", "severity", "subject", "status", "owner")} == {
        "check": scripted.id,
        "severity": "critical",
        "subject": "Lead.Rating",
        "status": "open",
        "owner": MARKETO_ADMIN,
    }
    assert (record["title"], record["detail"]) == (finding.title, finding.detail)
    assert record["evidence"] == {"errors": 3, "sample_ids": ["00Q1", "00Q2"]}
    assert datetime.fromisoformat(record["first_seen"]) == T0
    assert datetime.fromisoformat(record["last_seen"]) == T0 + CYCLE


def test_open_findings_lists_critical_first(store, scripted):
    scripted.reports(
        scripted.finding("A", "info"), scripted.finding("B", "critical"), scripted.finding("C")
    )
    run(store, scripted, T0)
    assert [f["severity"] for f in open_findings(store)] == ["critical", "warning", "info"]


def test_runner_records_a_failing_check_and_still_runs_the_others(store, scripted):
    def explode(data: dict, settings: dict, now: datetime) -> list:
        raise ZeroDivisionError("division by zero")

    broken = Check("broken", "Broken", "warning", MARKETO_ADMIN, "Why. How.", (), {}, explode)
    scripted.reports(scripted.finding("Lead.Rating"))
    summary = run_checks(store, INSTANCE, T0, checks=[broken, scripted.check])
    assert summary.failed_checks == {"broken": "ZeroDivisionError: division by zero"}
    assert [f["check"] for f in open_findings(store)] == [scripted.id]


def test_runner_a_failing_check_does_not_resolve_its_open_findings(store, scripted):
    run(store, scripted.reports(scripted.finding("Lead.Rating")), T0)

    def explode(data: dict, settings: dict, now: datetime) -> list:
        raise RuntimeError("source down")

    failing = Check(scripted.id, "Scripted", "warning", MARKETO_ADMIN, "", (), {}, explode)
    summary = run_checks(store, INSTANCE, T0 + CYCLE, checks=[failing])
    assert summary.transitions == []
    assert [f["subject"] for f in open_findings(store)] == ["Lead.Rating"]


def test_runner_a_check_reporting_an_unknown_severity_does_not_silence_the_others(store, scripted):
    odd = ScriptedCheck("odd")
    odd.reports(odd.finding("Lead.Rating", "high"))
    scripted.reports(scripted.finding("Lead.Rating"))
    summary = run_checks(store, INSTANCE, T0, checks=[odd.check, scripted.check])
    assert "odd" in summary.failed_checks
    assert [f["check"] for f in open_findings(store)] == [scripted.id]


def test_runner_a_check_repeating_a_subject_does_not_silence_the_others(store, scripted):
    twice = ScriptedCheck("twice")
    twice.reports(twice.finding("Lead.Rating"), twice.finding("Lead.Rating"))
    scripted.reports(scripted.finding("Lead.Rating"))
    run_checks(store, INSTANCE, T0, checks=[twice.check, scripted.check])
    assert scripted.id in {f["check"] for f in open_findings(store)}


def test_runner_requires_a_timezone_aware_now(store, scripted):
    with pytest.raises(ValueError, match="timezone-aware"):
        run(store, scripted, T0.replace(tzinfo=None))


def test_runner_rejects_an_unknown_setting_override_as_a_config_error(store):
    with pytest.raises(ConfigError, match="unknown setting 'spike_records'"):
        run_checks(store, INSTANCE, T0, overrides={"backlog_spike": {"spike_records": 1}})


def test_runner_applies_setting_overrides_to_the_check(store):
    summary = run_checks(store, INSTANCE, T0, overrides={"formula_fields": {"objects": ["Lead"]}})
    skipped = {n.subject for n in summary.not_evaluated if n.check == "formula_fields"}
    assert skipped == {"Lead"}


def test_runner_runs_every_registered_check_on_an_empty_store(store):
    summary = run_checks(store, INSTANCE, T0)
    assert summary.failed_checks == {}
    assert summary.findings == 0
    # Checks of series and snapshots say they had nothing to judge; error checks stay silent
    # (no sync error is what a healthy store holds too).
    assert {"backlog_spike", "formula_fields", "permission_failures"} <= {
        n.check for n in summary.not_evaluated
    }


# Conventions (STYLE habit 10): every registered check is documented, tested and wired up.

CHECK_IDS = [pytest.param(c, id=c.id) for c in REGISTRY]
RUNNER_PARAMS = {"instance", "now"}


@pytest.mark.parametrize("check", CHECK_IDS)
def test_every_check_has_a_runbook_saying_why_and_how_to_fix(check: Check):
    assert check.runbook.strip()
    assert re.search(r"\bWhy it matters\b", check.runbook)
    assert re.search(r"\bHow to fix\b", check.runbook)
    assert check.owner in check.runbook, "the runbook names who owns the fix"


@pytest.mark.parametrize("check", CHECK_IDS)
def test_every_check_has_a_known_severity_owner_and_title(check: Check):
    assert check.severity in SEVERITIES
    assert check.owner in (MARKETO_ADMIN, SALESFORCE_ADMIN)
    assert check.title.strip()
    assert re.fullmatch(r"[a-z][a-z0-9_]*", check.id)


@pytest.mark.parametrize("check", CHECK_IDS)
def test_every_check_setting_has_help(check: Check):
    names = [s.name for s in check.settings]
    assert len(names) == len(set(names)), "setting names are unique"
    for setting in check.settings:
        assert setting.help.strip(), f"{check.id}.{setting.name} has no help"
        assert re.fullmatch(r"[a-z][a-z0-9_]*", setting.name)


@pytest.mark.parametrize("check", CHECK_IDS)
def test_every_check_input_names_a_real_query_and_real_settings(check: Check):
    settings = check.defaults()
    for key, spec in check.inputs.items():
        assert spec.query in query_names(), f"{check.id}.{key}: no queries/{spec.query}.sql"
        for param, setting in spec.params_from_settings.items():
            assert setting in settings, f"{check.id}.{key}: ${param} <- unknown {setting!r}"


@pytest.mark.parametrize("check", CHECK_IDS)
def test_every_check_input_query_gets_every_parameter_it_uses(check: Check):
    for spec in check.inputs.values():
        used = query_parameters(spec.query)
        assert used <= RUNNER_PARAMS | set(spec.params_from_settings), spec.query


@pytest.mark.parametrize("check", CHECK_IDS)
def test_every_check_has_its_own_test_module(check: Check):
    assert (TESTS / "checks" / f"test_{check.id}.py").is_file()


EMPTY_STORE_PARAMS = query_params(T0, instance=INSTANCE)


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("empty") / "monitor.duckdb")
    store.init()
    return store


@pytest.mark.parametrize("name", query_names())
def test_every_query_runs_on_an_empty_migrated_store(empty_store: Store, name: str):
    assert query_parameters(name) <= set(EMPTY_STORE_PARAMS)
    with empty_store.read() as con:
        frame = run_query(con, name, **EMPTY_STORE_PARAMS)
    assert len(frame.columns) > 0


def test_a_parameter_named_in_a_comment_is_not_one_the_query_takes():
    """A `$name` in a `--` comment is prose: passing it would make DuckDB refuse the query."""
    assert "recent_hours" in load_query("api_budget_history")  # named in its comment
    assert "recent_hours" not in query_parameters("api_budget_history")
