"""The simulated org's schema: describes and sync-user permissions of the demo workspace."""

from __future__ import annotations

from typing import Any

# Each object's fields as name:type, in describe order.
_LISTINGS = {
    "Lead": "Id:id FirstName:string LastName:string Name:string IsDeleted:boolean "
    "MasterRecordId:reference Email:email Company:string Status:picklist OwnerId:reference "
    "IsConverted:boolean ConvertedDate:date ConvertedAccountId:reference "
    "ConvertedContactId:reference ConvertedOpportunityId:reference Rating:picklist "
    "State:string Country:string SystemModstamp:datetime CreatedDate:datetime "
    "Lead_Score__c:double Lead_Status_Reason__c:picklist Behavior_Score__c:double "
    "Do_Not_Sync__c:boolean Lead_Age_Days__c:double Owner_Region__c:string",
    "Contact": "Id:id FirstName:string LastName:string Email:email AccountId:reference "
    "OwnerId:reference MailingState:string MailingCountry:string SystemModstamp:datetime "
    "Name:string IsDeleted:boolean MasterRecordId:reference CreatedDate:datetime "
    "Contact_Score__c:double Account_Tier__c:string",
    "Account": "Id:id Name:string Type:picklist Industry:picklist AnnualRevenue:currency "
    "OwnerId:reference ParentId:reference IsDeleted:boolean MasterRecordId:reference "
    "CreatedDate:datetime SystemModstamp:datetime Tier__c:picklist Account_Score__c:double "
    "Owner_Manager_Name__c:string",
    "Opportunity": "Id:id Name:string StageName:picklist Amount:currency CloseDate:date "
    "AccountId:reference CampaignId:reference OwnerId:reference Probability:percent "
    "IsClosed:boolean IsWon:boolean IsPrivate:boolean IsDeleted:boolean CreatedDate:datetime "
    "SystemModstamp:datetime Days_To_Close__c:double",
    "Campaign": "Id:id Name:string Status:picklist Type:picklist IsActive:boolean "
    "SystemModstamp:datetime",
}
# The formula fields among them: what formula_fields must find.
_FORMULAS = {
    "Lead_Age_Days__c": "TODAY() - DATEVALUE(CreatedDate)",
    "Owner_Region__c": "TEXT(Owner.Region__c)",
    "Account_Tier__c": "TEXT(Account.Tier__c)",
    "Owner_Manager_Name__c": "Owner.Manager.LastName + ', ' + Owner.Manager.FirstName",
    "Days_To_Close__c": "CloseDate - TODAY()",
}
# (name, type, formula) per object.
_FIELDS: dict[str, list[tuple[str, str, str | None]]] = {
    object_name: [
        (name, kind, _FORMULAS.get(name))
        for name, kind in (item.split(":") for item in listing.split())
    ]
    for object_name, listing in _LISTINGS.items()
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
