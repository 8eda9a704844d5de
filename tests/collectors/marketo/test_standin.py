"""The Marketo stand-in answers like Marketo, with the real payloads, to a plain HTTP client.

These tests use `requests` directly (not the monitor's client), so they pin what the stand-in
does and the collector's tests can rely on it."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.standins.https import trusted
from tests.standins.marketo import (
    API_USER,
    REAL_MARKETO,
    MarketoStandIn,
    load_fixture,
)

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketoStandIn]:
    with trusted(MarketoStandIn(), monkeypatch) as running:
        yield running


@pytest.fixture
def http(standin: MarketoStandIn) -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def credentials(standin: MarketoStandIn, secret: str | None = None) -> dict[str, str]:
    """The client-credentials grant of the stand-in's API user (or with another `secret`)."""
    return {
        "grant_type": "client_credentials",
        "client_id": standin.client_id,
        "client_secret": standin.client_secret if secret is None else secret,
    }


def token_for(standin: MarketoStandIn, http: requests.Session) -> str:
    answer = http.post(f"{standin.url}/identity/oauth/token", data=credentials(standin))
    return answer.json()["access_token"]


def rest(standin, http, path, token, **params) -> dict:
    answer = http.get(
        f"{standin.url}/rest/{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    return answer.json()


def test_identity_answers_the_real_token_shape_and_the_same_token_while_it_is_valid(standin, http):
    first = http.post(f"{standin.url}/identity/oauth/token", data=credentials(standin)).json()
    real = load_fixture("identity_oauth_token_response_doc.json")
    assert set(first) == set(real)
    assert first["token_type"] == "bearer" and first["scope"] == API_USER
    assert first["access_token"].endswith(":int") and 3590 <= first["expires_in"] <= 3600
    # The documented GET form with query parameters is answered too, with the same token.
    second = http.get(f"{standin.url}/identity/oauth/token", params=credentials(standin)).json()
    assert second["access_token"] == first["access_token"]
    assert standin.secret_seen_in_url


def test_identity_refuses_a_wrong_secret_with_401(standin, http):
    answer = http.post(f"{standin.url}/identity/oauth/token", data=credentials(standin, secret="x"))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_a_token_in_the_query_string_is_refused_like_marketo_since_the_header_took_over(
    standin, http
):
    token = token_for(standin, http)
    answer = http.get(
        f"{standin.url}/rest/v1/activities/types.json", params={"access_token": token}
    ).json()
    real = load_fixture("error_response_level_601_doc.json")
    assert set(answer) == set(real)
    assert answer["success"] is False and answer["errors"][0]["code"] == "601"
    assert rest(standin, http, "v1/activities/types.json", token)["success"] is True


def test_expired_tokens_are_answered_602(standin, http):
    token = token_for(standin, http)
    standin.expire_tokens()
    answer = rest(standin, http, "v1/stats/usage.json", token)
    assert answer["errors"] == [{"code": "602", "message": "Access token expired"}]
    assert token_for(standin, http) != token


def test_activity_types_hold_the_docs_example_and_every_sfdc_type(standin, http):
    types = rest(standin, http, "v1/activities/types.json", token_for(standin, http))["result"]
    by_name = {t["name"]: t for t in types}
    assert by_name["Fill Out Form"]["id"] == 2  # the docs' example, parsed with its "{" added
    assert by_name["Fill Out Form"]["primaryAttribute"]["name"] == "Webform ID"
    assert by_name["Sync Lead to SFDC"]["id"] == 19
    assert by_name["Push Lead to Marketo"]["id"] == 145
    assert [a["name"] for a in by_name["Change Data Value"]["attributes"]][:2] == [
        "Reason",
        "Attribute Name",
    ]
    standin.renumber_type("Push Lead to Marketo", 100145)
    types = rest(standin, http, "v1/activities/types.json", token_for(standin, http))["result"]
    assert {t["name"]: t["id"] for t in types}["Push Lead to Marketo"] == 100145


def test_paging_tokens_look_like_the_docs_older_tokens(standin, http):
    body = rest(
        standin,
        http,
        "v1/activities/pagingtoken.json",
        token_for(standin, http),
        sinceDatetime="2026-11-20T14:00:00Z",
    )
    real = (REAL_MARKETO / "activities_pagingtoken_response_doc.json.txt").read_text()
    assert all(f'"{key}"' in real for key in body)  # the same keys as the docs' example
    decoded = base64.b32decode(body["nextPageToken"]).decode()
    assert decoded == "2026-11-20T14:00:00.000+0000,0"


def test_pages_may_be_short_or_empty_while_more_results_wait(standin, http):
    token = token_for(standin, http)
    for minute in range(12):
        name = "Sync Lead to SFDC" if minute % 6 == 0 else "Open Email"
        standin.add_activity(name, T0 + timedelta(minutes=minute))
    standin.scan_size = 3
    page_token = rest(
        standin, http, "v1/activities/pagingtoken.json", token, sinceDatetime="2026-11-20T13:00:00Z"
    )["nextPageToken"]
    pages = []
    while True:
        page = rest(
            standin,
            http,
            "v1/activities.json",
            token,
            nextPageToken=page_token,
            activityTypeIds=["19"],
        )
        pages.append(page)
        page_token = page["nextPageToken"]
        if not page["moreResult"]:
            break
    # Three log entries scanned per page: a page without a match has no "result" at all.
    assert [len(page.get("result", [])) for page in pages] == [1, 0, 1, 0]
    assert [page["moreResult"] for page in pages] == [True, True, True, False]
    assert "result" not in pages[1]
    real = load_fixture("activities_get_lead_activities_response_doc.json")
    record = next(page["result"][0] for page in pages if page.get("result"))
    assert set(record) == set(real["result"][0])


def test_more_than_ten_activity_type_ids_are_refused(standin, http):
    token = token_for(standin, http)
    page_token = rest(
        standin, http, "v1/activities/pagingtoken.json", token, sinceDatetime="2026-11-20T13:00:00Z"
    )["nextPageToken"]
    answer = rest(
        standin,
        http,
        "v1/activities.json",
        token,
        nextPageToken=page_token,
        activityTypeIds=",".join(str(i) for i in range(1, 12)),
    )
    assert answer["success"] is False and answer["errors"][0]["code"] == "1003"


def test_usage_and_error_statistics_are_the_real_payloads(standin, http):
    token = token_for(standin, http)
    assert rest(standin, http, "v1/stats/usage.json", token) == load_fixture(
        "stats_usage_response_doc.json"
    )
    assert rest(standin, http, "v1/stats/errors.json", token) == load_fixture(
        "stats_errors_response_doc.json"
    )


def test_fail_next_answers_the_real_envelope_for_the_matching_path_only(standin, http):
    token = token_for(standin, http)
    standin.fail_next(607, path="stats/usage")
    assert rest(standin, http, "v1/stats/errors.json", token)["success"] is True
    refused = rest(standin, http, "v1/stats/usage.json", token)
    assert refused["errors"] == [{"code": "607", "message": "Daily quota reached"}]
    assert rest(standin, http, "v1/stats/usage.json", token)["success"] is True


def test_a_burst_past_the_rate_limit_is_answered_606(standin, http):
    standin.rate_calls, standin.rate_seconds = 5, 60.0
    token = token_for(standin, http)
    codes = [
        (rest(standin, http, "v1/stats/usage.json", token).get("errors") or [{}])[0].get("code")
        for _ in range(7)
    ]
    assert codes == [None] * 5 + ["606", "606"]


def test_more_than_ten_calls_at_once_are_answered_615(standin):
    standin.delay_seconds = 0.3
    barrier = threading.Barrier(14)
    codes: list[str | None] = []

    def call() -> None:
        with requests.Session() as session:
            token = token_for(standin, session)
            barrier.wait()
            body = rest(standin, session, "v1/stats/usage.json", token)
            codes.append((body.get("errors") or [{}])[0].get("code"))

    threads = [threading.Thread(target=call) for _ in range(14)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert standin.peak_concurrent > 10
    assert codes.count("615") >= 1 and codes.count(None) >= 10
    assert json.dumps(standin.refused) == json.dumps({"615": codes.count("615")})


def trigger(standin, http, campaign, token, leads, tokens=None, **headers) -> dict:
    body = {"input": {"leads": [{"id": lead} for lead in leads]}}
    if tokens is not None:
        body["input"]["tokens"] = [{"name": k, "value": v} for k, v in tokens.items()]
    answer = http.post(
        f"{standin.url}/rest/v1/campaigns/{campaign}/trigger.json",
        json=body,
        headers={"Authorization": f"Bearer {token}", **headers},
    )
    assert answer.status_code == 200
    return answer.json()


def test_a_campaign_trigger_takes_up_to_100_leads_and_the_programs_my_tokens(standin, http):
    standin.add_campaign(1234, ("{{my.AlertTitle}}",))
    token = token_for(standin, http)

    answer = trigger(standin, http, 1234, token, range(1, 101), {"{{my.AlertTitle}}": "Hi"})

    assert answer["success"] is True and answer["result"] == [{"id": 1234}]
    [triggered] = standin.triggered
    assert triggered.lead_ids == tuple(range(1, 101))
    assert triggered.tokens == {"{{my.AlertTitle}}": "Hi"}


def test_a_campaign_trigger_is_refused_like_marketo_refuses_it(standin, http):
    standin.add_campaign(1234, ("{{my.AlertTitle}}",))
    token = token_for(standin, http)

    def code(answer: dict) -> str:
        return answer["errors"][0]["code"]

    assert code(trigger(standin, http, 1234, "not-a-token", [1])) == "601"
    assert code(trigger(standin, http, 1234, token, range(101))) == "1003"
    assert code(trigger(standin, http, 1234, token, [1], {"{{my.Other}}": "x"})) == "1003"
    assert code(trigger(standin, http, 1234, token, [])) == "701"
    assert code(trigger(standin, http, 999, token, [1])) == "1013"
    assert standin.triggered == []
