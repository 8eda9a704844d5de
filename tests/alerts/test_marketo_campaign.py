"""The Marketo smart-campaign channel over real HTTPS against the loopback Marketo stand-in
(tests/standins/marketo.py: identity, the campaign trigger endpoint, Marketo's limits and error
envelopes), fed by real finding transitions."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from monitor.alerts.dispatch import process_alerts, queue_report
from monitor.config import Config
from monitor.store import TABLES, Store
from tests.alerts.test_dispatch import T0, WAIT, check, fail_updates
from tests.standins.https import trusted
from tests.standins.marketo import MarketoStandIn, Recorded

CAMPAIGN = 1234
MY_TOKENS = ("{{my.AlertTitle}}", "{{my.AlertDetail}}")
ADMINS = tuple(range(5001, 5251))  # 250 admins: three calls of at most 100


@pytest.fixture
def marketo(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketoStandIn]:
    with trusted(MarketoStandIn(), monkeypatch) as standin:
        standin.add_campaign(CAMPAIGN, MY_TOKENS)
        yield standin


@pytest.fixture
def secrets(marketo: MarketoStandIn) -> dict[str, str]:
    return marketo.secrets()


def trigger_calls(marketo: MarketoStandIn) -> list[Recorded]:
    """Every trigger call the stand-in received, accepted or not."""
    return [r for r in marketo.requests if r.path.endswith(f"/campaigns/{CAMPAIGN}/trigger.json")]


def leads_of(call: Recorded) -> list[int]:
    return [lead["id"] for lead in call.payload["input"]["leads"]]


CONFIG = Config(alert_marketo_campaign_id=CAMPAIGN, alert_marketo_lead_ids=ADMINS)


def open_a_critical(store: Store) -> None:
    fail_updates(store, "Lead_Score__c", 12, T0)
    check(store, T0)


def outbox_row(store: Store):
    return store.query("alert_outbox_recent", limit=10).iloc[0]


def test_an_alert_triggers_the_campaign_for_every_admin_in_calls_of_at_most_100(
    store, marketo, secrets
):
    open_a_critical(store)

    summary = process_alerts(store, CONFIG, T0 + WAIT, secrets=secrets)

    assert (summary.queued, summary.sent, summary.failed) == (1, 1, 0)
    assert [len(t.lead_ids) for t in marketo.triggered] == [100, 100, 50]
    assert sorted(lead for t in marketo.triggered for lead in t.lead_ids) == list(ADMINS)
    assert len(marketo.identity_requests) == 1  # one token for the three calls
    tokens = marketo.triggered[0].tokens
    assert tokens["{{my.AlertTitle}}"] == (
        "[prod] Sync health: Sync updates to Lead.Lead_Score__c fail: the sync user lacks "
        "access (1 opened)"
    )
    assert "permission_failures · Lead.Lead_Score__c<br>" in tokens["{{my.AlertDetail}}"]
    assert outbox_row(store)["channel"] == f"marketo:campaign-{CAMPAIGN}"


def test_the_token_travels_in_the_authorization_header_only_and_the_secret_in_a_form_body(
    store, marketo, secrets
):
    open_a_critical(store)

    process_alerts(store, CONFIG, T0 + WAIT, secrets=secrets)

    [token_request] = marketo.identity_requests
    assert token_request.method == "POST" and token_request.query == {}
    assert not marketo.secret_seen_in_url
    [token] = marketo.tokens_issued()
    assert len(trigger_calls(marketo)) == 3
    for call in trigger_calls(marketo):
        assert call.method == "POST"
        assert call.authorization == f"Bearer {token}"
        assert call.query == {}
        assert token not in str(call.payload)


def test_an_expired_token_is_renewed_once_and_the_call_repeated(store, marketo, secrets):
    open_a_critical(store)
    marketo.fail_next(602, path="trigger.json")

    summary = process_alerts(store, CONFIG, T0 + WAIT, secrets=secrets)

    assert (summary.sent, summary.failed) == (1, 0)
    assert marketo.refused == {"602": 1}
    assert len(marketo.identity_requests) == 2
    assert len(trigger_calls(marketo)) == 4  # the refused call again, then the other two
    assert [len(t.lead_ids) for t in marketo.triggered] == [100, 100, 50]


def test_a_failed_call_is_retried_later_from_the_chunk_where_it_stopped(store, marketo, secrets):
    open_a_critical(store)
    marketo.daily_quota = 1  # the second call of three is refused: 607, no retry today

    failed = process_alerts(store, CONFIG, T0 + WAIT, secrets=secrets)

    assert (failed.sent, failed.failed) == (0, 1)
    row = outbox_row(store)
    assert row["status"] == "failed"
    assert row["error"].startswith("Marketo's daily API quota is used up (607 Daily quota reached)")
    assert row["error"].endswith("(call 2 of 3)")
    marketo.daily_quota = None  # Marketo's midnight
    retried = process_alerts(store, CONFIG, T0 + WAIT + timedelta(minutes=1), secrets=secrets)

    assert (retried.sent, retried.failed) == (1, 0)
    leads = [leads_of(call) for call in trigger_calls(marketo)]
    # The first hundred went out once; the refused hundred and the last fifty on retry.
    assert [len(batch) for batch in leads] == [100, 100, 100, 50]
    assert leads[1] == leads[2]
    assert [len(t.lead_ids) for t in marketo.triggered] == [100, 100, 50]
    assert sorted(lead for t in marketo.triggered for lead in t.lead_ids) == list(ADMINS)


def test_a_rate_limited_call_is_waited_out_within_the_same_send(store, marketo, secrets):
    open_a_critical(store)
    marketo.fail_next(615, path="trigger.json")  # another integration holds the 10 slots

    summary = process_alerts(store, CONFIG, T0 + WAIT, secrets=secrets)

    assert (summary.sent, summary.failed) == (1, 0)
    assert marketo.refused == {"615": 1}
    assert [len(t.lead_ids) for t in marketo.triggered] == [100, 100, 50]


def test_an_odd_answer_fails_the_delivery_in_one_line_instead_of_crashing(store, marketo, secrets):
    open_a_critical(store)
    marketo.answer_next(b'{"success": false, "errors": ["campaign busy"]}', path="trigger.json")

    summary = process_alerts(store, CONFIG, T0 + WAIT, secrets=secrets)

    assert (summary.sent, summary.failed) == (0, 1)
    assert outbox_row(store)["error"] == (
        f"Marketo refused POST /rest/v1/campaigns/{CAMPAIGN}/trigger.json "
        "(success is false without an error code) (call 1 of 3)"
    )


def test_an_unknown_campaign_fails_with_marketos_code(store, marketo, secrets):
    open_a_critical(store)
    config = Config(alert_marketo_campaign_id=999, alert_marketo_lead_ids=ADMINS)

    process_alerts(store, config, T0 + WAIT, secrets=secrets)

    assert outbox_row(store)["error"] == (
        "Marketo refused POST /rest/v1/campaigns/999/trigger.json (1013 Object not found) "
        "(call 1 of 3)"
    )


def test_bad_client_credentials_fail_with_marketos_reason_and_no_secret(store, marketo, secrets):
    open_a_critical(store)

    process_alerts(store, CONFIG, T0 + WAIT, secrets={**secrets, "MARKETO_CLIENT_ID": "other"})

    row = outbox_row(store)
    assert row["status"] == "failed"
    assert row["error"].startswith(
        "Marketo's identity service refused the client credentials (HTTP 401 invalid_client): "
        "check MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET"
    )
    assert row["error"].endswith("(call 1 of 3)")
    assert marketo.client_secret not in row["error"]
    assert trigger_calls(marketo) == []


def test_missing_marketo_credentials_are_reported_by_name(store, marketo, secrets):
    open_a_critical(store)
    partial = {k: v for k, v in secrets.items() if k != "MARKETO_CLIENT_SECRET"}

    summary = process_alerts(store, CONFIG, T0 + WAIT, secrets=partial)

    assert summary.problems == [
        "the Marketo alert campaign needs MARKETO_CLIENT_SECRET (environment or secrets)"
    ]
    assert marketo.requests == [] and marketo.identity_requests == []


def test_a_base_url_that_is_not_a_url_is_reported_by_name(store, marketo, secrets):
    open_a_critical(store)

    summary = process_alerts(
        store, CONFIG, T0 + WAIT, secrets={**secrets, "MARKETO_BASE_URL": "123-ABC-456"}
    )

    assert len(summary.problems) == 1
    assert summary.problems[0].startswith(
        "the Marketo alert campaign: MARKETO_BASE_URL: expected a URL such as "
        "https://123-ABC-456.mktorest.com/rest"
    )
    assert marketo.requests == []


def test_reports_are_not_sent_to_the_campaign(store, marketo, secrets, tmp_path):
    report = tmp_path / "report.html"
    report.write_text("<html></html>", encoding="utf-8")

    assert queue_report(store, CONFIG, [report], T0, secrets=secrets) == 0


def test_the_client_secret_and_token_never_reach_the_database_or_logs(
    store, marketo, secrets, caplog
):
    caplog.set_level(logging.DEBUG)
    open_a_critical(store)
    marketo.fail_http(503, b"busy", path="trigger.json")
    marketo.fail_next(607, path="trigger.json")
    process_alerts(store, CONFIG, T0 + WAIT, secrets=secrets)
    assert outbox_row(store)["status"] == "failed"
    process_alerts(store, CONFIG, T0 + WAIT + timedelta(minutes=1), secrets=secrets)

    assert outbox_row(store)["status"] == "sent"
    said = caplog.text
    with store.read() as con:
        said += " ".join(con.execute(f"SELECT * FROM {t}").df().to_csv() for t in sorted(TABLES))
    files = b"".join(p.read_bytes() for p in store.path.parent.glob("monitor.duckdb*"))
    assert marketo.tokens_issued()
    for secret in (marketo.client_secret, *marketo.tokens_issued()):
        assert secret not in said
        assert secret.encode() not in files
