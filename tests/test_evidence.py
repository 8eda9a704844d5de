"""Findings carry their answer: every check declares the evidence it emits (EVIDENCE), every
key a reader uses (pages, the report, the queries behind them) is declared by its check, and
the findings the demo workspace produces hold declared keys only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checks import REGISTRY, get_check
from tests.conftest import REPO

# Python readers of a finding's evidence: (reader, check, key). The test checks that each
# reader still names the key, so the list cannot silently outlive the code.
PYTHON_READERS = [
    ("dashboard/pages/backlog.py", "backlog_spike", "likely_cause"),
    ("monitor/report/salesforce.py", "permission_failures", "object"),
    ("monitor/report/salesforce.py", "permission_failures", "field"),
    ("monitor/report/salesforce.py", "permission_failures", "grant"),
]
JSON_PATH = re.compile(r"json_extract(?:_string)?\(\s*evidence\s*,\s*'\$\.([\w.]+)'")
CHECK_ID = re.compile(r"check_id\s*=\s*'(\w+)'")


def _sql_readers() -> list[tuple[str, str, str]]:
    """(query file, check, top-level key) for every JSON path a query reads from evidence."""
    found = []
    for path in sorted((REPO / "queries").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        keys = {match.split(".")[0] for match in JSON_PATH.findall(text)}
        if not keys:
            continue
        checks = set(CHECK_ID.findall(text))
        assert len(checks) == 1, f"{path.name} reads evidence without naming its one check"
        check = checks.pop()
        found += [(path.name, check, key) for key in sorted(keys)]
    return found


def test_every_check_declares_the_evidence_it_emits():
    assert all(check.evidence for check in REGISTRY), [c.id for c in REGISTRY if not c.evidence]


@pytest.mark.parametrize(("reader", "check", "key"), _sql_readers() + PYTHON_READERS)
def test_every_key_a_reader_uses_is_declared_by_its_check(reader, check, key):
    assert key in get_check(check).evidence
    if reader.endswith(".py"):
        assert f'"{key}"' in (REPO / reader).read_text(encoding="utf-8")


def test_the_sql_readers_are_found():
    """Guards the guard: the permissions checklist query is read as a reader of its keys."""
    keys = {key for name, _, key in _sql_readers() if name == "permission_checklist.sql"}
    assert {"object", "field", "grant", "needs", "access_lost_at", "cause_key"} <= keys


def test_the_demos_findings_hold_declared_keys_only(demo_store):
    with demo_store.read() as con:
        rows = con.execute("SELECT check_id, evidence FROM findings").fetchall()
    assert len({check for check, _ in rows}) >= 10
    for check, evidence in rows:
        undeclared = set(json.loads(evidence)) - set(get_check(check).evidence)
        assert not undeclared, (check, sorted(undeclared))


def test_the_weekly_report_takes_the_grant_from_the_finding(demo_store):
    """The report's permission table shows the grant the check wrote, word for word."""
    from monitor.report import build_report
    from tests.conftest import DEMO_NOW

    with demo_store.read() as con:
        grants = {
            row[0]
            for row in con.execute(
                "SELECT json_extract_string(evidence, '$.grant') FROM findings "
                "WHERE check_id = 'permission_failures'"
            ).fetchall()
        }
    # The demo's week (2026-W47) holds its profile change and the permission errors after it.
    report = build_report(demo_store, week="2026-W47", instance="demo", now=DEMO_NOW)
    table = report.instances[0].section("salesforce").table("permission-failures")
    shown = set(table.frame["grant to make"]) - {""}
    assert shown and shown <= grants


def test_readers_never_compute_a_grant(tmp_path: Path):
    """No reader calls the check's grant wording: the finding carries it."""
    readers = [*(REPO / "dashboard").rglob("*.py"), *(REPO / "monitor" / "report").rglob("*.py")]
    assert [p.name for p in readers if "grant_for" in p.read_text(encoding="utf-8")] == []
