"""The daily hygiene pass of the Salesforce collector, run by the real simple-salesforce client
over real HTTPS against the loopback stand-in: what it asks, what it costs, what it stores."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta

import pytest
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import SalesforceMalformedRequest

from checks import get_check
from monitor.collectors.context import Cycle
from monitor.collectors.salesforce.hygiene import collect_hygiene
from monitor.config import Config
from monitor.runner import run_checks
from monitor.store import Store
from tests.collectors.salesforce.collecting import NOW, OBJECTS, client_for, cycle
from tests.standins.https import trusted
from tests.standins.salesforce import SalesforceStandIn, load_fixture

HYGIENE_REFS = ("fill_", "dupes_", "values_")


def lead_describe_with_filter() -> dict:
    """The real Lead describe plus a "Do Not Sync" checkbox cloned from IsConverted."""
    describe = load_fixture("sobject_describe_lead_v59.json")
    checkbox = copy.deepcopy(next(f for f in describe["fields"] if f["name"] == "IsConverted"))
    checkbox.update(name="Do_Not_Sync__c", label="Do Not Sync", custom=True, updateable=True)
    describe["fields"].append(checkbox)
    return describe


def leads() -> list[dict]:
    """40 distinct leads, jane.doe shared by 3, bob by 2 (in two spellings), and a shared
    address where one of the two leads is converted (not a duplicate for Marketo)."""
    rows = [
        {"Email": f"lead{i}@acme.example", "Phone": "555-0100" if i < 10 else None}
        for i in range(40)
    ]
    rows += [{"Email": "jane.doe@acme.com"} for _ in range(3)]
    rows += [{"Email": "bob@globex.example"}, {"Email": "Bob@Globex.example"}]
    rows += [{"Email": "old@acme.com"}, {"Email": "old@acme.com", "IsConverted": True}]
    rows += [{"Email": None}, {"Email": None}]
    for index, row in enumerate(rows):
        row.setdefault("IsConverted", False)
        row["Do_Not_Sync__c"] = index < 5
    return rows


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceStandIn]:
    with trusted(SalesforceStandIn(), monkeypatch) as running:
        running.describes["Lead"] = lead_describe_with_filter()
        running.describes["Task"] = {**running.describes["Contact"], "name": "Task"}
        running.records["Lead"] = leads()
        yield running


def rows(store: Store, sql: str) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql).fetchall()


def hygiene_calls(standin: SalesforceStandIn) -> list[list[str]]:
    """The /composite calls that carried hygiene queries, as their reference ids."""
    calls = []
    for request in standin.requests:
        if request.path.endswith("/composite"):
            refs = [sub["referenceId"] for sub in request.json["compositeRequest"]]
            if any(ref.startswith(HYGIENE_REFS) for ref in refs):
                calls.append(refs)
    return calls


def hygiene_problems(report) -> list[str]:
    return [e for e in report.errors if e.startswith("hygiene")]


def test_hygiene_pass_costs_two_calls_for_the_default_objects(standin, store):
    report = cycle(store, client_for(standin))
    assert hygiene_problems(report) == []
    calls = hygiene_calls(standin)
    # Fill counts of Lead, Contact, Account, Opportunity and Campaign (under 100 countable
    # fields each: one query apiece), the duplicate emails and the Do_Not_Sync__c values:
    # 7 queries in 2 calls, never more than 5 queries in one.
    assert len(calls) == 2
    assert sorted(ref for refs in calls for ref in refs) == [
        "dupes_Lead_Email",
        "fill_Account_0",
        "fill_Campaign_0",
        "fill_Contact_0",
        "fill_Lead_0",
        "fill_Opportunity_0",
        "values_Lead_Do_Not_Sync__c",
    ]
    assert all(len(refs) <= 5 for refs in calls)
    # The first cycle: sync user lookup, 2 inflow + audit composites, 1 describe composite, 1
    # auth posture composite, 2 permission queries and /limits make 8; the hygiene pass adds
    # its 2, the API use by consumer read its 1 (no event logs visible: the list only).
    assert report.api_calls == standin.calls() == 11


def test_hygiene_pass_stores_fill_counts_per_countable_field(standin, store):
    cycle(store, client_for(standin))
    counted = rows(store, "SELECT field, records, filled FROM field_fill WHERE object = 'Lead'")
    fill = {field: (records, filled) for field, records, filled in counted}
    assert fill["Email"] == (49, 47)
    assert fill["Phone"] == (49, 10)
    assert fill["Fax"] == (49, 0)
    # Not counted: checkboxes, long text areas and compound fields cannot be aggregated,
    # required fields are always filled, Id is the record count itself.
    for skipped in ("IsConverted", "Do_Not_Sync__c", "Description", "Address", "Company", "Id"):
        assert skipped not in fill
    sent = [r.soql for r in standin.subrequests if r.soql and r.soql.startswith("SELECT COUNT(Id)")]
    assert not any("COUNT(Description)" in q or "COUNT(IsConverted)" in q for q in sent)


def test_hygiene_pass_stores_duplicate_emails_of_unconverted_leads(standin, store):
    cycle(store, client_for(standin))
    assert rows(
        store, "SELECT value, records FROM duplicate_values ORDER BY records DESC, value"
    ) == [("jane.doe@acme.com", 3), ("bob@globex.example", 2)]
    assert rows(
        store, "SELECT object, field, duplicated_values, records, is_capped FROM duplicate_summary"
    ) == [("Lead", "Email", 2, 5, False)]


def test_hygiene_pass_counts_the_values_of_a_sync_filter_checkbox(standin, store):
    cycle(store, client_for(standin))
    assert rows(store, "SELECT field, value, records FROM field_value_counts ORDER BY value") == [
        ("Do_Not_Sync__c", "false", 44),
        ("Do_Not_Sync__c", "true", 5),
    ]


def test_hygiene_pass_runs_at_most_once_a_day(standin, store):
    client = client_for(standin)
    cycle(store, client)
    assert len(hygiene_calls(standin)) == 2
    report = cycle(store, client, NOW + timedelta(hours=1))  # describe is due again, hygiene not
    assert report.described
    assert len(hygiene_calls(standin)) == 2
    cycle(store, client, NOW + timedelta(hours=23, minutes=55))
    assert len(hygiene_calls(standin)) == 2
    # A day on, it rides on the next schema pass (hourly).
    report = cycle(store, client, NOW + timedelta(days=1, hours=1))
    assert report.described
    assert len(hygiene_calls(standin)) == 4
    captured = rows(store, "SELECT count(DISTINCT captured_at) FROM field_fill")
    assert captured == [(2,)]


def test_hygiene_pass_is_idempotent_at_the_same_moment(standin, store):
    client = client_for(standin)
    cycle(store, client)
    before = rows(store, "SELECT count(*), sum(filled) FROM field_fill")
    written, problems = collect_hygiene(
        Cycle(store, client, Config(salesforce_objects=OBJECTS), "prod", NOW)
    )
    assert (written, problems) == (0, [])
    assert rows(store, "SELECT count(*), sum(filled) FROM field_fill") == before
    assert rows(store, "SELECT count(*) FROM duplicate_values") == [(2,)]


def test_a_field_salesforce_refuses_to_count_is_left_out_and_the_rest_counted(standin, store):
    # The describe says Phone can be counted; this org's Salesforce says it cannot.
    standin.fail_subrequest(
        "SELECT COUNT(Id), COUNT(AnnualRevenue), COUNT(City)",
        400,
        "MALFORMED_QUERY",
        "\nSELECT COUNT(Id), ...\n^\nERROR at Row:1:Column:8\n"
        "field Phone does not support aggregate operator COUNT",
    )
    report = cycle(store, client_for(standin))
    assert hygiene_problems(report) == []
    fields = {field for (field,) in rows(store, "SELECT field FROM field_fill WHERE object='Lead'")}
    assert "Phone" not in fields and {"Email", "Fax", "City"} <= fields
    assert len(hygiene_calls(standin)) == 3  # one more call for the retried query


def test_a_failed_count_query_is_a_problem_and_the_other_counts_are_stored(standin, store):
    standin.fail_subrequest("GROUP BY Email", 400, "QUERY_TIMEOUT_X", "Your query timed out")
    report = cycle(store, client_for(standin))
    assert hygiene_problems(report) == [
        "hygiene: duplicate Lead.Email values failed (QUERY_TIMEOUT_X: Your query timed out)"
    ]
    assert rows(store, "SELECT count(*) FROM duplicate_summary") == [(0,)]
    assert rows(store, "SELECT count(DISTINCT object) FROM field_fill") == [(5,)]


def test_a_hygiene_pass_that_cannot_reach_salesforce_tries_again_next_time(standin, store):
    client = client_for(standin)
    cycle(store, client)
    standin.fail_next(503, "<html>Service Unavailable</html>", times=client.max_attempts)
    later = NOW + timedelta(days=1)
    written, problems = collect_hygiene(
        Cycle(store, client, Config(salesforce_objects=OBJECTS), "prod", later)
    )
    assert written == 0 and problems and "failed 4 times" in problems[0]
    marks = dict(rows(store, "SELECT name, value FROM watermarks"))
    assert marks["salesforce.hygiene"] == NOW.isoformat()
    assert (
        collect_hygiene(Cycle(store, client, Config(salesforce_objects=OBJECTS), "prod", later))[1]
        == []
    )


def test_collected_duplicates_reach_the_check_masked(standin, store):
    standin.records["Lead"] += [{"Email": f"dup{i}@acme.example"} for i in range(20) for _ in "ab"]
    for row in standin.records["Lead"]:
        row.setdefault("IsConverted", False)
    cycle(store, client_for(standin))
    run_checks(store, "prod", NOW + timedelta(minutes=1), checks=[get_check("duplicate_leads")])
    opened = store.query("findings_open", instance="prod")
    assert opened["subject"].tolist() == ["Lead.Email"]
    text = " ".join(str(v) for v in opened.iloc[0].tolist())
    assert "j***@acme.com" in text and "jane.doe@acme.com" not in text


# -- the stand-in answers these queries the way Salesforce does ---------------------------


@pytest.fixture
def sf(standin: SalesforceStandIn) -> Salesforce:
    return Salesforce(instance_url=standin.url, session_id=standin.token, version="59.0")


def test_standin_counts_several_fields_in_one_aggregate_row(sf: Salesforce):
    result = sf.query("SELECT COUNT(Id), COUNT(Phone), COUNT(Email) FROM Lead")
    assert result["totalSize"] == 1
    record = result["records"][0]
    assert record["attributes"] == {"type": "AggregateResult"}
    assert (record["expr0"], record["expr1"], record["expr2"]) == (49, 10, 47)


def test_standin_refuses_to_count_a_long_text_area_as_salesforce_does(sf: Salesforce):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query("SELECT COUNT(Id), COUNT(Description) FROM Lead")
    error = refused.value.content[0]
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "field Description does not support aggregate operator COUNT" in error["message"]


def test_standin_refuses_a_field_the_object_does_not_have(sf: Salesforce):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query("SELECT COUNT(Id), COUNT(Nope__c) FROM Lead")
    assert refused.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_standin_groups_text_without_regard_to_case_and_honours_having_and_limit(sf: Salesforce):
    query = format_soql(
        "SELECT Email, COUNT(Id) FROM Lead WHERE Email != null AND IsConverted = {} "
        "GROUP BY Email HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC LIMIT 1",
        False,
    )
    records = sf.query(query)["records"]
    assert [(r["Email"], r["expr0"]) for r in records] == [("jane.doe@acme.com", 3)]
