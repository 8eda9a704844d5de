"""The stand-in's answers to plain record queries on Lead and Contact, over scripted records
(``SalesforceStandIn.records[object]``, each with Id and SystemModstamp as Salesforce writes
it, e.g. "2026-11-20T14:05:00.000+0000"): what the reconciliation sample sends.

    SELECT Id FROM X WHERE SystemModstamp >= T | < T [AND IsConverted = false]
        ORDER BY SystemModstamp DESC LIMIT n
    SELECT Id, SystemModstamp, F1, F2 ... FROM X WHERE Id IN ('...', ...)

Selected fields are checked against the object's describe as Salesforce does (INVALID_FIELD);
an `Id IN` list matches 15- and 18-character ids alike. Anything else is not recognised
(None: the caller goes on to the other answers).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.standins.soql import Soql


def _error(code: str, message: str) -> list[dict[str, str]]:
    return [{"message": message, "errorCode": code}]


def _stamp(record: dict) -> datetime:
    text = str(record["SystemModstamp"]).replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text)


def answer(
    sobject: str, soql: Soql, describe: dict | None, records: list[dict]
) -> tuple[int, Any] | None:
    """(status, matching records) for the two shapes above, else None."""
    items = soql.select_items
    if not items or any(item.is_aggregate or "." in item.expression for item in items):
        return None
    ids = [c for c in soql.conditions if c.field.lower() == "id" and c.operator == "IN"]
    times = [t for t in soql.time_conditions if t.field.lower() == "systemmodstamp"]
    if not ids and not times:
        return None
    known = {f["name"].lower() for f in (describe or {}).get("fields", [])}
    for item in items:
        if known and item.expression.lower() not in known:
            return 400, _error(
                "INVALID_FIELD",
                f"No such column '{item.expression}' on entity '{sobject}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after the "
                "custom field name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
            )
    rows = list(records)
    if ids:
        wanted = {value[:15] for value in ids[0].values}
        rows = [r for r in rows if str(r["Id"])[:15] in wanted]
    for condition in times:
        rows = [r for r in rows if condition.holds(_stamp(r))]
    if re.search(r"\bIsConverted\s*=\s*false\b", soql.masked, re.IGNORECASE):
        rows = [r for r in rows if not r.get("IsConverted")]
    order = soql.order_by
    if order and order[0].lower() == "systemmodstamp":
        rows.sort(key=_stamp, reverse=order[1].upper() == "DESC")
    if soql.limit is not None:
        rows = rows[: soql.limit]
    return 200, rows
