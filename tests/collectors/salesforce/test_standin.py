"""The Salesforce stand-in speaks what the real simple-salesforce client expects.

Every test drives a real ``simple_salesforce.Salesforce`` over real HTTPS (trustme CA),
and compares answers with the real payloads in tests/fixtures/real/salesforce/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from tests.conftest import REAL_FIXTURES
from tests.standins.https import trusted
from tests.standins.salesforce import (
    SYNC_USER_ID,
    SYNC_USERNAME,
    SalesforceStandIn,
    lead_describe_with_formula,
)

REAL_SALESFORCE = REAL_FIXTURES / "salesforce"


def real(name: str):
    return json.loads((REAL_SALESFORCE / name).read_text(encoding="utf-8"))


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceStandIn]:
    with trusted(SalesforceStandIn(REAL_SALESFORCE), monkeypatch) as running:
        yield running


@pytest.fixture
def sf(standin: SalesforceStandIn) -> Salesforce:
    return Salesforce(instance_url=standin.url, session_id=standin.token, version="59.0")


def count_url(sobject: str, operator: str) -> str:
    soql = format_soql(
        "SELECT COUNT() FROM {:literal} WHERE LastModifiedDate > 2026-11-20T14:05:00Z"
        " AND LastModifiedById {:literal} {}",
        sobject,
        operator,
        SYNC_USER_ID,
    )
    return "/services/data/v59.0/query?" + urlencode({"q": soql})


def composite(sf: Salesforce, subrequests: list[dict], all_or_none: bool = False) -> dict:
    body = {"allOrNone": all_or_none, "compositeRequest": subrequests}
    return sf.restful("composite", method="POST", json=body)


def test_lead_describe_is_the_real_v59_payload(sf: Salesforce) -> None:
    assert sf.Lead.describe() == real("sobject_describe_lead_v59.json")


def test_account_and_contact_describes_are_the_real_payloads(sf: Salesforce) -> None:
    assert sf.Account.describe() == real("sobject_describe_account_with_formula_field_v53.json")
    assert sf.Contact.describe() == real("sobject_describe_contact.json")


def test_formula_variant_adds_one_calculated_field_to_the_real_lead(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.describes["Lead"] = lead_describe_with_formula()

    fields = {field["name"]: field for field in sf.Lead.describe()["fields"]}

    original = real("sobject_describe_lead_v59.json")["fields"]
    assert len(fields) == len(original) + 1
    age = fields["Lead_Age__c"]
    assert age["calculated"] is True
    assert age["calculatedFormula"] == "TODAY() - DATEVALUE(CreatedDate)"
    assert (age["updateable"], age["createable"], age["type"]) == (False, False, "double")
    assert not any(field["calculated"] for field in original)


def test_other_known_objects_get_a_contact_shaped_describe_under_their_own_name(
    sf: Salesforce,
) -> None:
    describe = sf.Opportunity.describe()

    assert (describe["name"], describe["keyPrefix"]) == ("Opportunity", "006")
    assert describe["urls"]["describe"] == "/services/data/v59.0/sobjects/Opportunity/describe"


def test_describe_of_an_unknown_object_is_the_real_404(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.Xyzzy__c.describe()

    assert (
        raised.value.content
        == real("composite_error_not_found_404.json")["compositeResponse"][0]["body"]
    )


def test_describe_global_is_the_real_subset_at_the_requested_version(sf: Salesforce) -> None:
    described = sf.describe()

    names = [entry["name"] for entry in described["sobjects"]]
    assert names == [entry["name"] for entry in real("describe_global_subset.json")["sobjects"]]
    lead = next(entry for entry in described["sobjects"] if entry["name"] == "Lead")
    assert lead["urls"]["describe"] == "/services/data/v59.0/sobjects/Lead/describe"


def test_limits_are_the_real_dev_org_payload(sf: Salesforce) -> None:
    assert sf.limits() == real("limits_response_devorg.json")


def test_api_usage_is_parsed_from_the_sforce_limit_info_header(sf: Salesforce) -> None:
    sf.limits()
    sf.limits()
    sf.limits()

    usage = sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (3, 15000)


def test_count_queries_answer_the_scripted_others_and_sync_counts(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.counts[("Lead", "others")] = 12
    standin.counts[("Lead", "sync")] = 340
    where = "WHERE LastModifiedDate > 2026-11-20T14:05:00Z AND LastModifiedById"

    others = sf.query(format_soql(f"SELECT COUNT() FROM Lead {where} != {{}}", SYNC_USER_ID))
    sync = sf.query(format_soql(f"select count() from lead {where} = {{}}", SYNC_USER_ID))

    assert others == {"totalSize": 12, "done": True, "records": []}
    assert sync["totalSize"] == 340


def test_modifiers_come_back_as_aggregate_results_named_like_salesforce(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.modifiers["Lead"] = [
        ("005000000000002AAA", "Ann O'Brien", 3),
        (SYNC_USER_ID, "Marketo Sync", 900),
        ("005000000000003AAA", "Bo", 7),
    ]
    soql = format_soql(
        "SELECT LastModifiedById, LastModifiedBy.Name, COUNT(Id) FROM Lead"
        " WHERE LastModifiedDate > 2026-11-20T14:05:00Z AND LastModifiedById != {}"
        " GROUP BY LastModifiedById, LastModifiedBy.Name ORDER BY COUNT(Id) DESC",
        SYNC_USER_ID,
    )

    records = sf.query(soql)["records"]

    shape = real("query_aggregate_count.json")["records"][0]
    assert records == [
        {"attributes": shape["attributes"], "LastModifiedById": user, "Name": name, "expr0": n}
        for user, name, n in [
            ("005000000000003AAA", "Bo", 7),
            ("005000000000002AAA", "Ann O'Brien", 3),
        ]
    ]


def test_user_lookup_reads_escaped_quotes_in_the_username(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.users["o'brien@acme.example"] = {
        "Id": "005000000000002AAA",
        "Username": "o'brien@acme.example",
        "Name": "Ann O'Brien",
    }
    soql = "SELECT Id, Username, Name FROM User WHERE Username = {}"

    found = sf.query(format_soql(soql, "o'brien@acme.example"))
    missing = sf.query(format_soql(soql, "nobody@acme.example"))

    assert [record["Id"] for record in found["records"]] == ["005000000000002AAA"]
    assert found["records"][0]["attributes"]["type"] == "User"
    assert missing == {"totalSize": 0, "done": True, "records": []}


def test_query_all_follows_next_records_url_over_several_pages(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.page_size = 2
    standin.field_permissions = [
        {
            "SobjectType": "Lead",
            "Field": f"Lead.Field{n}__c",
            "PermissionsRead": True,
            "PermissionsEdit": n % 2 == 0,
        }
        for n in range(5)
    ]
    soql = "SELECT SobjectType, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions"

    result = sf.query_all(soql + format_soql(" WHERE SobjectType IN {}", ["Lead", "Contact"]))

    assert [record["Field"] for record in result["records"]] == [
        f"Lead.Field{n}__c" for n in range(5)
    ]
    assert result["records"][0]["attributes"]["type"] == "FieldPermissions"
    paths = [request.path for request in standin.requests]
    assert paths[0] == "/services/data/v59.0/query/"
    assert [path.rsplit("-", 1)[-1] for path in paths[1:]] == ["2", "4"]
    assert standin.calls() == 3


def test_object_permission_rows_are_filtered_on_their_own_columns(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.object_permissions = [
        {
            "SobjectType": "Lead",
            "PermissionsRead": True,
            "PermissionsCreate": True,
            "PermissionsEdit": False,
        },
        {
            "SobjectType": "Campaign",
            "PermissionsRead": True,
            "PermissionsCreate": False,
            "PermissionsEdit": False,
        },
    ]

    result = sf.query(
        "SELECT SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit"
        " FROM ObjectPermissions WHERE SobjectType = 'Lead'"
    )

    assert [record["SobjectType"] for record in result["records"]] == ["Lead"]


def test_unrecognised_query_is_malformed(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query("SELECT Id, Email FROM Lead")

    assert raised.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_composite_count_answers_match_the_real_partial_failure(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.counts[("Account", "others")] = 17
    subrequests = [
        {
            "method": "GET",
            "url": "/services/data/v59.0/query?q=select+count()+from+Account",
            "referenceId": "refAccount",
        },
        {
            "method": "GET",
            "url": "/services/data/v59.0/query?q=select+count()+from+XYZZY",
            "referenceId": "refXYZZY",
        },
    ]

    answer = composite(sf, subrequests)

    assert answer == real("composite_partial_failure_invalid_type.json")


def test_composite_of_22_subrequests_is_one_call_answered_by_reference_id(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    objects = ["Lead", "Contact", "Account", "Campaign", "CampaignMember"]
    for n, sobject in enumerate(objects):
        standin.counts[(sobject, "others")] = n + 1
    queries = [
        {"method": "GET", "url": count_url(sobject, "!="), "referenceId": f"count_{sobject}"}
        for sobject in objects
    ]
    describes = [
        {
            "method": "GET",
            "url": f"/services/data/v59.0/sobjects/{sobject}/describe",
            "referenceId": f"describe_{n}",
        }
        for n, sobject in enumerate(objects * 4)
    ][:17]

    answer = composite(sf, queries + describes)

    by_reference = {sub["referenceId"]: sub for sub in answer["compositeResponse"]}
    assert len(by_reference) == 22
    assert [by_reference[f"count_{s}"]["body"]["totalSize"] for s in objects] == [1, 2, 3, 4, 5]
    assert by_reference["describe_0"]["body"] == real("sobject_describe_lead_v59.json")
    assert {sub["httpStatusCode"] for sub in answer["compositeResponse"]} == {200}
    assert standin.calls() == 1
    assert sf.api_usage["api-usage"].used == 1
    assert len(standin.subrequests) == 22


def test_composite_refuses_more_than_25_subrequests_or_more_than_5_queries(
    sf: Salesforce,
) -> None:
    describe = {"method": "GET", "url": "/services/data/v59.0/sobjects/Lead/describe"}
    too_many = [{**describe, "referenceId": f"r{n}"} for n in range(26)]
    six_queries = [
        {"method": "GET", "url": count_url("Lead", "="), "referenceId": f"q{n}"} for n in range(6)
    ]

    for subrequests in (too_many, six_queries):
        with pytest.raises(SalesforceMalformedRequest) as raised:
            composite(sf, subrequests)
        assert raised.value.content[0]["errorCode"] == "LIMIT_EXCEEDED"


def test_fail_subrequest_fails_only_the_matching_subrequest_for_the_given_times(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.fail_subrequest("FROM Contact", 400, "INVALID_FIELD", "No such column", times=1)
    subrequests = [
        {"method": "GET", "url": count_url(sobject, "!="), "referenceId": sobject}
        for sobject in ("Lead", "Contact")
    ]

    first = composite(sf, subrequests)["compositeResponse"]
    second = composite(sf, subrequests)["compositeResponse"]

    assert [sub["httpStatusCode"] for sub in first] == [200, 400]
    assert first[1]["body"] == [{"message": "No such column", "errorCode": "INVALID_FIELD"}]
    assert [sub["httpStatusCode"] for sub in second] == [200, 200]


def test_all_or_none_halts_the_subrequests_that_succeeded(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.fail_subrequest("Contact", 400, "INVALID_FIELD", "No such column")
    subrequests = [
        {"method": "GET", "url": count_url(sobject, "!="), "referenceId": sobject}
        for sobject in ("Lead", "Contact")
    ]

    answers = composite(sf, subrequests, all_or_none=True)["compositeResponse"]

    halted = real("composite_allornone_failure_processing_halted.json")["compositeResponse"][0]
    assert answers[0]["body"] == halted["body"]
    assert [sub["httpStatusCode"] for sub in answers] == [400, 400]


def test_fail_next_fails_exactly_the_next_request(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.fail_next(503)
    with pytest.raises(SalesforceGeneralError) as raised:
        sf.limits()
    assert raised.value.status == 503

    assert sf.limits() == real("limits_response_devorg.json")


def test_fail_next_can_send_an_html_error_page_several_times(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    standin.fail_next(502, "<html><body>Bad Gateway</body></html>", times=2)

    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as raised:
            sf.query("SELECT COUNT() FROM Lead")
        assert raised.value.content == "<html><body>Bad Gateway</body></html>"
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0


def test_a_bad_token_is_an_expired_session(standin: SalesforceStandIn) -> None:
    stale = Salesforce(instance_url=standin.url, session_id="00D!stale", version="59.0")

    with pytest.raises(SalesforceExpiredSession) as raised:
        stale.limits()

    assert raised.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_userinfo_names_the_sync_user(sf: Salesforce) -> None:
    info = sf.oauth2("userinfo")

    assert (info["user_id"], info["preferred_username"]) == (SYNC_USER_ID, SYNC_USERNAME)
    assert info["organization_id"] == "00D000000000001AAA"


def test_every_request_is_recorded_with_its_query_and_body(
    standin: SalesforceStandIn, sf: Salesforce
) -> None:
    sf.query("SELECT COUNT() FROM Lead")
    composite(sf, [{"method": "GET", "url": count_url("Lead", "="), "referenceId": "r1"}])

    query, posted = standin.requests
    assert (query.method, query.path, query.soql) == (
        "GET",
        "/services/data/v59.0/query/",
        "SELECT COUNT() FROM Lead",
    )
    assert (posted.method, posted.path) == ("POST", "/services/data/v59.0/composite")
    assert posted.json["compositeRequest"][0]["referenceId"] == "r1"
    assert standin.subrequests[0].soql.startswith("SELECT COUNT() FROM Lead WHERE")
