"""The CLI contract of DESIGN §8, run as a user runs it: `python -m monitor <verb>`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from checks import REGISTRY
from tests.cli import environment_without, run_monitor
from tests.conftest import FINDING_CONTRACT_KEYS
from tests.sync_errors import ERRORS_HEADER


def monitor(*args: str, db: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = environment_without("MONITOR_")
    environment.update({"MONITOR_DB": str(db), **(env or {})})
    return run_monitor(*args, env=environment)


def test_check_json_prints_only_the_contract_array(demo_store):
    result = monitor("check", "--json", db=demo_store.path)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert findings and all(set(f) >= FINDING_CONTRACT_KEYS for f in findings)
    assert all(f["status"] == "open" and isinstance(f["evidence"], dict) for f in findings)
    checks = {f["check"] for f in findings}
    assert {"permission_failures", "backlog_spike", "formula_fields"} <= checks


def test_import_then_check_reports_the_permission_failure(tmp_path):
    export = tmp_path / "errors.csv"
    export.write_text(
        ERRORS_HEADER + "\n"
        'Record Level,11/20/2026 02:05 PM,Failed to update SFDC,"INVALID_FIELD_FOR_INSERT_UPDATE: '
        'Unable to create/update fields: Lead_Score__c. Please check the security settings",'
        "Lead,1001,00Q000000000001\n",
        encoding="utf-8",
    )
    db = tmp_path / "m.duckdb"
    imported = monitor("import", "sync-errors", str(export), "--tz", "America/Chicago", db=db)
    assert imported.returncode == 0, imported.stderr
    assert "1 new" in imported.stdout
    again = monitor("import", "sync-errors", str(export), "--tz", "America/Chicago", db=db)
    assert "0 new, 1 already stored" in again.stdout
    # The error is weeks old by the wall clock: judged as of the data's time, it still counts.
    checked = monitor("check", "--json", db=db)
    assert checked.returncode == 0, checked.stderr
    subjects = [f["subject"] for f in json.loads(checked.stdout)]
    assert "Lead.Lead_Score__c" in subjects


def test_strict_import_failure_is_one_line_with_file_line_and_column(tmp_path):
    export = tmp_path / "bad.csv"
    export.write_text(ERRORS_HEADER + "\nRecord Level,yesterday,Failed,INVALID_TYPE: x,Lead,1,2\n")
    result = monitor("import", "sync-errors", str(export), db=tmp_path / "m.duckdb")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {export}:2: Date/Time: expected a date/time such as 11/20/2026 02:05 PM, "
        "1/5/2026 2:05:30 PM, 11/20/26 14:05 (day second; --date-order says which), "
        "2026-11-20 14:05[:00], or ISO 8601 with Z or an offset"
    ]
    assert "Traceback" not in result.stderr


def test_skip_invalid_reports_the_quarantined_count(tmp_path):
    export = tmp_path / "mixed.csv"
    export.write_text(
        ERRORS_HEADER + "\nRecord Level,yesterday,Failed,INVALID_TYPE: x,Lead,1,2\n"
        "Record Level,2026-11-20 10:00,Failed,INVALID_TYPE: y,Lead,3,4\n"
    )
    result = monitor(
        "import", "sync-errors", str(export), "--skip-invalid", db=tmp_path / "m.duckdb"
    )
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout and "1 quarantined" in result.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["import", "nonsense", "x.csv"], 2),
        (["import", "sync-errors", "missing.csv"], 1),
        (["import", "sync-errors", "missing.csv", "--tz", "Mars/Olympus"], 1),
        (["frobnicate"], 2),
    ],
)
def test_usage_errors_exit_2_and_failures_exit_1(tmp_path, args, code):
    result = monitor(*args, db=tmp_path / "m.duckdb")
    assert result.returncode == code
    assert "Traceback" not in result.stderr


def test_check_on_an_unknown_instance_is_an_error_naming_the_known_ones(demo_store):
    result = monitor("check", "--instance", "prodd", db=demo_store.path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no instance 'prodd' in {demo_store.path}; known instances: demo"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize("days", ["0", "-3", "many"])
def test_demo_with_no_days_is_a_usage_error(tmp_path, days):
    result = monitor("demo", "--days", days, db=tmp_path / "m.duckdb")
    assert result.returncode == 2
    assert "expected a whole number above 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_connection_with_nothing_configured_says_so_and_fails(tmp_path):
    result = monitor("check-connection", db=tmp_path / "m.duckdb", env={"HOME": str(tmp_path)})
    assert result.returncode == 1
    assert "salesforce: not configured" in result.stdout
    assert "marketo: not configured" in result.stdout
    assert "no source is configured" in result.stderr


def test_invalid_config_is_one_clear_line(tmp_path):
    config = tmp_path / "monitor.toml"
    config.write_text("timezone = 'Nowhere/Land'\n")
    result = monitor("init", db=tmp_path / "m.duckdb", env={"MONITOR_CONFIG": str(config)})
    assert result.returncode == 1
    assert "Nowhere/Land" in result.stderr and "Traceback" not in result.stderr


def test_every_verb_has_help(tmp_path):
    for verb in ("init", "demo", "import", "check", "checks"):
        result = monitor(verb, "--help", db=tmp_path / "m.duckdb")
        assert result.returncode == 0 and "usage:" in result.stdout


def test_checks_lists_every_setting_with_help(tmp_path):
    result = monitor("checks", "--json", db=tmp_path / "m.duckdb")
    listing = json.loads(result.stdout)
    assert [c["id"] for c in listing] == [c.id for c in REGISTRY]
    assert all(s["help"] for c in listing for s in c["settings"])
    assert all("fix" in c["runbook"].lower() for c in listing)


def test_init_reports_the_schema_version_and_is_idempotent(tmp_path):
    first = monitor("init", db=tmp_path / "m.duckdb")
    second = monitor("init", db=tmp_path / "m.duckdb")
    assert first.stdout == second.stdout
    from queries import migrations

    assert f"schema version {migrations()[-1][0]}" in first.stdout


def test_memory_limit_that_is_not_a_size_is_one_clear_line(tmp_path):
    result = monitor("init", db=tmp_path / "m.duckdb", env={"MONITOR_MEMORY_LIMIT": "lots"})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: memory_limit: 'lots' is not a size such as 512MB or 2GB"
    )


def lock_errors_export(tmp_path: Path, count: int, *, distinct_messages: bool = False) -> Path:
    """A Sync Errors export of `count` lock errors on leads of their own, a minute apart within
    one hour; with `distinct_messages` every message differs (nothing repeats to compress)."""
    rows = []
    for n in range(count):
        details = "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access"
        if distinct_messages:
            details += f" {n}"
        rows.append(
            f"Record Level,2026-11-20 10:{n % 60:02d},Failed to update SFDC,"
            f"{details},Lead,{n},00Q{n:015d}"
        )
    export = tmp_path / "errors.csv"
    export.write_text(ERRORS_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return export


def test_import_runs_within_a_small_memory_limit(tmp_path):
    export = lock_errors_export(tmp_path, 60)
    result = monitor(
        "import",
        "sync-errors",
        str(export),
        db=tmp_path / "m.duckdb",
        env={"MONITOR_MEMORY_LIMIT": "64MB"},
    )
    assert result.returncode == 0, result.stderr
    assert "60 new" in result.stdout


def count_errors(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM sync_errors").fetchone()[0]


def test_import_beyond_the_memory_limit_is_one_clear_line_and_stores_nothing(tmp_path):
    export = lock_errors_export(tmp_path, 20_000, distinct_messages=True)
    db = tmp_path / "m.duckdb"
    result = monitor(
        "import", "sync-errors", str(export), db=db, env={"MONITOR_MEMORY_LIMIT": "4MB"}
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "memory_limit=4MB" in lines[0], result.stderr
    assert count_errors(db) == 0
    retried = monitor("import", "sync-errors", str(export), db=db)
    assert retried.returncode == 0, retried.stderr
    assert count_errors(db) == 20_000


def test_checks_shows_the_settings_configured_for_one_object(tmp_path):
    config = tmp_path / "monitor.toml"
    config.write_text(
        "[checks.backlog_spike]\nspike_min_records = 1000\n\n"
        "[checks.backlog_spike.per_object.Task]\nspike_min_records = 20000\n"
    )
    env = {"MONITOR_CONFIG": str(config)}
    listing = json.loads(monitor("checks", "--json", db=tmp_path / "m.duckdb", env=env).stdout)
    spike = next(c for c in listing if c["id"] == "backlog_spike")
    assert spike["per_object"] == {"Task": {"spike_min_records": 20000}}
    assert all(c["per_object"] == {} for c in listing if c["id"] != "backlog_spike")
    text = monitor("checks", db=tmp_path / "m.duckdb", env=env).stdout
    assert "    for Task: spike_min_records = 20000" in text


def test_help_imports_neither_pandas_nor_duckdb_nor_a_check():
    """`--help` answers at once (BENCHMARKS.md, "CLI start"): the verbs import what they use
    when they run. A module-level `import pandas` anywhere on the way (the config's calendar
    once had one) made every `--help` 0.5 s slower."""
    probe = (
        "import sys, runpy; sys.argv = ['monitor', '--help']\n"
        "try:\n    runpy.run_module('monitor', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pandas', 'duckdb', 'checks', 'plotly') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
