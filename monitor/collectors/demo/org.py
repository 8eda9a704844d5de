"""The simulated org's schema: describes and sync-user permissions of the demo workspace."""

from __future__ import annotations

from typing import Any

# (name, type, formula) per object; formula fields are what formula_fields must find.
_FIELDS: dict[str, list[tuple[str, str, str | None]]] = {
    "Lead": [
        ("Id", "id", None),
        ("FirstName", "string", None),
        ("LastName", "string", None),
        ("Name", "string", None),
        ("IsDeleted", "boolean", None),
        ("MasterRecordId", "reference", None),
        ("Email", "email", None),
        ("Company", "string", None),
        ("Status", "picklist", None),
        ("OwnerId", "reference", None),
        ("IsConverted", "boolean", None),
        ("ConvertedDate", "date", None),
        ("ConvertedAccountId", "reference", None),
        ("ConvertedContactId", "reference", None),
        ("ConvertedOpportunityId", "reference", None),
        ("Rating", "picklist", None),
        ("State", "string", None),
        ("Country", "string", None),
        ("SystemModstamp", "datetime", None),
        ("CreatedDate", "datetime", None),
        ("Lead_Score__c", "double", None),
        ("Lead_Status_Reason__c", "picklist", None),
        ("Behavior_Score__c", "double", None),
        ("Do_Not_Sync__c", "boolean", None),
        ("Lead_Age_Days__c", "double", "TODAY() - DATEVALUE(CreatedDate)"),
        ("Owner_Region__c", "string", "TEXT(Owner.Region__c)"),
    ],
    "Contact": [
        ("Id", "id", None),
        ("FirstName", "string", None),
        ("LastName", "string", None),
        ("Email", "email", None),
        ("AccountId", "reference", None),
        ("OwnerId", "reference", None),
        ("MailingState", "string", None),
        ("MailingCountry", "string", None),
        ("SystemModstamp", "datetime", None),
        ("Name", "string", None),
        ("IsDeleted", "boolean", None),
        ("MasterRecordId", "reference", None),
        ("CreatedDate", "datetime", None),
        ("Contact_Score__c", "double", None),
        ("Account_Tier__c", "string", "TEXT(Account.Tier__c)"),
    ],
    "Account": [
        ("Id", "id", None),
        ("Name", "string", None),
        ("Type", "picklist", None),
        ("Industry", "picklist", None),
        ("AnnualRevenue", "currency", None),
        ("OwnerId", "reference", None),
        ("ParentId", "reference", None),
        ("IsDeleted", "boolean", None),
        ("MasterRecordId", "reference", None),
        ("CreatedDate", "datetime", None),
        ("SystemModstamp", "datetime", None),
        ("Tier__c", "picklist", None),
        ("Account_Score__c", "double", None),
        (
            "Owner_Manager_Name__c",
            "string",
            "Owner.Manager.LastName + ', ' + Owner.Manager.FirstName",
        ),
    ],
    "Opportunity": [
        ("Id", "id", None),
        ("Name", "string", None),
        ("StageName", "picklist", None),
        ("Amount", "currency", None),
        ("CloseDate", "date", None),
        ("AccountId", "reference", None),
        ("CampaignId", "reference", None),
        ("OwnerId", "reference", None),
        ("Probability", "percent", None),
        ("IsClosed", "boolean", None),
        ("IsWon", "boolean", None),
        ("IsPrivate", "boolean", None),
        ("IsDeleted", "boolean", None),
        ("CreatedDate", "datetime", None),
        ("SystemModstamp", "datetime", None),
        ("Days_To_Close__c", "double", "CloseDate - TODAY()"),
    ],
    "Campaign": [
        ("Id", "id", None),
        ("Name", "string", None),
        ("Status", "picklist", None),
        ("Type", "picklist", None),
        ("IsActive", "boolean", None),
        ("SystemModstamp", "datetime", None),
    ],
}
READ_ONLY = {
    "Id",
    "IsClosed",
    "IsWon",
    "Name",
    "IsDeleted",
    "MasterRecordId",
    "SystemModstamp",
    "CreatedDate",
    "IsConverted",
    "ConvertedDate",
    "ConvertedAccountId",
    "ConvertedContactId",
    "ConvertedOpportunityId",
}
# What the demo's profile change takes away: edit on these Lead fields, read on Campaign.
REVOKED_LEAD_FIELDS = ("Lead_Score__c", "Lead_Status_Reason__c", "Rating")


def describe(object_name: str, *, after_profile_change: bool) -> dict[str, Any]:
    """A describe shaped like Salesforce's REST response, as the sync user sees the object."""
    fields = []
    for name, kind, formula in _FIELDS[object_name]:
        revoked = after_profile_change and object_name == "Lead" and name in REVOKED_LEAD_FIELDS
        editable = formula is None and name not in READ_ONLY and not revoked
        fields.append(
            {
                "name": name,
                "label": name.replace("__c", "").replace("_", " "),
                "type": kind,
                "length": 255 if kind in ("string", "email", "picklist") else 0,
                "custom": name.endswith("__c"),
                "calculated": formula is not None,
                "calculatedFormula": formula,
                "updateable": editable,
                "createable": editable,
            }
        )
    return {"name": object_name, "label": object_name, "custom": False, "fields": fields}


def object_names() -> list[str]:
    return list(_FIELDS)


def permissions(object_name: str, *, after_profile_change: bool) -> list[tuple[str, bool, bool]]:
    """(field, readable, editable) of the sync user; '' is the object itself."""
    if object_name == "Campaign" and after_profile_change:
        return [("", False, False)]
    rows = [("", True, True)]
    for name, _, formula in _FIELDS[object_name]:
        if name in READ_ONLY or name == "Id":
            continue
        revoked = after_profile_change and object_name == "Lead" and name in REVOKED_LEAD_FIELDS
        rows.append((name, True, formula is None and not revoked))
    return rows
