"""What the Salesforce collector tests share: the monitor's own client logged in to a stand-in
with its token, and one collection cycle of the seven default objects, as the scheduler runs it."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.collectors.context import Cycle
from monitor.collectors.salesforce.client import SalesforceClient, connect, login_from
from monitor.collectors.salesforce.cycle import SalesforceReport, collect_cycle
from monitor.config import Config
from monitor.store import Store
from tests.standins.salesforce import SYNC_USERNAME, SalesforceStandIn

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
OBJECTS = ("Lead", "Contact", "Account", "Opportunity", "Campaign", "CampaignMember", "Task")


def client_for(standin: SalesforceStandIn) -> SalesforceClient:
    """A client on the stand-in's instance URL and token that never sleeps between retries."""
    login = login_from(standin.secrets())
    return SalesforceClient(connect(login, "59.0"), sleep=lambda seconds: None)


def cycle(
    store: Store,
    client: SalesforceClient,
    now: datetime = NOW,
    *,
    config: Config | None = None,
    **options,
) -> SalesforceReport:
    """One collection cycle at `now` for the "prod" instance (default: the seven objects)."""
    settings = config or Config(salesforce_objects=OBJECTS)
    return collect_cycle(Cycle(store, client, settings, "prod", now), SYNC_USERNAME, **options)
