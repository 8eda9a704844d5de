"""The Salesforce collector runs the real simple-salesforce client, unchanged, over real HTTPS
against a loopback stand-in that replays real payloads; assertions are on what lands in DuckDB
and on the HTTP calls made."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.collectors.context import Cycle
from monitor.collectors.salesforce.client import (
    LimitExceeded,
    SalesforceClient,
    connect,
    login_from,
)
from monitor.collectors.salesforce.cycle import backfill, collect_cycle
from monitor.config import Config
from monitor.errors import SourceError
from monitor.store import Store
from tests.cli import environment_without, run_monitor
from tests.collectors.salesforce.collecting import NOW, OBJECTS, client_for, cycle
from tests.interrupting import interrupt_at
from tests.standins.https import trusted
from tests.standins.salesforce import (
    SYNC_USER_ID,
    SYNC_USERNAME,
    SalesforceStandIn,
    lead_describe_with_formula,
)

DANA = ("005000000000002AAA", "Dana Whitfield")
LOADER = ("005000000000003AAA", "Ops Data Loader")


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceStandIn]:
    with trusted(SalesforceStandIn(), monkeypatch) as running:
        running.modifiers["Lead"] = [
            (*DANA, 40),
            (*LOADER, 900),
            (SYNC_USER_ID, "Marketo Sync", 12),
        ]
        running.modifiers["Contact"] = [(*DANA, 7)]
        # Task is not in the real describeGlobal subset: script it (a renamed Contact).
        running.describes["Task"] = {**running.describes["Contact"], "name": "Task"}
        running.object_permissions = [
            {
                "SobjectType": name,
                "PermissionsRead": True,
                "PermissionsCreate": True,
                "PermissionsEdit": True,
            }
            for name in OBJECTS
            if name != "Campaign"
        ]
        running.field_permissions = [
            {
                "SobjectType": "Lead",
                "Field": "Lead.Rating",
                "PermissionsRead": True,
                "PermissionsEdit": False,
            },
            {
                "SobjectType": "Lead",
                "Field": "Lead.Company",
                "PermissionsRead": True,
                "PermissionsEdit": True,
            },
        ]
        yield running


def config(objects: tuple[str, ...] = OBJECTS) -> Config:
    return Config(salesforce_objects=objects)


def rows(store: Store, sql: str, **params) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql, params).fetchall()


def test_cycle_stores_inflow_pushes_modifiers_and_estimated_backlog(standin, store):
    report = cycle(store, client_for(standin))
    assert report.status == "ok", report.errors
    stats = rows(
        store,
        "SELECT object, direction, metric, value, provenance FROM sync_stats "
        "WHERE object = 'Lead' ORDER BY metric",
    )
    assert stats == [
        ("Lead", "sfdc_to_marketo", "backlog", 940.0, "estimated"),
        ("Lead", "sfdc_to_marketo", "inflow", 940.0, "reported"),
        ("Lead", "marketo_to_sfdc", "throughput", 12.0, "reported"),
    ]
    changes = rows(
        store,
        "SELECT modifier, changes FROM change_counts WHERE object = 'Lead' ORDER BY changes DESC",
    )
    assert changes == [(f"{LOADER[1]} ({LOADER[0]})", 900), (f"{DANA[1]} ({DANA[0]})", 40)]
    budget = rows(
        store,
        "SELECT used, quota FROM api_usage WHERE metric = 'DailyApiRequests' "
        "ORDER BY used DESC LIMIT 1",
    )
    assert budget and budget[0][1] == 15000.0


def test_steady_state_cycle_costs_one_call_per_five_queries(standin, store):
    client = client_for(standin)
    cycle(store, client)  # first cycle: resolves the sync user, describes, reads permissions
    before = standin.calls()
    report = cycle(store, client, NOW + timedelta(minutes=5))
    # 7 object queries + the audit trail + login history = 9 queries: 5 + 4.
    assert standin.calls() - before == 2
    assert report.api_calls == 2
    assert len(report.objects_collected) == 7
    three = config(OBJECTS[:3])
    before = standin.calls()
    cycle(store, client, NOW + timedelta(minutes=10), config=three)
    assert standin.calls() - before == 1
    # One query per object, not one per figure (that would be 3 x 7 + 1 = 22 calls), and
    # never more than the 5 queries Salesforce accepts in one /composite call.
    for request in standin.requests:
        if request.path.endswith("/composite"):
            urls = [sub["url"] for sub in request.json["compositeRequest"]]
            assert sum("/query" in url for url in urls) <= 5


def test_windows_follow_each_other_and_a_repeated_cycle_adds_nothing(standin, store):
    client = client_for(standin)
    cycle(store, client)
    cycle(store, client, NOW + timedelta(minutes=5))
    lead_queries = [r.soql for r in standin.subrequests if r.soql and "FROM Lead" in r.soql]
    assert "SystemModstamp > 2026-11-20T15:00:00Z" in lead_queries[-1]
    assert "SystemModstamp <= 2026-11-20T15:05:00Z" in lead_queries[-1]
    before = rows(store, "SELECT count(*) FROM sync_stats")
    calls = standin.calls()
    cycle(store, client, NOW + timedelta(minutes=5))  # the same window again
    assert rows(store, "SELECT count(*) FROM sync_stats") == before
    assert standin.calls() == calls  # nothing to ask


def test_describe_and_permissions_feed_the_checks(standin, tmp_path):
    standin.describes["Lead"] = lead_describe_with_formula("Lead_Age__c")
    db = tmp_path / "m.duckdb"
    env = {
        **os.environ,
        "MONITOR_DB": str(db),
        **standin.secrets(),
        "SALESFORCE_SYNC_USER": SYNC_USERNAME,
        "REQUESTS_CA_BUNDLE": standin.ca_bundle,
        "MONITOR_INSTANCE": "prod",
    }
    env.pop("MONITOR_CONFIG", None)
    collected = run_monitor("collect", env=env, timeout=120)
    assert collected.returncode == 0, collected.stderr
    assert standin.token not in collected.stdout + collected.stderr
    checked = run_monitor("check", "--json", env=env, timeout=120)
    assert checked.returncode == 0, checked.stderr
    subjects = {(f["check"], f["subject"]) for f in json.loads(checked.stdout)}
    assert ("formula_fields", "Lead.Lead_Age__c") in subjects
    assert ("formula_fields", "Account.playgroundorg__Owners_Manager_Name__c") in subjects
    assert ("permission_failures", "Lead.Rating") in subjects
    assert ("permission_failures", "Campaign") in subjects
    assert ("permission_failures", "Lead.Company") not in subjects


def test_a_server_error_is_retried(standin, store):
    standin.fail_next(503, "<html>Service Unavailable</html>")
    report = cycle(store, client_for(standin), config=config(("Lead",)))
    assert "Lead" in report.objects_collected


def test_an_object_the_user_cannot_query_is_reported_and_the_others_collected(standin, store):
    standin.fail_subrequest(
        "FROM Contact", 400, "INVALID_TYPE", "sObject type 'Contact' is not supported."
    )
    client = client_for(standin)
    report = cycle(store, client)
    assert "Contact" not in report.objects_collected and "Lead" in report.objects_collected
    assert any(
        e.startswith("Contact: the connected user cannot query it (INVALID_TYPE)")
        for e in report.errors
    )
    marks = dict(rows(store, "SELECT name, value FROM watermarks"))
    assert marks["salesforce.inflow.Contact"] == "2026-11-20T14:55:00+00:00"  # the failed start
    # The next cycle covers Contact's missed window too.
    cycle(store, client, NOW + timedelta(minutes=5))
    contact = [r.soql for r in standin.subrequests if r.soql and "FROM Contact" in r.soql][-1]
    assert "SystemModstamp > 2026-11-20T14:55:00Z" in contact


def test_request_limit_exceeded_stops_without_retrying(standin, store):
    client = client_for(standin)
    cycle(store, client)
    standin.fail_next(
        403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    )
    before = standin.calls()
    with pytest.raises(LimitExceeded):
        cycle(store, client, NOW + timedelta(minutes=5))
    assert standin.calls() - before == 1
    runs = rows(
        store,
        "SELECT status, error FROM collection_runs ORDER BY started_at DESC, "
        "finished_at DESC LIMIT 1",
    )
    assert runs[0][0] == "failed" and "REQUEST_LIMIT_EXCEEDED" in runs[0][1]


def test_an_invalid_token_is_one_sentence_without_the_token(standin, store):
    login = login_from(
        {"SALESFORCE_INSTANCE_URL": standin.url, "SALESFORCE_ACCESS_TOKEN": "00Dwrong!secret-token"}
    )
    client = SalesforceClient(connect(login, "59.0"), sleep=lambda seconds: None)
    with pytest.raises(SourceError) as caught:
        cycle(store, client)
    assert "INVALID_SESSION_ID" in str(caught.value)
    assert "secret-token" not in str(caught.value)
    assert all(
        "secret-token" not in (row[0] or "")
        for row in rows(store, "SELECT error FROM collection_runs")
    )


def test_permission_pages_are_followed_to_the_end(standin, store):
    standin.page_size = 2
    standin.field_permissions += [
        {
            "SobjectType": "Lead",
            "Field": f"Lead.Custom_{n}__c",
            "PermissionsRead": True,
            "PermissionsEdit": False,
        }
        for n in range(5)
    ]
    cycle(store, client_for(standin))
    fields = rows(
        store, "SELECT count(*) FROM field_permissions WHERE object = 'Lead' AND field <> ''"
    )
    assert fields == [(7,)]


def test_backfill_resumes_where_an_interrupted_one_stopped(standin, store):
    client = client_for(standin)
    with pytest.raises(KeyboardInterrupt):
        backfill(
            Cycle(store, client, config(("Lead",)), "prod", NOW),
            NOW - timedelta(hours=6),
            sync_user_setting=SYNC_USERNAME,
            progress=interrupt_at(3),  # after three windows
        )
    assert rows(store, "SELECT count(*) FROM sync_stats WHERE metric = 'inflow'") == [(3,)]
    reports = backfill(
        Cycle(store, client, config(("Lead",)), "prod", NOW),
        NOW - timedelta(hours=6),
        sync_user_setting=SYNC_USERNAME,
    )
    assert len(reports) == 3
    hours = rows(
        store, "SELECT strftime(ts, '%H:%M') FROM sync_stats WHERE metric = 'inflow' ORDER BY ts"
    )
    assert [h[0] for h in hours] == ["10:00", "11:00", "12:00", "13:00", "14:00", "15:00"]
    # Only the live window gets a backlog estimate.
    assert rows(store, "SELECT count(*) FROM sync_stats WHERE metric = 'backlog'") == [(1,)]


def test_a_sync_user_that_does_not_exist_is_a_clear_error(standin, store):
    with pytest.raises(SourceError, match="no user with username 'nobody@acme.example'"):
        collect_cycle(
            Cycle(store, client_for(standin), config(), "prod", NOW), "nobody@acme.example"
        )


def test_collect_without_credentials_says_what_to_set(tmp_path: Path):
    env = environment_without("SALESFORCE_", "MONITOR_")
    env["MONITOR_DB"] = str(tmp_path / "m.duckdb")
    result = run_monitor("collect", env=env, timeout=120)
    assert result.returncode == 1
    assert "Salesforce is not configured" in result.stderr


def test_a_field_change_in_the_audit_trail_brings_the_describe_forward(standin, store):
    client = client_for(standin)
    first = cycle(store, client)
    assert first.described
    quiet = cycle(store, client, NOW + timedelta(minutes=5))
    assert not quiet.described  # the hourly pass is not due yet
    standin.audit_trail.append(
        {
            "Id": "0Ym000000000009AAA",
            "CreatedDate": "2026-11-20T15:07:00.000+0000",
            "CreatedBy": {"Username": "admin@acme.example"},
            "Action": "changedFLS",
            "Section": "Customize Leads",
            "Display": "Changed Lead Score field-level security for profile Marketo Sync",
        }
    )
    standin.describes["Lead"] = lead_describe_with_formula("Lead_Age__c")
    changed = cycle(store, client, NOW + timedelta(minutes=10))
    assert changed.described
    formulas = rows(store, "SELECT field FROM field_inventory WHERE object = 'Lead' AND calculated")
    assert formulas == [("Lead_Age__c",)]


def test_a_fifteen_character_sync_user_id_is_the_same_user(standin, store):
    collect_cycle(
        Cycle(store, client_for(standin), config(("Lead",)), "prod", NOW), SYNC_USER_ID[:15]
    )
    stats = dict(rows(store, "SELECT metric, value FROM sync_stats WHERE object = 'Lead'"))
    assert stats["throughput"] == 12.0 and stats["inflow"] == 940.0


def test_collect_with_several_instances_reads_the_named_instance_variables(standin, tmp_path):
    db = tmp_path / "m.duckdb"
    (tmp_path / "monitor.toml").write_text(
        '[[instances]]\nname = "prod"\nsalesforce_env = "PROD_SALESFORCE"\n'
        'salesforce_objects = ["Lead"]\n\n'
        '[[instances]]\nname = "sandbox"\nsalesforce_env = "SANDBOX_SALESFORCE"\n'
    )
    env = {
        **environment_without("SALESFORCE_", "MONITOR_"),
        "MONITOR_DB": str(db),
        "MONITOR_CONFIG": str(tmp_path / "monitor.toml"),
        "PROD_SALESFORCE_INSTANCE_URL": standin.url,
        "PROD_SALESFORCE_ACCESS_TOKEN": standin.token,
        "REQUESTS_CA_BUNDLE": standin.ca_bundle,
    }

    def collect(*options: str) -> subprocess.CompletedProcess:
        return run_monitor("collect", *options, env=env, timeout=120)

    ambiguous = collect()
    assert ambiguous.returncode == 1
    assert "several instances are configured (prod, sandbox): pass --instance" in ambiguous.stderr
    unconfigured = collect("--instance", "sandbox")
    assert unconfigured.returncode == 1
    assert "Salesforce is not configured" in unconfigured.stderr
    collected = collect("--instance", "prod")
    assert collected.returncode == 0, collected.stderr
    stored = rows(Store(db), "SELECT DISTINCT instance, object FROM sync_stats ORDER BY ALL")
    assert stored == [("prod", "Lead")]


def test_a_limit_hit_in_the_schema_pass_still_records_the_cycle(standin, store):
    client = client_for(standin)
    lead_only = config(("Lead",))
    cycle(store, client, config=lead_only)
    later = NOW + timedelta(minutes=65)  # describe is due again
    standin.fail_next(
        403,
        [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}],
        after=1,  # the object and audit queries of the cycle pass; the describe call fails
    )
    with pytest.raises(LimitExceeded):
        cycle(store, client, later, config=lead_only)
    runs = rows(
        store,
        "SELECT status, error FROM collection_runs WHERE started_at = $at",
        at=later,
    )
    assert len(runs) == 1 and "REQUEST_LIMIT_EXCEEDED" in runs[0][1]
    assert rows(
        store, "SELECT count(*) FROM sync_stats WHERE object = 'Lead' AND ts = $at", at=later
    ) != [(0,)]


def test_a_permission_record_without_the_expected_fields_is_one_line_not_a_traceback(
    standin, store
):
    # A FieldPermissions row without PermissionsEdit (a query that selected less, a proxy that
    # trimmed it): the cycle says so in one line and collects the rest.
    standin.field_permissions = [
        {"SobjectType": "Lead", "Field": "Lead.Rating", "PermissionsRead": True}
    ]
    report = cycle(store, client_for(standin))
    assert report.errors == [
        "permissions: Salesforce answered a FieldPermissions record without PermissionsEdit "
        "(true or false): the sync user's permissions were not read"
    ]
    assert report.status == "partial"
    assert rows(store, "SELECT count(*) FROM field_permissions") == [(0,)]


def test_soql_literals_are_whole_api_names():
    from monitor.collectors.salesforce.soql import checked_field, checked_object
    from monitor.errors import ConfigError, SourceError

    assert checked_object("ns__My_Object__c") == "ns__My_Object__c"
    with pytest.raises(ConfigError):
        checked_object("Lead\n")
    with pytest.raises(SourceError):
        checked_field("Lead", "Email\n")
