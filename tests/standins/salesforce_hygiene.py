"""The stand-in's answers to the hygiene pass's aggregate queries, computed over scripted
records (``SalesforceStandIn.records[object] = [{"Email": ..., "IsConverted": False}, ...]``).

Two shapes are understood, and checked against the object's describe the way Salesforce does:

- ``SELECT COUNT(Id), COUNT(F1), ... FROM X [WHERE ...]``: one AggregateResult row with
  expr0, expr1, ... (COUNT(F) counts the records where F is not null). A field missing from
  the describe is refused with INVALID_FIELD, one whose describe says ``aggregatable: false``
  with "field F does not support aggregate operator COUNT".
- ``SELECT F, COUNT(Id) FROM X [WHERE ...] GROUP BY F [HAVING COUNT(Id) > n]
  [ORDER BY COUNT(Id) DESC] [LIMIT n]``: one row per value (text compared without regard to
  case, as SOQL does); F must be ``groupable``.

WHERE takes ``F = / != null|true|false`` joined by AND. Anything else is not recognised, and
the stand-in answers MALFORMED_QUERY rather than guess.
"""

from __future__ import annotations

import re
from typing import Any

from tests.standins.soql import Soql

_COUNT = re.compile(r"COUNT\(\s*(\w+)\s*\)", re.IGNORECASE)
_CLAUSE_END = r"(?=\bGROUP\s+BY\b|\bHAVING\b|\bORDER\s+BY\b|\bLIMIT\b|$)"
_WHERE = re.compile(rf"\bWHERE\b(.*?){_CLAUSE_END}", re.IGNORECASE | re.DOTALL)
_TEST = re.compile(r"\s*(\w+)\s*(=|!=)\s*(null|true|false)\s*", re.IGNORECASE)
_GROUP_BY = re.compile(r"\bGROUP\s+BY\s+(\w+)\s*" + _CLAUSE_END, re.IGNORECASE)
_HAVING = re.compile(r"\bHAVING\s+COUNT\(\s*\w*\s*\)\s*(>=|>)\s*(\d+)", re.IGNORECASE)
_LITERALS = {"null": None, "true": True, "false": False}


def error(error_code: str, message: str) -> list[dict[str, str]]:
    return [{"message": message, "errorCode": error_code}]


def answer(
    sobject: str, soql: Soql, describe: dict | None, records: list[dict]
) -> tuple[int, Any] | None:
    """(status, body) of a hygiene query, or None when the query has neither shape."""
    items = soql.select_items
    counts = [_COUNT.fullmatch(item.expression.strip()) for item in items]
    plain = [item for item, count in zip(items, counts, strict=True) if count is None]
    if not items or any(item.alias for item in items) or len(plain) > 1:
        return None
    grouped = _GROUP_BY.search(soql.masked)
    if bool(plain) != bool(grouped) or (grouped and grouped.group(1) != plain[0].expression):
        return None
    fields = {f["name"].lower(): f for f in (describe or {}).get("fields", [])}
    for count in filter(None, counts):
        refused = _refused(sobject, count.group(1), fields, "aggregatable", soql)
        if refused:
            return refused
    selected = _where(soql, records)
    if selected is None:
        return None
    if grouped:
        refused = _refused(sobject, grouped.group(1), fields, "groupable", soql)
        return refused or (200, _page(_groups(soql, plain[0].expression, counts, selected)))
    row: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for index, count in enumerate(counts):
        name = count.group(1)
        row[f"expr{index}"] = sum(1 for r in selected if _value(r, name) is not None)
    return 200, _page([row])


def _refused(
    sobject: str, name: str, fields: dict[str, dict], flag: str, soql: Soql
) -> tuple[int, Any] | None:
    if not fields or name.lower() == "id":
        return None
    described = fields.get(name.lower())
    where = f"\n{soql.text}\n^\nERROR at Row:1:Column:1\n"
    if described is None:
        # The wording of Salesforce's INVALID_FIELD for an unknown column.
        return 400, error(
            "INVALID_FIELD",
            f"{where}No such column '{name}' on entity '{sobject}'. If you are attempting to"
            " use a custom field, be sure to append the '__c' after the custom field name."
            " Please reference your WSDL or the describe call for the appropriate names.",
        )
    if described.get(flag, True):
        return None
    if flag == "aggregatable":
        # The text public reports quote for COUNT() on a checkbox or a long text area.
        message = f"field {described['name']} does not support aggregate operator COUNT"
    else:
        message = f"field '{described['name']}' can not be grouped in a query call"  # invented
    return 400, error("MALFORMED_QUERY", where + message)


def _value(record: dict, name: str) -> Any:
    if name.lower() == "id":
        return record.get("Id", "scripted")  # every record has an Id
    return next((v for k, v in record.items() if k.lower() == name.lower()), None)


def _where(soql: Soql, records: list[dict]) -> list[dict] | None:
    match = _WHERE.search(soql.masked)
    if match is None:
        return list(records)
    selected = list(records)
    for part in re.split(r"\bAND\b", match.group(1), flags=re.IGNORECASE):
        test = _TEST.fullmatch(part)
        if test is None:
            return None
        name, operator, literal = test.group(1), test.group(2), _LITERALS[test.group(3).lower()]
        keep = operator == "="
        selected = [r for r in selected if (_value(r, name) == literal) == keep]
    return selected


def _groups(soql: Soql, name: str, counts: list, selected: list[dict]) -> list[dict]:
    groups: dict[Any, list[Any]] = {}  # key -> [first value seen, records]
    for record in selected:
        value = _value(record, name)
        key = value.lower() if isinstance(value, str) else value
        groups.setdefault(key, [value, 0])[1] += 1
    rows = list(groups.values())
    if having := _HAVING.search(soql.masked):
        least = int(having.group(2)) + (having.group(1) == ">")
        rows = [r for r in rows if r[1] >= least]
    if order := soql.count_order:
        rows.sort(key=lambda r: r[1], reverse=order == "DESC")
    if soql.limit is not None:
        rows = rows[: soql.limit]
    records = []
    for value, number in rows:
        record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}, name: value}
        record |= {f"expr{i}": number for i in range(sum(c is not None for c in counts))}
        records.append(record)
    return records


def _page(records: list[dict]) -> dict:
    # Aggregate results come in one page: a GROUP BY query has no queryMore.
    return {"totalSize": len(records), "done": True, "records": records}
