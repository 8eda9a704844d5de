"""Setup audit trail and the sync user's login history: the stand-in answers both queries like
Salesforce, and the collector stores what each window holds once, next to the objects' figures
and inside the same /composite calls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceRefusedRequest

from monitor.collectors.salesforce.soql import login_history, setup_audit_trail
from monitor.store import Store
from tests.collectors.salesforce.collecting import NOW, OBJECTS, client_for, cycle
from tests.standins.https import trusted
from tests.standins.salesforce import SYNC_USER_ID, SalesforceStandIn

ADMIN = "admin@acme.example"
WINDOW = (NOW - timedelta(minutes=5), NOW)  # the cycle window the stand-in tests query
DANA_ID = "005000000000002AAA"

AUDIT_TRAIL = [
    {  # before the first window
        "Id": "0Ym000000000001AAA",
        "CreatedDate": "2026-11-20T14:50:03.000+0000",
        "CreatedBy": {"Username": ADMIN},
        "Action": "PermSetAssign",
        "Section": "Manage Users",
        "Display": "Permission set Marketo Sync Fields: assigned to user Marketo Sync",
    },
    {  # on the first window's start: outside, the window is (start, end]
        "Id": "0Ym000000000002AAA",
        "CreatedDate": "2026-11-20T14:55:00.000+0000",
        "CreatedBy": {"Username": ADMIN},
        "Action": "PermSetAssign",
        "Section": "Manage Users",
        "Display": "Permission set Sales Ops: assigned to user Dana Whitfield",
    },
    {
        "Id": "0Ym000000000003AAA",
        "CreatedDate": "2026-11-20T14:57:12.000+0000",
        "CreatedBy": {"Username": ADMIN},
        "Action": "PermSetFlsChanged",
        "Section": "Manage Users",
        "Display": "Changed permission set Marketo Sync Fields: field-level security for "
        "Lead: Rating was changed from Read/Write to Read Only",
    },
    {  # on the first window's end: inside
        "Id": "0Ym000000000004AAA",
        "CreatedDate": "2026-11-20T15:00:00.000+0000",
        "CreatedBy": {"Username": ADMIN},
        "Action": "PermSetUnassign",
        "Section": "Manage Users",
        "Display": "Permission set Marketo Sync Fields: unassigned from user Marketo Sync",
    },
    {  # the second window
        "Id": "0Ym000000000005AAA",
        "CreatedDate": "2026-11-20T15:03:41.000+0000",
        "CreatedBy": {"Username": ADMIN},
        "Action": "changedPassword",
        "Section": "Manage Users",
        "Display": "Changed password for user sync@acme.example",
    },
]
LOGIN_HISTORY = [
    {
        "Id": "0Ya000000000001AAA",
        "UserId": SYNC_USER_ID,
        "LoginTime": "2026-11-20T14:53:00.000+0000",
        "Status": "Success",
        "LoginType": "Remote Access 2.0",
        "SourceIp": "203.0.113.7",
    },
    {
        "Id": "0Ya000000000002AAA",
        "UserId": SYNC_USER_ID,
        "LoginTime": "2026-11-20T14:58:00.000+0000",
        "Status": "Success",
        "LoginType": "Remote Access 2.0",
        "SourceIp": "203.0.113.7",
    },
    {  # somebody else's login
        "Id": "0Ya000000000003AAA",
        "UserId": DANA_ID,
        "LoginTime": "2026-11-20T14:58:30.000+0000",
        "Status": "Success",
        "LoginType": "Application",
        "SourceIp": "198.51.100.23",
    },
    {
        "Id": "0Ya000000000004AAA",
        "UserId": SYNC_USER_ID,
        "LoginTime": "2026-11-20T14:59:10.000+0000",
        "Status": "Invalid Password",
        "LoginType": "Remote Access 2.0",
        "SourceIp": "203.0.113.7",
    },
    {  # the second window
        "Id": "0Ya000000000005AAA",
        "UserId": SYNC_USER_ID,
        "LoginTime": "2026-11-20T15:04:00.000+0000",
        "Status": "Success",
        "LoginType": "Remote Access 2.0",
        "SourceIp": "203.0.113.7",
    },
]


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceStandIn]:
    with trusted(SalesforceStandIn(), monkeypatch) as running:
        running.modifiers["Lead"] = [(DANA_ID, "Dana Whitfield", 40), (SYNC_USER_ID, "Sync", 12)]
        # Task is not in the real describeGlobal subset: script it (a renamed Contact).
        running.describes["Task"] = {**running.describes["Contact"], "name": "Task"}
        running.audit_trail = [dict(record) for record in AUDIT_TRAIL]
        running.login_history = [dict(record) for record in LOGIN_HISTORY]
        yield running


@pytest.fixture
def sf(standin: SalesforceStandIn) -> Salesforce:
    return Salesforce(instance_url=standin.url, session_id=standin.token, version="59.0")


def composite(sf: Salesforce, soqls: dict[str, str]) -> dict[str, dict]:
    """POST the queries as one /composite call; answers by reference id."""
    body = {
        "allOrNone": False,
        "compositeRequest": [
            {
                "method": "GET",
                "url": "/services/data/v59.0/query?" + urlencode({"q": soql}),
                "referenceId": reference,
            }
            for reference, soql in soqls.items()
        ],
    }
    answer = sf.restful("composite", method="POST", json=body)
    return {sub["referenceId"]: sub for sub in answer["compositeResponse"]}


# -- the stand-in ------------------------------------------------------------------------


def test_standin_answers_the_audit_trail_of_the_window_in_time_order(sf: Salesforce) -> None:
    result = sf.query(setup_audit_trail(*WINDOW))

    assert result["totalSize"] == 2 and result["done"] is True
    first = result["records"][0]
    assert first == {
        "attributes": {
            "type": "SetupAuditTrail",
            "url": "/services/data/v59.0/sobjects/SetupAuditTrail/0Ym000000000003AAA",
        },
        "Id": "0Ym000000000003AAA",
        "CreatedDate": "2026-11-20T14:57:12.000+0000",
        "CreatedBy": {
            "attributes": {
                "type": "User",
                "url": "/services/data/v59.0/sobjects/User/005000000000000AAA",
            },
            "Username": ADMIN,
        },
        "Action": "PermSetFlsChanged",
        "Section": "Manage Users",
        "Display": AUDIT_TRAIL[2]["Display"],
    }
    assert [r["Id"] for r in result["records"]] == ["0Ym000000000003AAA", "0Ym000000000004AAA"]


def test_standin_answers_only_the_sync_users_logins_of_the_window(sf: Salesforce) -> None:
    result = sf.query(login_history(SYNC_USER_ID, *WINDOW))

    assert [(r["Id"], r["Status"]) for r in result["records"]] == [
        ("0Ya000000000002AAA", "Success"),
        ("0Ya000000000004AAA", "Invalid Password"),
    ]
    # Only the selected fields come back: UserId was not selected.
    assert set(result["records"][0]) == {
        "attributes",
        "Id",
        "LoginTime",
        "Status",
        "LoginType",
        "SourceIp",
    }
    assert result["records"][0]["attributes"]["type"] == "LoginHistory"


def test_standin_refuses_both_queries_when_told_the_user_lacks_the_permission(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.audit_refused = True
    standin.login_history_refused = True

    with pytest.raises(SalesforceRefusedRequest) as raised:
        sf.query(setup_audit_trail(*WINDOW))
    answers = composite(sf, {"logins": login_history(SYNC_USER_ID, *WINDOW)})

    assert raised.value.content[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert answers["logins"]["httpStatusCode"] == 403
    assert answers["logins"]["body"][0]["errorCode"] == "INSUFFICIENT_ACCESS"


def test_standin_counts_audit_queries_toward_the_five_queries_per_composite(
    sf: Salesforce,
) -> None:
    counts = {f"c{n}": "SELECT COUNT() FROM Lead" for n in range(4)}

    five = composite(sf, {**counts, "audit": setup_audit_trail(*WINDOW)})
    six = {**counts, "audit": setup_audit_trail(*WINDOW), "logins": login_history("x", *WINDOW)}
    with pytest.raises(SalesforceMalformedRequest) as raised:
        composite(sf, six)

    assert {sub["httpStatusCode"] for sub in five.values()} == {200}
    assert raised.value.content[0]["errorCode"] == "LIMIT_EXCEEDED"


def test_standin_pages_a_long_audit_trail(standin: SalesforceStandIn, sf: Salesforce) -> None:
    standin.page_size = 2

    two_hours = setup_audit_trail(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    records = sf.query_all(two_hours)["records"]

    assert [r["Id"][-4:] for r in records] == ["1AAA", "2AAA", "3AAA", "4AAA", "5AAA"]


def test_standin_counts_scripted_modifications_only_inside_the_query_window(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.modifications["Contact"] = [
        (datetime(2026, 11, 20, 13, 30, tzinfo=UTC), DANA_ID, "Dana Whitfield", 5),
        (datetime(2026, 11, 20, 14, 10, tzinfo=UTC), DANA_ID, "Dana Whitfield", 7),
        (datetime(2026, 11, 20, 14, 20, tzinfo=UTC), DANA_ID, "Dana Whitfield", 1),
        (datetime(2026, 11, 20, 14, 20, tzinfo=UTC), SYNC_USER_ID, "Marketo Sync", 3),
        (datetime(2026, 11, 20, 15, 0, tzinfo=UTC), DANA_ID, "Dana Whitfield", 11),
    ]
    soql = (
        "SELECT LastModifiedById, LastModifiedBy.Name, COUNT(Id) FROM Contact "
        "WHERE SystemModstamp > 2026-11-20T14:00:00Z AND SystemModstamp <= 2026-11-20T15:00:00Z "
        "GROUP BY LastModifiedById, LastModifiedBy.Name"
    )

    records = sf.query(soql)["records"]

    assert {(r["LastModifiedById"], r["expr0"]) for r in records} == {
        (DANA_ID, 7 + 1 + 11),
        (SYNC_USER_ID, 3),
    }


def test_standin_delay_slows_every_request(standin: SalesforceStandIn, sf: Salesforce) -> None:
    standin.delay_seconds = 0.2
    started = time.perf_counter()

    sf.limits()

    assert time.perf_counter() - started >= 0.2
    assert standin.calls() == 1 and standin.composite_calls() == 0


# -- the collector -------------------------------------------------------------------------


def events(store: Store) -> list[tuple]:
    """(source, event_id, occurred_at in UTC, actor, action, subject, detail) in time order."""
    with store.read() as con:
        return con.execute(
            "SELECT source, event_id, "
            "strftime(timezone('UTC', occurred_at), '%Y-%m-%dT%H:%M:%SZ'), "
            "actor, action, subject, detail "
            "FROM audit_events WHERE instance = 'prod' ORDER BY occurred_at, event_id"
        ).fetchall()


def watermarks(store: Store) -> dict[str, str]:
    with store.read() as con:
        return dict(con.execute("SELECT name, value FROM watermarks").fetchall())


def test_audit_and_login_events_of_the_window_are_stored_once(standin, store):
    standin.page_size = 1  # one record per page: pages must be followed, none read twice

    report = cycle(store, client_for(standin))

    assert report.status == "ok", report.errors
    assert events(store) == [
        (
            "salesforce",
            "0Ym000000000003AAA",
            "2026-11-20T14:57:12Z",
            ADMIN,
            "PermSetFlsChanged",
            "Manage Users",
            AUDIT_TRAIL[2]["Display"],
        ),
        (
            "salesforce_login",
            "0Ya000000000002AAA",
            "2026-11-20T14:58:00Z",
            SYNC_USER_ID,
            "login",
            "Success",
            "Remote Access 2.0 from 203.0.113.7",
        ),
        (
            "salesforce_login",
            "0Ya000000000004AAA",
            "2026-11-20T14:59:10Z",
            SYNC_USER_ID,
            "login",
            "Invalid Password",
            "Remote Access 2.0 from 203.0.113.7",
        ),
        (
            "salesforce",
            "0Ym000000000004AAA",
            "2026-11-20T15:00:00Z",
            ADMIN,
            "PermSetUnassign",
            "Manage Users",
            AUDIT_TRAIL[3]["Display"],
        ),
    ]
    marks = watermarks(store)
    assert marks["salesforce.audit"] == marks["salesforce.logins"] == NOW.isoformat()


def test_a_second_cycle_adds_only_the_newer_events(standin, store):
    client = client_for(standin)
    cycle(store, client)
    first = {row[1] for row in events(store)}

    report = cycle(store, client, NOW + timedelta(minutes=5))

    assert report.status == "ok", report.errors
    added = {row[1] for row in events(store)} - first
    assert added == {"0Ym000000000005AAA", "0Ya000000000005AAA"}
    assert len(events(store)) == len(first) + 2
    audit = [r.soql for r in standin.subrequests if r.soql and "FROM SetupAuditTrail" in r.soql]
    assert "CreatedDate > 2026-11-20T15:00:00Z" in audit[-1]
    assert "CreatedDate <= 2026-11-20T15:05:00Z" in audit[-1]
    marks = watermarks(store)
    assert marks["salesforce.audit"] == marks["salesforce.logins"] == "2026-11-20T15:05:00+00:00"


def test_a_repeated_cycle_adds_no_events_and_asks_nothing(standin, store):
    client = client_for(standin)
    cycle(store, client)
    cycle(store, client, NOW + timedelta(minutes=5))
    before, calls = events(store), standin.calls()

    report = cycle(store, client, NOW + timedelta(minutes=5))  # the same window again

    assert events(store) == before
    assert standin.calls() == calls
    assert report.errors == []


def test_a_refused_audit_trail_is_reported_and_the_cycle_goes_on(standin, store):
    standin.audit_refused = True

    report = cycle(store, client_for(standin))

    assert report.objects_collected == list(OBJECTS)
    assert report.status == "partial"
    problems = [e for e in report.errors if "View Setup and Configuration" in e]
    assert len(problems) == 1 and "INSUFFICIENT_ACCESS" in problems[0], report.errors
    assert {row[0] for row in events(store)} == {"salesforce_login"}  # logins still stored
    # The refused window's start is kept: once View Setup is granted, it is read after all.
    assert watermarks(store)["salesforce.audit"] == "2026-11-20T14:55:00+00:00"
    standin.audit_refused = False
    cycle(store, client_for(standin), NOW + timedelta(minutes=5))
    audit_query = [r.soql for r in standin.subrequests if r.soql and "SetupAuditTrail" in r.soql]
    assert "CreatedDate > 2026-11-20T14:55:00Z" in audit_query[-1]


def test_refused_login_history_is_reported_naming_manage_users(standin, store):
    standin.login_history_refused = True

    report = cycle(store, client_for(standin))

    assert report.objects_collected == list(OBJECTS)
    problems = [e for e in report.errors if "Manage Users" in e]
    assert len(problems) == 1 and "INSUFFICIENT_ACCESS" in problems[0], report.errors
    assert {row[0] for row in events(store)} == {"salesforce"}
    assert watermarks(store)["salesforce.logins"] == "2026-11-20T14:55:00+00:00"


def test_an_audit_trail_hidden_from_the_user_as_invalid_type_is_a_refusal_too(standin, store):
    # Salesforce may hide an object the user has no access to instead of refusing the query.
    standin.fail_subrequest(
        "FROM SetupAuditTrail",
        400,
        "INVALID_TYPE",
        "sObject type 'SetupAuditTrail' is not supported.",
    )

    report = cycle(store, client_for(standin))

    assert report.objects_collected == list(OBJECTS)
    assert any("View Setup and Configuration" in e for e in report.errors), report.errors


def test_steady_state_cycle_with_the_audit_queries_still_costs_two_calls(standin, store):
    # Steady state: no setup change after the first window (one may bring the describe forward).
    standin.audit_trail = [r for r in AUDIT_TRAIL if r["CreatedDate"] <= "2026-11-20T15:00"]
    client = client_for(standin)
    cycle(store, client)  # resolves the sync user, describes, reads permissions
    first_request = len(standin.requests)

    report = cycle(store, client, NOW + timedelta(minutes=5))

    assert report.api_calls == 2 and standin.calls() - first_request == 2
    steady = standin.requests[first_request:]
    assert all(r.path.endswith("/composite") for r in steady)
    urls = [sub["url"] for r in steady for sub in r.json["compositeRequest"]]
    assert len(urls) == 9  # 7 objects + audit trail + login history
    assert all(
        sum("/query" in sub["url"] for sub in r.json["compositeRequest"]) <= 5 for r in steady
    )
    sent = [r.soql for r in standin.subrequests[-9:]]
    assert sum("FROM SetupAuditTrail" in q for q in sent) == 1
    assert sum("FROM LoginHistory" in q for q in sent) == 1
