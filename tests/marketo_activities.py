"""Marketo activities as /rest/v1/activities.json returns them, for the tests that store them
the way the collector does (monitor.store.activities)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def rest_activity(
    guid: str,
    lead: int,
    at: datetime,
    type_id: int,
    primary: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One activity record; `attributes` become its [{name, value}] list, in order. An activity
    without a primary attribute (e.g. Sync Lead Updates to SFDC) has no such key at all."""
    record: dict[str, Any] = {
        "marketoGUID": guid,
        "leadId": lead,
        "activityDate": at.isoformat(),
        "activityTypeId": type_id,
    }
    if primary is not None:
        record["primaryAttributeValue"] = primary
    record["attributes"] = [{"name": k, "value": v} for k, v in (attributes or {}).items()]
    return record
