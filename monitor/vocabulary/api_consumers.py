"""The words and colours of the Salesforce API use by consumer (ApiTotalUsage event logs),
shared by the collector, the dashboard, the report and the api_budget check."""

from __future__ import annotations

# The kinds the collector attributes calls to, in the order they are shown.
CONSUMER_KIND_LABELS = {
    "marketo_sync": "Marketo sync user",
    "integration": "Other integrations",
    "person": "People",
}
# One fixed colour per kind, wherever it is drawn (the sync's own use in the sync's blue).
CONSUMER_KIND_COLORS = {
    "marketo_sync": "#1f77b4",
    "integration": "#ff7f0e",
    "person": "#7f7f7f",
}
API_CONSUMERS_UNAVAILABLE = (
    "Salesforce API use by consumer: no ApiTotalUsage event logs (EventLogFile not visible to "
    "the user or none published yet); the API totals still show the org's use."
)
