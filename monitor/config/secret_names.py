"""The secret variable names of DESIGN §8, in one place.

Instance handling maps them to each instance's variables (monitor/config/instances.py); the Marketo
client and the Marketo alert channel read a login under them (monitor/collectors/
marketo_client.py, monitor/alerts/marketo_campaign.py)."""

from __future__ import annotations

SALESFORCE_VARIABLES = (
    "SALESFORCE_INSTANCE_URL",
    "SALESFORCE_ACCESS_TOKEN",
    "SALESFORCE_USERNAME",
    "SALESFORCE_PASSWORD",
    "SALESFORCE_SECURITY_TOKEN",
    "SALESFORCE_DOMAIN",
    "SALESFORCE_CONSUMER_KEY",
    "SALESFORCE_PRIVATE_KEY_FILE",
    "SALESFORCE_SYNC_USER",
)
MARKETO_VARIABLES = (
    "MARKETO_IDENTITY_URL",
    "MARKETO_BASE_URL",
    "MARKETO_CLIENT_ID",
    "MARKETO_CLIENT_SECRET",
)
