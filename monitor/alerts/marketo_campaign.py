"""Alert channel: trigger a Marketo smart campaign that emails the admins from Marketo itself.

    POST <base>/v1/campaigns/{id}/trigger.json
         {"input": {"leads": [{"id": 1}, ...], "tokens": [{"name": "{{my.AlertTitle}}", ...}]}}

The campaign needs a "Campaign is Requested" trigger with source "Web Service API", and the
program the My Tokens {{my.AlertTitle}} and {{my.AlertDetail}}. Marketo takes at most 100 leads
per call, so the admins are triggered in chunks; `parts_done` lets a retry resume after the
chunks that already went out. The calls go through the collector's MarketoClient
(monitor/collectors/marketo/client.py): the same token handling (renewed on 601/602), rate
limiter, retries of 606/615 and transient codes, 607 and error wording, and no secret in any
message.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.alerts.channels import REDACTOR, Delivery, OutgoingMessage
from monitor.collectors.marketo.client import (
    LEADS_PER_TRIGGER,
    MarketoClient,
    MarketoLogin,
    marketo_login_from,
)
from monitor.config import Config
from monitor.config.secret_names import MARKETO_VARIABLES
from monitor.errors import ConfigError, SourceError

TITLE_TOKEN = "{{my.AlertTitle}}"
DETAIL_TOKEN = "{{my.AlertDetail}}"


@dataclass(frozen=True)
class MarketoCampaign:
    """Where and whom to trigger; the login keeps its secret out of repr."""

    login: MarketoLogin
    campaign_id: int
    lead_ids: tuple[int, ...]


def campaign_from(config: Config, secrets: Mapping[str, str]) -> MarketoCampaign | str | None:
    """The configured campaign, None when off, or a one-line problem (no secret in it)."""
    if not config.alert_marketo_campaign_id:
        return None
    missing = [name for name in MARKETO_VARIABLES if not secrets.get(name, "").strip()]
    if missing:
        return f"the Marketo alert campaign needs {', '.join(missing)} (environment or secrets)"
    if not config.alert_marketo_lead_ids:
        return "the Marketo alert campaign needs alert_marketo_lead_ids (the admins to email)"
    try:
        login = marketo_login_from(secrets)
    except ConfigError as exc:  # a URL that is not one; the message names the variable
        return f"the Marketo alert campaign: {exc}"
    assert login is not None  # every variable is set
    REDACTOR.add(login.client_secret)
    return MarketoCampaign(
        login=login,
        campaign_id=config.alert_marketo_campaign_id,
        lead_ids=tuple(config.alert_marketo_lead_ids),
    )


def chunks(lead_ids: tuple[int, ...], size: int = LEADS_PER_TRIGGER) -> list[tuple[int, ...]]:
    """Lead ids in calls of at most `size`."""
    return [lead_ids[start : start + size] for start in range(0, len(lead_ids), size)]


def detail_token(body: str) -> str:
    """The alert body as a text token: HTML-escaped, line breaks kept (emails are HTML)."""
    return "<br>\n".join(html.escape(line) for line in body.splitlines())


@dataclass(frozen=True)
class MarketoChannel:
    """The smart campaign as an alert channel (alerts and tests; reports carry files that a
    campaign cannot attach)."""

    label: str
    service: str
    campaign: MarketoCampaign

    def accepts(self, kind: str) -> bool:
        return kind != "report"

    def send(self, message: OutgoingMessage, parts_done: int = 0) -> Delivery:
        """Trigger the chunks not done yet; stop at the first failure and say how far it got."""
        client = MarketoClient(self.campaign.login)
        tokens = {TITLE_TOKEN: message.title, DETAIL_TOKEN: detail_token(message.body)}
        done = parts_done
        try:
            for lead_ids in chunks(self.campaign.lead_ids)[parts_done:]:
                client.trigger_campaign(self.campaign.campaign_id, lead_ids, tokens)
                done += 1
        except SourceError as exc:
            total = len(chunks(self.campaign.lead_ids))
            return Delivery(False, REDACTOR.redact(f"{exc} (call {done + 1} of {total})"), done)
        return Delivery(True, parts_done=done)


def marketo_channel(
    config: Config, secrets: Mapping[str, str]
) -> tuple[MarketoChannel | None, str]:
    """The configured Marketo channel (or None) and a problem line ('' when none)."""
    campaign = campaign_from(config, secrets)
    if campaign is None:
        return None, ""
    if isinstance(campaign, str):
        return None, campaign
    label = f"marketo:campaign-{campaign.campaign_id}"
    return MarketoChannel(label, "Marketo smart campaign", campaign), ""
