"""The Marketo collector runs the real MarketoClient over real HTTPS against the loopback
stand-in; assertions are on what lands in DuckDB and on the calls the stand-in counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from checks import api_budget
from checks.base import check_from_module
from monitor.collectors.context import Cycle
from monitor.collectors.marketo.client import (
    DailyQuotaExceeded,
    MarketoClient,
    MarketoRefused,
    marketo_login_from,
)
from monitor.collectors.marketo.cycle import (
    EVERY_CYCLE,
    collect_marketo,
    next_quota_reset,
)
from monitor.config import Config
from monitor.runner import run_checks
from monitor.store import Store
from monitor.store.activities import SFDC_ACTIVITY_TYPES
from tests.standins.https import trusted
from tests.standins.marketo import API_USER, MarketoStandIn, load_fixture, steady_activities

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SFDC_NAMES = set(SFDC_ACTIVITY_TYPES.values())


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketoStandIn]:
    with trusted(MarketoStandIn(), monkeypatch) as running:
        yield running


def client_for(standin: MarketoStandIn) -> MarketoClient:
    return MarketoClient(marketo_login_from(standin.secrets()), sleep=lambda seconds: None)


def cycle(store: Store, client: MarketoClient, now: datetime = NOW):
    return collect_marketo(Cycle(store, client, Config(), "prod", now))


def rows(store: Store, sql: str, **params) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql, params).fetchall()


def stored_ids(store: Store) -> list[str]:
    return [r[0] for r in rows(store, "SELECT activity_id FROM marketo_activities ORDER BY 1")]


def expected_ids(standin: MarketoStandIn, start: datetime, end: datetime) -> list[str]:
    """The SFDC-related activities the stand-in holds in (start, end]."""
    names = {standin.type_id(name): name for name in SFDC_NAMES}
    return sorted(
        record["marketoGUID"]
        for record, moment in zip(standin.log, standin._dates, strict=True)
        if record["activityTypeId"] in names and start < moment <= end
    )


def activity_calls(standin: MarketoStandIn, since: int = 0) -> list:
    return [r for r in standin.calls_since(since) if r.path.endswith("/activities.json")]


def test_since_datetime_is_sent_in_the_documented_form_when_the_clock_has_microseconds(
    standin, store
):
    # A real clock has microseconds; Adobe documents yyyy-mm-ddThh:mm:ss with Z or an offset
    # (fixtures/real/marketo/paging_tokens_since_datetime_doc.md), and the stand-in refuses
    # anything else with 1003, as a strict reading of the docs must.
    now = NOW + timedelta(microseconds=208_864)
    standin.add_activity("Sync Lead to SFDC", NOW - timedelta(minutes=4), lead_id=7)

    report = cycle(store, client_for(standin), now)

    assert report.status == "ok" and report.rows_written == 1
    assert standin.requests[1].first("sinceDatetime") == "2026-11-20T14:55:00+00:00"


def test_first_cycle_looks_the_types_up_by_name_and_stores_sfdc_activities_of_one_interval(
    standin, store
):
    standin.renumber_type("Push Lead to Marketo", 100145)  # ids vary by subscription
    standin.add_activity("Sync Lead to SFDC", NOW - timedelta(minutes=8))  # before the window
    standin.add_activity("Sync Lead to SFDC", NOW - timedelta(minutes=4), lead_id=7)
    standin.add_activity("Open Email", NOW - timedelta(minutes=3))  # not SFDC-related
    standin.add_activity(
        "Change Data Value",
        NOW - timedelta(minutes=3),
        lead_id=7,
        primary="Lead Status",
        attributes={"Reason": "SFDC sync", "Source": "Marketo Flow Action"},
    )
    standin.add_activity("Push Lead to Marketo", NOW - timedelta(minutes=2), lead_id=8)

    report = cycle(store, client_for(standin))

    assert report.status == "ok" and report.activities_read == 3 and report.rows_written == 3
    paths = [r.path.removeprefix("/rest/v1/") for r in standin.requests]
    assert paths == ["activities/types.json", "activities/pagingtoken.json", "activities.json"]
    assert standin.requests[1].first("sinceDatetime") == "2026-11-20T14:55:00+00:00"
    asked = [int(i) for i in standin.requests[2].query["activityTypeIds"]]
    assert len(asked) == 10 and 100145 in asked and 145 not in asked
    assert {standin.type_id(name) for name in EVERY_CYCLE} == set(asked)
    stored = rows(
        store,
        "SELECT activity_type, lead_id, primary_attribute, source FROM marketo_activities "
        "ORDER BY occurred_at",
    )
    assert stored == [
        ("Sync Lead to SFDC", "7", None, "marketo_rest"),
        ("Change Data Value", "7", "Lead Status", "marketo_rest"),
        ("Push Lead to Marketo", "8", None, "marketo_rest"),
    ]
    counts = rows(store, "SELECT activity_type, detail, activities FROM activity_counts ORDER BY 1")
    assert counts == [
        ("Change Data Value", "Lead Status", 1),
        ("Push Lead to Marketo", "", 1),
        ("Sync Lead to SFDC", "", 1),
    ]
    attributes = json.loads(
        rows(
            store,
            "SELECT attributes FROM marketo_activities WHERE lead_id = '7' "
            "AND activity_type = 'Change Data Value'",
        )[0][0]
    )
    assert {"name": "Reason", "value": "SFDC sync"} in attributes
    runs = rows(store, "SELECT job, status, rows_written, api_calls FROM collection_runs")
    assert runs == [("marketo", "ok", 3, 3)]


def test_steady_cycles_cost_one_call_and_two_when_housekeeping_rides_along(standin, store):
    steady_activities(standin, NOW - timedelta(hours=1), hours=3.5, every_minutes=7)
    client = client_for(standin)
    cycle(store, client)  # the first cycle: types, paging token, activities
    spent, kinds = [], []
    for step in range(1, 25):  # two hours of 5-minute cycles
        before = standin.rest_calls()
        report = cycle(store, client, NOW + timedelta(minutes=5 * step))
        spent.append(standin.rest_calls() - before)
        kinds.append(report.parts)
        assert report.api_calls == spent[-1] and report.status == "ok"
    assert max(spent) <= 2 and spent.count(1) >= 18
    # Hourly: usage and error statistics; the rare types' stream; never the types again.
    assert standin.rest_calls("stats/usage") == 2 and standin.rest_calls("stats/errors") == 2
    assert standin.rest_calls("types.json") == 1
    assert len(standin.requests) == 3 + sum(spent)
    end = NOW + timedelta(minutes=5 * 24)
    missing = set(expected_ids(standin, NOW - timedelta(minutes=5), end)) - set(stored_ids(store))
    # Only the rare types read hourly may still wait for their next read.
    rare = {standin.type_id("Delete Lead from SFDC")}
    waiting = {r["marketoGUID"] for r in standin.log if r["activityTypeId"] in rare}
    assert missing <= waiting


def test_paging_follows_short_pages_until_marketo_says_no_more(standin, store):
    standin.scan_size = 4  # every page scans four log entries: short and empty pages
    for minute in range(30):
        name = "Open Email" if minute % 3 else "SFDC Activity"
        standin.add_activity(name, NOW - timedelta(minutes=4, seconds=-minute))
    report = cycle(store, client_for(standin))
    assert report.pages == 8 and report.activities_read == 10
    assert stored_ids(store) == expected_ids(standin, NOW - timedelta(minutes=5), NOW)
    sizes = [len(r.query["activityTypeIds"]) for r in activity_calls(standin)]
    assert sizes == [10] * 8


def test_a_repeated_cycle_adds_nothing_and_asks_only_for_news(standin, store):
    steady_activities(standin, NOW - timedelta(minutes=30), hours=0.5, every_minutes=1)
    client = client_for(standin)
    first = cycle(store, client)
    assert first.rows_written > 0
    again = cycle(store, client)  # the same `now` again
    assert again.activities_read == 0 and again.parts == ["API usage"]
    assert rows(store, "SELECT count(*) FROM marketo_activities") == [(first.rows_written,)]
    counted = rows(store, "SELECT sum(activities) FROM activity_counts")[0][0]
    assert counted == first.rows_written


def test_607_mid_paging_keeps_whole_pages_and_pauses_until_marketos_midnight(standin, store):
    client = client_for(standin)
    cycle(store, client)  # set up: types and the stream's token
    standin.scan_size = 5
    for second in range(20):
        standin.add_activity("Sync Lead to SFDC", NOW + timedelta(minutes=1, seconds=second))
    standin.daily_quota = standin.rest_calls() + 1  # the second page of the next cycle: 607
    later = NOW + timedelta(minutes=5)

    with pytest.raises(DailyQuotaExceeded) as caught:
        cycle(store, client, later)

    assert "daily API quota is used up (607 Daily quota reached)" in str(caught.value)
    first_page = sorted(r["marketoGUID"] for r in standin.log[:5])
    assert stored_ids(store) == first_page  # the page before the 607, whole, nothing after
    run = rows(
        store,
        "SELECT status, rows_written, error FROM collection_runs ORDER BY started_at DESC LIMIT 1",
    )[0]
    assert run[:2] == ("partial", 5) and "607" in run[2]
    reset = next_quota_reset(later)
    assert reset == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # 00:00 in Chicago (CST)
    marks = dict(rows(store, "SELECT name, value FROM watermarks"))
    assert marks["marketo.quota_exhausted_until"] == reset.isoformat()

    # Later the same Marketo day: no call at all, the same clear reason.
    before = standin.rest_calls()
    with pytest.raises(DailyQuotaExceeded, match="no calls until it resets at 2026-11-21 06:00"):
        cycle(store, client, NOW + timedelta(hours=3))
    assert standin.rest_calls() == before

    # After the reset: on from the kept token, no gap, nothing twice.
    standin.daily_quota = None
    kept = json.loads(marks["marketo.stream.0"])["token"]
    calls = len(standin.requests)
    cycle(store, client, reset + timedelta(minutes=5))
    assert activity_calls(standin, calls)[0].first("nextPageToken") == kept
    assert stored_ids(store) == sorted(r["marketoGUID"] for r in standin.log)


def test_usage_sets_the_monitors_own_api_user_apart_and_api_budget_sees_it(standin, store):
    payload = load_fixture("stats_usage_response_doc.json")
    payload["result"][0]["total"] = 30_000
    payload["result"][0]["users"].append({"userId": API_USER, "count": 42})
    standin.usage_payload = payload
    client = client_for(standin)
    cycle(store, client)
    report = cycle(store, client, NOW + timedelta(minutes=5))
    assert report.parts == ["API usage"]
    usage = rows(store, "SELECT metric, used, quota FROM api_usage ORDER BY metric")
    assert usage == [
        ("daily_api_calls", 30_000.0, 50_000.0),
        (f"daily_api_calls_by_monitor:{API_USER}", 42.0, None),
        ("daily_api_calls_by_user:some.body@gmail.com", 720.0, None),
        ("daily_api_calls_by_user:some.body@marketo.com", 200.0, None),
        ("daily_api_calls_by_user:some.body@yahoo.com", 200.0, None),
    ]
    summary = run_checks(
        store, "prod", NOW + timedelta(minutes=10), checks=[check_from_module(api_budget)]
    )
    assert [(t.subject, t.severity) for t in summary.transitions] == [
        ("marketo daily_api_calls", "warning")
    ]


def test_error_statistics_become_one_row_per_code(standin, store):
    client = client_for(standin)
    for step in range(3):  # set-up, usage, then errors
        report = cycle(store, client, NOW + timedelta(minutes=5 * step))
    assert report.parts == ["API errors"]
    errors = rows(
        store,
        "SELECT metric, used FROM api_usage WHERE metric LIKE 'daily_api_errors%' ORDER BY 1",
    )
    assert errors == [
        ("daily_api_errors", 73.0),
        ("daily_api_errors_by_code:604", 1.0),
        ("daily_api_errors_by_code:609", 56.0),
        ("daily_api_errors_by_code:610", 16.0),
    ]


def test_a_malformed_activity_is_quarantined_and_the_others_stored(standin, store):
    standin.add_activity("Sync Lead to SFDC", NOW - timedelta(minutes=3))
    broken = standin.add_activity("SFDC Activity", NOW - timedelta(minutes=2))
    broken["activityDate"] = None
    standin.add_activity("Convert Lead", NOW - timedelta(minutes=1))
    report = cycle(store, client_for(standin))
    assert report.rows_written == 2 and report.status == "partial"
    assert "1 activity records were malformed (quarantined)" in report.errors
    quarantined = rows(store, "SELECT kind, origin, reason, raw FROM quarantine")
    assert len(quarantined) == 1
    kind, origin, reason, raw = quarantined[0]
    assert (kind, origin) == ("marketo_activity", "GET /rest/v1/activities.json")
    assert "activityDate" in reason and json.loads(raw)["marketoGUID"] == broken["marketoGUID"]


def test_a_subscription_without_sfdc_types_at_first_collects_once_the_sync_is_set_up(
    standin, store
):
    every_type = standin.types_payload["result"]
    standin.types_payload["result"] = [t for t in every_type if t["name"] not in SFDC_NAMES]
    client = client_for(standin)

    first = cycle(store, client)
    assert "none of the SFDC activity types exists" in first.errors[0]
    # Nothing to follow, but housekeeping goes on: usage, errors ...
    second = cycle(store, client, NOW + timedelta(minutes=5))
    assert second.parts == ["API usage"]
    assert cycle(store, client, NOW + timedelta(minutes=10)).parts == ["API errors"]
    # ... and the condition has one outcome, whether or not housekeeping stored something.
    assert second.rows_written > 0
    assert first.status == second.status == "failed"

    # The Salesforce sync is set up: its activity types appear, and activities follow.
    standin.types_payload["result"] = every_type
    standin.add_activity("Sync Lead to SFDC", NOW + timedelta(minutes=20), lead_id=7)
    standin.add_activity("SFDC Activity", NOW + timedelta(minutes=58), lead_id=8)
    # ... looked up again within the hour while none were there (not only once a day).
    assert cycle(store, client, NOW + timedelta(minutes=60)).parts == ["activity types"]
    standin.add_activity("Convert Lead", NOW + timedelta(minutes=62), lead_id=9)

    report = cycle(store, client, NOW + timedelta(minutes=65))

    assert report.status == "ok" and report.rows_written == 3
    # Read from the lookup that still found no SFDC type: nothing since is missed.
    assert stored_ids(store) == expected_ids(standin, NOW, NOW + timedelta(minutes=65))
    stream = json.loads(dict(rows(store, "SELECT name, value FROM watermarks"))["marketo.stream.0"])
    assert stream["origin"] == NOW.isoformat()


def test_refused_activity_types_fall_back_to_the_standard_ids_and_say_so(standin, store):
    standin.add_activity("Sync Lead to SFDC", NOW - timedelta(minutes=3))
    standin.fail_next(603, path="types.json")
    report = cycle(store, client_for(standin))
    assert report.status == "partial" and report.rows_written == 1
    assert "Read-Only Activity Metadata" in report.errors[0]
    assert "using the standard activity type ids" in report.errors[0]


def test_refused_activities_stop_the_cycle_naming_the_permission(standin, store):
    standin.fail_next(603, path="activities.json")
    with pytest.raises(MarketoRefused, match="Read-Only Activity"):
        cycle(store, client_for(standin))
    assert rows(store, "SELECT status FROM collection_runs") == [("failed",)]


def test_rate_limit_and_expired_token_inside_a_cycle_are_ridden_out(standin, store):
    standin.add_activity("Sync Lead to SFDC", NOW - timedelta(minutes=3))
    client = client_for(standin)
    standin.fail_next(606, path="activities.json")
    cycle(store, client)
    standin.add_activity("Convert Lead", NOW + timedelta(minutes=2))
    standin.expire_tokens()
    report = cycle(store, client, NOW + timedelta(minutes=5))
    assert report.status == "ok" and len(stored_ids(store)) == 2
    assert standin.refused == {"606": 1, "602": 1} and client.token_requests == 2


def test_no_secret_or_token_reaches_the_database(standin, store):
    standin.add_activity("Sync Lead to SFDC", NOW - timedelta(minutes=3))
    client = client_for(standin)
    cycle(store, client)
    standin.fail_next(603, path="usage.json")
    cycle(store, client, NOW + timedelta(minutes=5))
    standin.fail_next(607)
    with pytest.raises(DailyQuotaExceeded):
        cycle(store, client, NOW + timedelta(minutes=10))
    tokens = {r.authorization.removeprefix("Bearer ") for r in standin.requests}
    with store.read() as con:
        tables = [t[0] for t in con.execute("SHOW TABLES").fetchall()]
        text = "".join(
            str(con.execute(f"SELECT CAST(t AS VARCHAR) FROM {table} t").fetchall())
            for table in tables
        )
    assert "marketo_activities" in tables and "2026-11-20" in text
    assert standin.client_secret not in text
    assert all(token not in text for token in tokens)
