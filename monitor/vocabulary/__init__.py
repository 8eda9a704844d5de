"""The shared vocabulary: the names and rules every part of the monitor uses, defined once.

Standard library only, so that any module may import it: checks, queries' callers, collectors,
pages and the report all spell a direction, a metric or a field key the same way. The SQL
twins of the field-name rules are DuckDB macros every store connection defines (see
monitor/store/__init__.py), and a test holds them equal to the Python functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# -- instances --------------------------------------------------------------------------------
# Instance names become folder names (the inbox), URL values and alert titles: keep them plain.
INSTANCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
INSTANCE_NAME_RULE = (
    "may hold only letters, digits, '.', '_' and '-' (starting with a letter or digit, at most "
    "63 characters)"
)


def instance_name_problem(name: str) -> str | None:
    """Why `name` cannot name an instance, in one line; None when it can."""
    if INSTANCE_NAME.fullmatch(name):
        return None
    return f"instance name {name!r} {INSTANCE_NAME_RULE}"


# -- Salesforce names -------------------------------------------------------------------------
# API names (Lead, My_Object__c, ns__Field__c): only these are stored as object and field names
# from an export, put in SOQL as literals, or repeated by a refusal. Use fullmatch: with match,
# `$` also matches before a trailing newline ("Lead\n").
API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


# -- findings ------------------------------------------------------------------------------
SEVERITIES = ("info", "warning", "critical")  # lowest first
SALESFORCE_ADMIN = "Salesforce admin"
MARKETO_ADMIN = "Marketo admin"
OWNERS = (SALESFORCE_ADMIN, MARKETO_ADMIN)

# -- the sync's two directions -------------------------------------------------------------
SFDC_TO_MARKETO = "sfdc_to_marketo"
MARKETO_TO_SFDC = "marketo_to_sfdc"
DIRECTIONS = (SFDC_TO_MARKETO, MARKETO_TO_SFDC)
DIRECTION_LABELS = {
    SFDC_TO_MARKETO: "Salesforce → Marketo",
    MARKETO_TO_SFDC: "Marketo → Salesforce",
}

# -- where a figure came from (sync_stats.provenance), most trusted first ---------------------
PROVENANCES = ("reported", "imported", "estimated", "demo")
IMPORTABLE_PROVENANCES = ("reported", "estimated", "imported")

# -- API budget metrics (api_usage.metric) ---------------------------------------------------
SALESFORCE_DAILY_API = "DailyApiRequests"  # Salesforce's name in /limits and Sforce-Limit-Info
MARKETO_DAILY_API = "daily_api_calls"  # every Marketo API user's calls today
MARKETO_DAILY_API_BY_MONITOR = "daily_api_calls_by_monitor:"  # + the monitor's API user
MARKETO_DAILY_API_BY_USER = "daily_api_calls_by_user:"  # + each other API user
DAILY_API_METRICS = {"salesforce": SALESFORCE_DAILY_API, "marketo": MARKETO_DAILY_API}

# -- Salesforce ------------------------------------------------------------------------------
# Key prefixes of the objects the sync touches: the object of a record id an export leaves
# without its Object column.
KEY_PREFIXES = {
    "00Q": "Lead",
    "003": "Contact",
    "001": "Account",
    "006": "Opportunity",
    "701": "Campaign",
    "00v": "CampaignMember",
    "00T": "Task",
    "00U": "Event",
    "005": "User",
}
# Marketo's admin pages name objects by Marketo's labels, not Salesforce's API names: "Person
# (Lead)" or "Person" (the subscription's branding decides: "Lead" or "Person"), and plurals on
# some operations ("Campaigns", "Tasks", "Campaign Members"). Source: AdobeDocs/marketo.en,
# salesforce-sync-status.md (fixtures/real/marketo/sync_status_fields_doc.md). Squeezed label ->
# API name; a label not listed (a custom object's, "Account Type") is kept as written.
SYNC_OBJECT_LABELS = {
    **dict.fromkeys(("personlead", "person", "persons", "people", "lead", "leads"), "Lead"),
    **dict.fromkeys(("contact", "contacts"), "Contact"),
    **dict.fromkeys(("account", "accounts"), "Account"),
    **dict.fromkeys(("opportunity", "opportunities"), "Opportunity"),
    **dict.fromkeys(("campaign", "campaigns"), "Campaign"),
    **dict.fromkeys(("campaignmember", "campaignmembers"), "CampaignMember"),
    **dict.fromkeys(
        ("campaignmemberstatus", "campaignmemberstatuses", "campaignmemberstatuss"),
        "CampaignMemberStatus",
    ),
    **dict.fromkeys(
        (
            "opportunitycontactrole",
            "opportunitycontactroles",
            "opportunitycontact",
            "opportunitycontacts",
        ),
        "OpportunityContactRole",
    ),
    **dict.fromkeys(("task", "tasks"), "Task"),
    **dict.fromkeys(("event", "events"), "Event"),
    **dict.fromkeys(("user", "users"), "User"),
    **dict.fromkeys(("emailtemplate", "emailtemplates"), "EmailTemplate"),
    **dict.fromkeys(("personstatus", "leadstatus"), "LeadStatus"),
}


def sobject_of_label(label: str | None) -> str:
    """The Salesforce API name of an object as Marketo's Sync Status or Sync Errors page labels
    it (`Person (Lead)` -> `Lead`, `Campaign Members` -> `CampaignMember`); any other label
    (a custom object, an API name already) as written, trimmed."""
    text = (label or "").strip()
    return SYNC_OBJECT_LABELS.get(squeezed(text), text)


# Error codes that say the user lacks access (a sync error's category "permission"; a query
# the collector's user may not run).
# System permissions of the sync user that keep its connection working (checks/auth_posture),
# by their label in Setup and in the PermissionSet describe. The collector finds each one's
# field by this label in the org's describe: "Approve Uninstalled Connected Apps" has no
# documented API name, and "Use Any API Client" exists only where API Access Control is on.
AUTH_PERMISSIONS = {
    "api_enabled": "API Enabled",
    "approve_uninstalled_apps": "Approve Uninstalled Connected Apps",
    "use_any_api_client": "Use Any API Client",
    "password_never_expires": "Password Never Expires",
}
PERMISSION_CODES = frozenset(
    {
        "INSUFFICIENT_ACCESS",
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "INVALID_TYPE",
        "INVALID_FIELD",
    }
)

# -- files the `import` verb reads (the importers live in monitor/collectors/exports) ---------
IMPORT_KINDS = ("describe", "permissions", "sync-errors", "sync-stats", "sync-status")


# -- names of fields, as Salesforce, Marketo and people write them ---------------------------
def squeezed(text: str | None) -> str:
    """Lowercase letters and digits only: `Do Not Sync` -> `donotsync`. SQL: squeezed(x)."""
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def field_key(name: str | None) -> str:
    """The key two spellings of one field share: an API name without its `__c`, a label or a
    Marketo display name, squeezed (`Lead_Score__c`, `Lead Score`, `leadScore` -> `leadscore`).
    SQL: field_key(x)."""
    return squeezed(re.sub(r"__c$", "", (name or "").lower()))


# The same rules as DuckDB macros; monitor/store defines them on every connection.
SQL_MACROS = (
    "CREATE OR REPLACE TEMP MACRO squeezed(text) AS "
    "regexp_replace(lower(coalesce(text, '')), '[^a-z0-9]', '', 'g')",
    "CREATE OR REPLACE TEMP MACRO field_key(name) AS "
    "regexp_replace(regexp_replace(lower(coalesce(name, '')), '__c$', ''), '[^a-z0-9]', '', 'g')",
)


# -- settings --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    """A tunable value: its name carries its unit, and `help` is shown in the UI and docs."""

    name: str
    default: Any
    help: str
