"""Judging time is the data's time, and no data is not health (issue: "old data never looks
healthy"): the real importers and the real runner on real DuckDB files, the clock injected."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from monitor.collectors.exports import import_file
from monitor.health import FRESHNESS_CHECKS, health_state
from monitor.runner import evaluate_checks, findings_judged, open_findings, run_checks
from monitor.store import Store
from monitor.store.facts import ensure_instance, insert_frame
from tests.test_cli import monitor

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
UTC_ZONE = ZoneInfo("UTC")
HEADER = "Failed On,Date/Time,Error Type,Error Details,Object,Marketo ID,Salesforce ID"
NO_EDIT = (
    "INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: Lead_Score__c. "
    "Please check the security settings of this field and verify that it is read/write "
    "for your profile or permission set."
)


def export(path: Path, newest: datetime, details: str = NO_EDIT, records: int = 12) -> Path:
    """A Sync Errors export whose rows end at `newest`, one failing record a minute."""
    lines = [HEADER]
    for index in range(records):
        when = newest - timedelta(minutes=records - 1 - index)
        lines.append(
            f'Record Level,{when:%m/%d/%Y %I:%M %p},Failed to update SFDC,"{details}",'
            f"Lead,{1000 + index},00Q5e00000{index:08d}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def judged(store: Store, instance: str, now: datetime) -> dict[str, tuple[str, str]]:
    """check|subject -> (severity, title) of what `run_checks` leaves open."""
    run_checks(store, instance, now)
    return {
        f"{f['check']}|{f['subject']}": (f["severity"], f["title"])
        for f in open_findings(store, instance)
    }


def health_of(store: Store, instance: str) -> str:
    findings = open_findings(store, instance)
    by_severity: dict[str, int] = {}
    for finding in findings:
        by_severity[finding["severity"]] = by_severity.get(finding["severity"], 0) + 1
    stale = sorted(f["subject"] for f in findings if f["check"] in FRESHNESS_CHECKS)
    return health_state(by_severity, True, stale).headline


def test_an_export_30_hours_old_opens_the_finding_and_health_goes_stale_not_100(tmp_path):
    store = Store(tmp_path / "m.duckdb")
    path = export(tmp_path / "errors.csv", NOW - 30 * HOUR)
    import_file(store, "sync-errors", path, instance="acme", zone=UTC_ZONE, now=NOW)
    open_now = judged(store, "acme", NOW)
    assert open_now["permission_failures|Lead.Lead_Score__c"][0] == "critical"
    assert health_of(store, "acme") != "100 / 100"
    # Nothing new arrives for two more days: the finding stays, and the feed is called stale.
    later = judged(store, "acme", NOW + 48 * HOUR)
    assert "permission_failures|Lead.Lead_Score__c" in later
    assert "stale_data|Sync Errors exports" in later
    assert health_of(store, "acme") == "Stale"


def test_a_newer_export_without_the_errors_resolves_the_finding(tmp_path):
    store = Store(tmp_path / "m.duckdb")
    first = export(tmp_path / "monday.csv", NOW - 30 * HOUR)
    import_file(store, "sync-errors", first, instance="acme", zone=UTC_ZONE, now=NOW)
    assert "permission_failures|Lead.Lead_Score__c" in judged(store, "acme", NOW)
    # A day later's export: the permission errors are gone, a lock error is there instead.
    second = export(
        tmp_path / "tuesday.csv",
        NOW + 22 * HOUR,
        details="UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record",
        records=2,
    )
    import_file(store, "sync-errors", second, instance="acme", zone=UTC_ZONE, now=NOW + 23 * HOUR)
    assert "permission_failures|Lead.Lead_Score__c" not in judged(store, "acme", NOW + 23 * HOUR)


def test_the_same_export_finds_the_same_whether_2_or_30_hours_old(tmp_path):
    """Imported data of any age produces the findings it would have produced when fresh."""
    results = []
    for age in (2, 30):
        store = Store(tmp_path / f"age{age}.duckdb")
        path = export(tmp_path / f"errors-{age}.csv", NOW - age * HOUR)
        import_file(store, "sync-errors", path, instance="acme", zone=UTC_ZONE, now=NOW)
        results.append(
            {
                key: severity
                for key, (severity, _) in judged(store, "acme", NOW).items()
                if not key.startswith("stale_data")
            }
        )
    assert results[0] == results[1]
    assert results[0]["permission_failures|Lead.Lead_Score__c"] == "critical"


def test_a_newer_permission_snapshot_that_grants_the_access_resolves_the_failure(tmp_path):
    store = Store(tmp_path / "m.duckdb")
    path = export(tmp_path / "errors.csv", NOW - 30 * HOUR)
    import_file(store, "sync-errors", path, instance="acme", zone=UTC_ZONE, now=NOW)
    assert "permission_failures|Lead.Lead_Score__c" in judged(store, "acme", NOW)
    granted = tmp_path / "permissions.csv"
    granted.write_text("object,field,readable,editable\nLead,Lead_Score__c,true,true\n")
    import_file(store, "permissions", granted, instance="acme", zone=UTC_ZONE, now=NOW)
    assert "permission_failures|Lead.Lead_Score__c" not in judged(store, "acme", NOW + HOUR)


def _backlog(instance: str, start: datetime, days: int, flood_from: datetime) -> pd.DataFrame:
    """Five-minute Lead backlog samples, quiet (about 100) until a flood of 20,000."""
    ts = pd.date_range(start, start + timedelta(days=days), freq="5min", tz=UTC)
    value = [20_000.0 if t >= flood_from else 100.0 + (t.minute % 10) for t in ts]
    return pd.DataFrame(
        {
            "instance": instance,
            "ts": ts,
            "object": "Lead",
            "direction": "sfdc_to_marketo",
            "metric": "backlog",
            "value": value,
            "provenance": "reported",
        }
    )


def test_a_store_that_stops_being_fed_keeps_its_findings_open(tmp_path):
    store = Store(tmp_path / "m.duckdb")
    start = NOW - timedelta(days=15)
    with store.write() as con:
        ensure_instance(con, "acme")
        insert_frame(con, "sync_stats", _backlog("acme", start, 15, NOW - HOUR))
    import_file(
        store,
        "sync-errors",
        export(tmp_path / "errors.csv", NOW - HOUR),
        instance="acme",
        zone=UTC_ZONE,
        now=NOW,
    )
    opened = judged(store, "acme", NOW)
    assert {"backlog_spike|Lead/sfdc_to_marketo", "permission_failures|Lead.Lead_Score__c"} <= set(
        opened
    )
    # Nothing arrives for 20 days: no window of the wall clock may close them.
    later = judged(store, "acme", NOW + timedelta(days=20))
    assert {
        "backlog_spike|Lead/sfdc_to_marketo",
        "permission_failures|Lead.Lead_Score__c",
        "stale_data|Sync Errors exports",
    } <= set(later)


def test_judging_at_a_past_moment_stores_nothing(tmp_path):
    store = Store(tmp_path / "m.duckdb")
    path = export(tmp_path / "errors.csv", NOW - HOUR)
    import_file(store, "sync-errors", path, instance="acme", zone=UTC_ZONE, now=NOW)
    before_errors = evaluate_checks(store, "acme", NOW - 2 * HOUR)
    assert "permission_failures" not in {f["check"] for f in findings_judged(before_errors)}
    after = findings_judged(evaluate_checks(store, "acme", NOW))
    assert "Lead.Lead_Score__c" in {f["subject"] for f in after}
    assert all(f["first_seen"] == NOW.isoformat() for f in after)
    assert open_findings(store, "acme") == []


def test_a_demo_workspace_is_judged_at_the_end_of_its_simulation(demo_store):
    from tests.conftest import DEMO_NOW

    evaluation = evaluate_checks(demo_store, "demo", DEMO_NOW + timedelta(days=90))
    assert evaluation.now == DEMO_NOW
    assert {"backlog_spike", "permission_failures"} <= {f.check for f in evaluation.findings()}


def test_check_at_on_the_command_line_judges_the_past_and_stores_nothing(tmp_path):
    db = tmp_path / "m.duckdb"
    path = export(tmp_path / "errors.csv", datetime(2026, 11, 19, 14, 5, tzinfo=UTC))
    assert monitor("import", "sync-errors", str(path), "--tz", "UTC", db=db).returncode == 0
    result = monitor("check", "--json", "--at", "2026-11-19T15:00:00Z", db=db)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert "Lead.Lead_Score__c" in {f["subject"] for f in findings}
    assert all(f["last_seen"] == "2026-11-19T15:00:00+00:00" for f in findings)
    earlier = monitor("check", "--json", "--at", "2026-11-18 12:00", db=db)
    assert "Lead.Lead_Score__c" not in {f["subject"] for f in json.loads(earlier.stdout)}
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == 0


def test_check_at_that_is_not_a_time_is_a_usage_error(tmp_path):
    result = monitor("check", "--at", "yesterday", db=tmp_path / "m.duckdb")
    assert result.returncode == 2
    assert "expected an ISO 8601 time" in result.stderr
