"""API use by consumer: the real simple-salesforce client over HTTPS to the loopback stand-in,
which answers the EventLogFile query and serves the documented ApiTotalUsage CSV; the shares
land in a real DuckDB file and are read back through the query the pages and report use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitor.collectors.salesforce.api_consumers import UNAVAILABLE, read_consumers
from monitor.collectors.salesforce.client import SalesforceClient, connect, login_from
from monitor.store import Store
from monitor.store.api_consumers import replace_consumer_days, store_api_users
from tests.collectors.salesforce import collecting
from tests.conftest import REAL_FIXTURES
from tests.standins.https import trusted
from tests.standins.salesforce import SYNC_USER_ID, SalesforceStandIn

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
CSV = (REAL_FIXTURES / "salesforce" / "eventlogfile_apitotalusage_sample.csv").read_text(
    encoding="utf-8"
)
LOG_PATH = "/services/data/v59.0/sobjects/EventLogFile"
LOG_FILE = {
    "Id": "0AT000000000001AAA",
    "EventType": "ApiTotalUsage",
    "LogDate": "2026-11-19T00:00:00.000+0000",
    "Interval": "Daily",
    "LogFileLength": float(len(CSV)),
}


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceStandIn]:
    with trusted(SalesforceStandIn(), monkeypatch) as running:
        yield running


def client_for(standin: SalesforceStandIn) -> SalesforceClient:
    login = login_from(
        {"SALESFORCE_INSTANCE_URL": standin.url, "SALESFORCE_ACCESS_TOKEN": standin.token}
    )
    return SalesforceClient(connect(login, "59.0"), sleep=lambda seconds: None)


def test_reads_the_daily_log_and_attributes_counted_calls_to_consumers(
    standin: SalesforceStandIn, tmp_path: Path
):
    standin.event_log_files = [LOG_FILE]
    standin.event_log_blobs = {LOG_FILE["Id"]: CSV}

    read = read_consumers(client_for(standin), SYNC_USER_ID, NOW)

    assert read.note == ""
    assert read.calls == 2  # the file list, then the one file
    paths = [r.path for r in standin.requests]
    assert paths[-1] == "/services/data/v59.0/sobjects/EventLogFile/0AT000000000001AAA/LogFile"
    assert "EventType = 'ApiTotalUsage'" in standin.requests[0].query["q"]
    # 6 of the 7 calls count against the limit: 3 by the sync user, 2 by the webinar app,
    # 1 by Data Loader (a client name, no connected app).
    got = sorted(
        zip(read.shares["consumer"], read.shares["kind"], read.shares["calls"], strict=True)
    )
    assert got == [
        ("DataLoaderBulk/59.0", "integration", 1),
        ("Marketo sync user", "marketo_sync", 3),
        ("Webinar Connector", "integration", 2),
    ]
    assert read.shares["share"].sum() == pytest.approx(1.0)

    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        replace_consumer_days(con, "prod", read.shares)
        replace_consumer_days(con, "prod", read.shares)  # read again: replaced, not doubled
    stored = store.query(
        "api_consumer_shares", instance="prod", since="2026-11-13", until="2026-11-20"
    )
    assert stored["consumer"].tolist() == [
        "Marketo sync user",
        "Webinar Connector",
        "DataLoaderBulk/59.0",
    ]
    assert [pd.Timestamp(d).date() for d in stored["day"]] == [date(2026, 11, 19)] * 3
    assert stored["share"].iloc[0] == pytest.approx(0.5)


def test_says_in_one_line_when_the_event_logs_are_not_visible(standin: SalesforceStandIn):
    # event_log_files None: Salesforce answers INVALID_TYPE for EventLogFile.
    read = read_consumers(client_for(standin), SYNC_USER_ID, NOW)
    assert read.note == UNAVAILABLE
    assert "\n" not in read.note
    assert read.shares.empty


def test_says_so_when_no_log_file_is_published(standin: SalesforceStandIn):
    standin.event_log_files = []
    read = read_consumers(client_for(standin), SYNC_USER_ID, NOW)
    assert read.note == UNAVAILABLE
    assert read.calls == 1


def event_log_requests(standin: SalesforceStandIn) -> list[str]:
    """The requests of the consumer read: the file list query and the LogFile GETs."""
    return [
        r.path if "LogFile" in r.path else "list"
        for r in standin.requests
        if "LogFile" in r.path or "FROM EventLogFile" in r.query.get("q", "")
    ]


def test_a_collection_stores_the_shares_once_a_day_and_not_every_cycle(
    standin: SalesforceStandIn, tmp_path: Path
):
    standin.event_log_files = [LOG_FILE]
    standin.event_log_blobs = {LOG_FILE["Id"]: CSV}
    store = Store(tmp_path / "monitor.duckdb")
    client = collecting.client_for(standin)
    first = collecting.NOW  # 2026-11-20 15:00 UTC: the file of the 19th is published

    report = collecting.cycle(store, client, first)
    assert [e for e in report.errors if "consumer" in e] == []
    assert event_log_requests(standin) == ["list", f"{LOG_PATH}/0AT000000000001AAA/LogFile"]

    def stored() -> list[tuple[date, str, int]]:
        frame = store.query(
            "api_consumer_shares", instance="prod", since="2026-11-01", until="2026-11-30"
        )
        days = [pd.Timestamp(d).date() for d in frame["day"]]
        return list(zip(days, frame["consumer"], frame["calls"], strict=True))

    assert stored()[0] == (date(2026, 11, 19), "Marketo sync user", 3)
    assert len(stored()) == 3

    # The next cycles of the day read nothing more.
    collecting.cycle(store, client, first + timedelta(minutes=15))
    collecting.cycle(store, client, first + timedelta(hours=2))
    assert len(event_log_requests(standin)) == 2

    # A day later the 20th's file is published: the list asks only for days after the 19th,
    # and the one new file is read (2 calls a day); the 19th is not read again.
    second = dict(LOG_FILE, Id="0AT000000000002AAA", LogDate="2026-11-20T00:00:00.000+0000")
    standin.event_log_files = [LOG_FILE, second]
    standin.event_log_blobs[second["Id"]] = CSV
    collecting.cycle(store, client, first + timedelta(days=1))
    requests = event_log_requests(standin)
    assert requests[2:] == ["list", f"{LOG_PATH}/0AT000000000002AAA/LogFile"]
    lists = [r.query["q"] for r in standin.requests if "FROM EventLogFile" in r.query.get("q", "")]
    assert "LogDate >= 2026-11-20T00:00:00Z" in lists[-1]
    assert [row[0] for row in stored()] == [date(2026, 11, 19)] * 3 + [date(2026, 11, 20)] * 3


def test_a_collection_without_event_logs_asks_once_a_day_and_stores_nothing(
    standin: SalesforceStandIn, tmp_path: Path
):
    store = Store(tmp_path / "monitor.duckdb")
    client = collecting.client_for(standin)
    report = collecting.cycle(store, client)
    collecting.cycle(store, client, collecting.NOW + timedelta(hours=1))
    # Not a problem of the run: the pages and the report say the logs are unavailable.
    assert [e for e in report.errors if "consumer" in e] == []
    assert event_log_requests(standin) == ["list"]
    last = store.query("api_consumer_last_day", instance="prod")
    assert last["day"].isna().all()


# Two people's calls added to the real sample (no connected app, no client name): one the User
# query names, one it does not return (a deleted user) and that stays shown by its id.
PEOPLE_CSV = (
    CSV.rstrip("\n")
    + "".join(
        f'\n"REST","/v59.0/query","59.0","10.0.0.{n}","","","","1","Account","ApiTotalUsage",'
        f'"GET","00D000000000001","3nWgxWbDKWWDIk0FKfF5E{n}","2026111904050{n}.000",'
        f'"2026-11-19T04:05:0{n}.000Z","{user}"'
        for n, user in ((1, "005000000000003"), (2, "005000000000003"), (3, "005000000000009"))
    )
    + "\n"
)


def test_people_are_named_by_one_user_query_and_shown_as_name_and_username(
    standin: SalesforceStandIn, tmp_path: Path
):
    standin.event_log_files = [LOG_FILE]
    standin.event_log_blobs = {LOG_FILE["Id"]: PEOPLE_CSV}
    standin.users["pat.lee@acme.example"] = {
        "Id": "005000000000003AAA",  # Salesforce answers with the 18-character id
        "Username": "pat.lee@acme.example",
        "Name": "Pat Lee",
    }

    read = read_consumers(client_for(standin), SYNC_USER_ID, NOW)

    assert read.calls == 3  # the file list, the file, then one User query
    (user_query,) = [r.query["q"] for r in standin.requests if "FROM User" in r.query.get("q", "")]
    assert user_query == (
        "SELECT Id, Name, Username FROM User WHERE Id IN ('005000000000003','005000000000009')"
    )
    assert read.users[["user_id", "name", "username"]].values.tolist() == [
        ["005000000000003", "Pat Lee", "pat.lee@acme.example"]
    ]
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        replace_consumer_days(con, "prod", read.shares)
        store_api_users(con, "prod", read.users)
    shown = store.query(
        "api_consumer_shares", instance="prod", since="2026-11-13", until="2026-11-20"
    )
    people = shown.loc[shown["kind"] == "person", ["consumer", "calls"]].values.tolist()
    assert people == [["Pat Lee (pat.lee@acme.example)", 2], ["user 005000000000009", 1]]
    # The api_budget check's growth findings read the same names.
    recent = store.query("api_consumer_recent", instance="prod", now=NOW, lookback_days=7)
    assert "Pat Lee (pat.lee@acme.example)" in set(recent["consumer"])


def test_no_person_among_the_consumers_costs_no_user_query(standin: SalesforceStandIn):
    standin.event_log_files = [LOG_FILE]
    standin.event_log_blobs = {LOG_FILE["Id"]: CSV}
    read = read_consumers(client_for(standin), SYNC_USER_ID, NOW)
    assert read.calls == 2 and read.users.empty


def test_a_refused_name_lookup_keeps_the_days_use_with_people_shown_by_id(
    standin: SalesforceStandIn,
):
    standin.event_log_files = [LOG_FILE]
    standin.event_log_blobs = {LOG_FILE["Id"]: PEOPLE_CSV}
    standin.users_refused = True

    read = read_consumers(client_for(standin), SYNC_USER_ID, NOW)

    assert read.users.empty
    people = read.shares.loc[read.shares["kind"] == "person", "consumer"].tolist()
    assert sorted(people) == ["user 005000000000003", "user 005000000000009"]
