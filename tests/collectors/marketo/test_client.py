"""MarketoClient over real HTTPS against the loopback stand-in: the token flow, the limits kept
by construction, the retries and the error mapping, and no secret in any message."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest

from monitor.collectors.marketo.client import (
    DailyQuotaExceeded,
    MarketoClient,
    MarketoLogin,
    MarketoRefused,
    RateLimiter,
    marketo_login_from,
)
from monitor.errors import ConfigError, SourceError
from tests.standins.https import trusted
from tests.standins.marketo import API_USER, MarketoStandIn


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketoStandIn]:
    with trusted(MarketoStandIn(), monkeypatch) as running:
        yield running


class Sleeps(list):
    """The backoff a client asked for, without waiting for it."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(standin: MarketoStandIn, **options) -> MarketoClient:
    options.setdefault("sleep", Sleeps())
    return MarketoClient(marketo_login_from(standin.secrets()), **options)


def test_the_token_is_fetched_once_and_sent_only_in_the_authorization_header(standin):
    client = client_for(standin)
    for _ in range(3):
        client.get("v1/stats/usage.json")
    assert len(standin.identity_requests) == 1 and client.token_requests == 1
    token_request = standin.identity_requests[0]
    assert token_request.method == "POST" and token_request.query == {}
    assert token_request.form["client_secret"] == [standin.client_secret]
    assert not standin.secret_seen_in_url
    for request in standin.requests:
        assert request.authorization.startswith("Bearer ") and request.authorization.endswith(
            ":int"
        )
        assert "access_token" not in request.query
    assert client.api_user == API_USER
    assert client.calls == 3


def test_an_invalid_token_601_brings_a_token_request_and_the_same_call_again(standin):
    client = client_for(standin)
    client.get("v1/stats/usage.json")
    standin.fail_next(601)
    body = client.get("v1/stats/errors.json")
    assert body["success"] is True
    assert client.token_requests == 2
    assert [r.path for r in standin.requests] == [
        "/rest/v1/stats/usage.json",
        "/rest/v1/stats/errors.json",
        "/rest/v1/stats/errors.json",
    ]


def test_an_expired_token_602_is_renewed(standin):
    client = client_for(standin)
    client.get("v1/stats/usage.json")
    standin.expire_tokens()
    assert client.get("v1/stats/usage.json")["success"] is True
    assert standin.refused == {"602": 1} and client.token_requests == 2


def test_a_token_past_its_lifetime_is_replaced_before_the_call_not_after_a_refusal(standin):
    now = [0.0]
    client = client_for(standin, clock=lambda: now[0])
    client.get("v1/stats/usage.json")
    standin.expire_tokens()
    now[0] = 3600.0  # the client's clock says the token's expires_in has passed
    client.get("v1/stats/usage.json")
    assert client.token_requests == 2 and standin.refused == {}


def test_a_refused_new_token_is_a_source_error_not_a_loop(standin):
    client = client_for(standin)
    standin.fail_next(601, times=5)
    with pytest.raises(SourceError, match="refused a freshly issued access token"):
        client.get("v1/stats/usage.json")
    assert standin.rest_calls() == 2  # the call, one new token, the call again


@pytest.mark.parametrize("code", ["606", "615"])
def test_rate_and_concurrency_refusals_back_off_then_succeed(standin, code):
    sleeps = Sleeps()
    client = client_for(standin, sleep=sleeps)
    standin.fail_next(code, times=2)
    assert client.get("v1/stats/usage.json")["success"] is True
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] > 0
    if code == "606":
        # Marketo's window is 20 s: the waits add up to most of one.
        assert sum(sleeps) >= 8


@pytest.mark.parametrize("code", ["604", "608", "611", "713"])
def test_transient_codes_are_retried(standin, code):
    client = client_for(standin)
    standin.fail_next(code)
    assert client.get("v1/stats/usage.json")["success"] is True
    assert standin.rest_calls() == 2


def test_a_transient_code_that_persists_fails_after_the_bounded_attempts(standin):
    client = client_for(standin, max_attempts=3)
    standin.fail_next(611, times=10)
    with pytest.raises(SourceError, match=r"failed 3 times \(611 System error\)"):
        client.get("v1/stats/usage.json")
    assert standin.rest_calls() == 3


def test_a_gateway_error_page_is_retried(standin):
    client = client_for(standin)
    standin.fail_http(502, b"<html>Bad Gateway</html>")
    assert client.get("v1/stats/usage.json")["success"] is True


def test_607_stops_at_once_with_a_clear_source_error(standin):
    client = client_for(standin)
    standin.fail_next(607)
    with pytest.raises(DailyQuotaExceeded) as caught:
        client.get("v1/stats/usage.json")
    assert standin.rest_calls() == 1
    assert "daily API quota is used up (607 Daily quota reached)" in str(caught.value)
    assert "00:00 US Central time" in str(caught.value)


def test_603_is_a_refusal_naming_what_to_grant(standin):
    client = client_for(standin)
    standin.fail_next(603)
    with pytest.raises(MarketoRefused) as caught:
        client.get("v1/activities/types.json")
    assert caught.value.code == "603"
    assert "Read-Only Activity Metadata" in str(caught.value)


def test_a_wrong_secret_is_one_sentence_without_the_secret(standin, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = {**standin.secrets(), "MARKETO_CLIENT_SECRET": "wrong-secret-4711"}
    client = MarketoClient(marketo_login_from(secrets), sleep=Sleeps())
    with pytest.raises(SourceError) as caught:
        client.get("v1/stats/usage.json")
    message = str(caught.value)
    assert "refused the client credentials (HTTP 401 invalid_client)" in message
    assert "MARKETO_CLIENT_SECRET" in message
    assert "wrong-secret-4711" not in message + caplog.text
    assert standin.rest_calls() == 0


def test_an_unreachable_identity_service_names_the_host_but_no_secret(standin, caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    secrets = {**standin.secrets(), "MARKETO_IDENTITY_URL": f"https://127.0.0.1:{port}/identity"}
    client = MarketoClient(marketo_login_from(secrets), max_attempts=2, sleep=Sleeps())
    with pytest.raises(SourceError) as caught:
        client.get("v1/stats/usage.json")
    assert f"cannot reach Marketo's identity service at 127.0.0.1:{port}" in str(caught.value)
    assert standin.client_secret not in str(caught.value) + caplog.text


def test_secrets_never_reach_the_log_even_at_debug_level(standin, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(standin)
    standin.fail_next(606)
    client.get("v1/stats/usage.json")
    token = standin.requests[0].authorization.removeprefix("Bearer ")
    assert caplog.text  # urllib3 and our retry did log
    assert standin.client_secret not in caplog.text and token not in caplog.text


def test_the_rate_limiter_keeps_marketos_window_as_marketo_counts_it(standin):
    # Marketo's limits scaled down (5 calls per 0.5 s) so the test takes about 2 s.
    standin.rate_calls, standin.rate_seconds = 5, 0.5
    client = client_for(standin, limiter=RateLimiter(calls=5, seconds=0.5))
    for _ in range(20):
        client.get("v1/stats/usage.json")
    assert standin.refused == {}
    arrivals = [r.received_at for r in standin.requests]
    assert all(
        later - earlier >= 0.5 for earlier, later in zip(arrivals, arrivals[5:], strict=False)
    )


def test_no_more_than_ten_calls_run_at_once_however_many_threads_call(standin):
    standin.delay_seconds = 0.05
    client = client_for(standin)
    client.get("v1/stats/usage.json")  # the token first, so every thread shares it
    failures: list[Exception] = []

    def call() -> None:
        try:
            for _ in range(3):
                client.get("v1/stats/usage.json")
        except Exception as exc:  # collected, asserted below
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert 2 <= standin.peak_concurrent <= 10 and standin.refused == {}
    assert client.calls == 91


def test_login_from_secrets_needs_all_four_names(standin):
    assert marketo_login_from({"SALESFORCE_INSTANCE_URL": "https://x"}) is None
    with pytest.raises(ConfigError) as caught:
        marketo_login_from({"MARKETO_CLIENT_ID": "id", "MARKETO_CLIENT_SECRET": "s3cr3t"})
    assert "MARKETO_IDENTITY_URL, MARKETO_BASE_URL" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
    with pytest.raises(ConfigError, match="MARKETO_BASE_URL: expected a URL"):
        marketo_login_from({**standin.secrets(), "MARKETO_BASE_URL": "123-ABC-456.mktorest.com"})
    login = marketo_login_from({**standin.secrets(), "MARKETO_BASE_URL": standin.url + "/rest/"})
    assert isinstance(login, MarketoLogin) and login.base_url == standin.url + "/rest"
    assert standin.client_secret not in repr(login) + login.describe()


def test_a_campaign_trigger_goes_through_the_same_token_and_refusal_handling(standin):
    standin.add_campaign(1234, ("{{my.AlertTitle}}",))
    client = client_for(standin)
    client.get("v1/stats/usage.json")
    standin.expire_tokens()

    answer = client.trigger_campaign(1234, [7, 8], {"{{my.AlertTitle}}": "Sync down"})

    assert answer["success"] is True and client.token_requests == 2
    assert standin.refused == {"602": 1}
    assert [(t.lead_ids, t.tokens) for t in standin.triggered] == [
        ((7, 8), {"{{my.AlertTitle}}": "Sync down"})
    ]
    with pytest.raises(MarketoRefused, match=r"POST /rest/v1/campaigns/99/trigger\.json \(1013"):
        client.trigger_campaign(99, [7], {})
    standin.fail_next(607, path="trigger.json")
    with pytest.raises(DailyQuotaExceeded):
        client.trigger_campaign(1234, [7], {})


def test_a_campaign_trigger_of_more_than_100_leads_is_refused_before_any_call(standin):
    client = client_for(standin)
    with pytest.raises(ValueError, match="1 to 100 leads"):
        client.trigger_campaign(1234, list(range(101)), {})
    assert standin.rest_calls() == 0 and client.token_requests == 0


def test_clients_of_one_subscription_share_one_rate_limit_window(standin):
    with MarketoStandIn() as other:
        assert client_for(standin).limiter is client_for(standin).limiter
        assert client_for(standin).limiter is not client_for(other).limiter
