"""Error taxonomy: turn a Salesforce or Marketo error into code, category, fields and owner.

Accepts what the sources really produce: a bare code (`UNABLE_TO_LOCK_ROW`, `606`), free text
as Marketo's Sync Errors page shows it (`Failed to update SFDC {CODE: message}`), a REST error
object (`errorCode` on /query and /composite, `statusCode` on sObject Collections, `code` on
Marketo) or an array / composite response holding them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.vocabulary import MARKETO_ADMIN, PERMISSION_CODES, SALESFORCE_ADMIN

CATEGORIES = ("permission", "validation", "data_quality", "locking", "limits", "auth", "unknown")

# code -> (category, owner of the fix). Source: docs/research/data-sources.md, "Error taxonomy".
TAXONOMY: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        [
            "INVALID_SESSION_ID",
            "INVALID_GRANT",
            "EXPIRED_ACCESS",
            "INACTIVE_USER",
            "INACTIVE_ORGANIZATION",
            "API_CURRENTLY_DISABLED",
            "API_DISABLED_FOR_ORG",
            "TXN_SECURITY_NO_ACCESS",
        ],
        ("auth", SALESFORCE_ADMIN),
    ),
    **dict.fromkeys(["601", "602", "603"], ("auth", MARKETO_ADMIN)),
    **dict.fromkeys(sorted(PERMISSION_CODES), ("permission", SALESFORCE_ADMIN)),
    **dict.fromkeys(
        [
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "REQUIRED_FIELD_MISSING",
            "FIELD_FILTER_VALIDATION_EXCEPTION",
            "CANNOT_EXECUTE_FLOW_TRIGGER",
            "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
            "DUPLICATES_DETECTED",
        ],
        ("validation", SALESFORCE_ADMIN),
    ),
    **dict.fromkeys(
        [
            "STRING_TOO_LONG",
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "FIELD_INTEGRITY_EXCEPTION",
            "DUPLICATE_VALUE",
            "INVALID_EMAIL_ADDRESS",
            "CANNOT_UPDATE_CONVERTED_LEAD",
            "ENTITY_IS_DELETED",
        ],
        ("data_quality", MARKETO_ADMIN),
    ),
    **dict.fromkeys(
        [
            "UNABLE_TO_LOCK_ROW",
            "ENTITY_IS_LOCKED",
            "QUERY_TIMEOUT",
            "SERVER_UNAVAILABLE",
            "INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE",
            "UNKNOWN_EXCEPTION",
        ],
        ("locking", SALESFORCE_ADMIN),
    ),
    **dict.fromkeys(["604", "608", "611", "713"], ("locking", MARKETO_ADMIN)),
    **dict.fromkeys(
        ["REQUEST_LIMIT_EXCEEDED", "STORAGE_LIMIT_EXCEEDED"], ("limits", SALESFORCE_ADMIN)
    ),
    **dict.fromkeys(["606", "607", "615", "1029"], ("limits", MARKETO_ADMIN)),
}

# Codes that say "something else failed": look past them for the real cause.
WRAPPER_CODES = frozenset({"PROCESSING_HALTED", "ALL_OR_NONE_OPERATION_ROLLED_BACK"})

_CODE_IN_TEXT = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b")
# Marketo's numeric codes: alone, at the start, in braces, or after "code".
_MARKETO_CODE = re.compile(r"(?:^|[{\[(]|\bcode\s*:?)\s*(\d{3,4})\b", re.IGNORECASE)
_FIELD_NAME = r"[A-Za-z][A-Za-z0-9_]*(?:__[A-Za-z]+)?"
_FIELD_PATTERNS = [
    # "Unable to create/update fields: Lead_Score__c, Rating. Please check the security ..."
    re.compile(r"Unable to create/update fields?:\s*([^.]+)\.?", re.IGNORECASE),
    # "Required fields are missing: [LastName, Company]"
    re.compile(r"Required fields are missing:\s*\[([^\]]*)\]", re.IGNORECASE),
    # "No such column 'Foo__c' on entity 'Lead'"
    re.compile(r"No such column '([^']+)'", re.IGNORECASE),
    # "bad value for restricted picklist field: ..." names a value, not a field: not listed.
    # "data value too large: ... (max length=80)" has no field either.
    re.compile(r"\bfield(?:s)?\s+'([^']+)'", re.IGNORECASE),
    # "Foreign key external ID: 0116 not found for field Invoice_External_Id__c in entity ..."
    re.compile(r"\bfor field\s+(" + _FIELD_NAME + r")"),
]


@dataclass(frozen=True)
class Classification:
    """What an error is, which fields it names and who can fix it."""

    code: str
    category: str
    owner: str
    fields: tuple[str, ...] = field(default_factory=tuple)
    message: str = ""


def _split_fields(text: str) -> list[str]:
    names = []
    for part in re.split(r"[,\s]+", text):
        part = part.strip(" []'\"{}")
        if re.fullmatch(_FIELD_NAME, part):
            names.append(part)
    return names


def fields_named_in(message: str) -> tuple[str, ...]:
    """Field API names that a Salesforce error message names, in order, without repeats."""
    found: list[str] = []
    for pattern in _FIELD_PATTERNS:
        for match in pattern.finditer(message or ""):
            for name in _split_fields(match.group(1)):
                if name not in found:
                    found.append(name)
    return tuple(found)


def code_in_text(text: str) -> str:
    """The first taxonomy code in free text, else the first CODE_LIKE word, else ''."""
    if not text:
        return ""
    if re.fullmatch(r"\s*[a-z][a-z0-9]*(?:_[a-z0-9]+)+\s*", text):
        text = text.upper()  # a bare code typed in lower case
    for number in _MARKETO_CODE.findall(text):
        if number in TAXONOMY:  # other numbers (ids, lengths) are not codes
            return number
    candidates = [c for c in _CODE_IN_TEXT.findall(text) if c not in WRAPPER_CODES]
    for candidate in candidates:
        if candidate in TAXONOMY:
            return candidate
    return candidates[0] if candidates else ""


def classify_code(code: str, message: str = "", fields: Iterable[str] = ()) -> Classification:
    """Classify a known code, with the message and the fields a payload listed."""
    code = (code or "").strip().upper()
    category, owner = TAXONOMY.get(code, ("unknown", MARKETO_ADMIN))
    named = [f for f in fields if f]
    for name in fields_named_in(message):
        if name not in named:
            named.append(name)
    return Classification(code or "UNKNOWN", category, owner, tuple(named), message or "")


def _error_objects(payload: Any) -> Iterable[Mapping[str, Any]]:
    """Walk REST / composite / collection responses and yield every error object."""
    if isinstance(payload, Mapping):
        if any(k in payload for k in ("errorCode", "statusCode", "code")) and "message" in payload:
            yield payload
            return
        for key in ("compositeResponse", "results", "errors", "reasons", "body", "result"):
            if key in payload:
                yield from _error_objects(payload[key])
    elif isinstance(payload, Sequence) and not isinstance(payload, str | bytes):
        for item in payload:
            yield from _error_objects(item)


def classify_all(payload: Any) -> list[Classification]:
    """Every error found in a REST error array or a composite / collections response."""
    found = []
    for error in _error_objects(payload):
        code = str(error.get("errorCode") or error.get("statusCode") or error.get("code") or "")
        fields = error.get("fields") or []
        found.append(classify_code(code, str(error.get("message", "")), [str(f) for f in fields]))
    return found


def classify(error: Any, message: str = "") -> Classification:
    """Classify one error: a code, free text, a REST error object or an array of them.

    With two strings (Marketo's "Error Type" and "Error Details"), the code is looked for in
    both and the fields in the details.
    """
    if isinstance(error, Mapping | list | tuple):
        errors = classify_all(error)
        real = [e for e in errors if e.code not in WRAPPER_CODES]
        if real or errors:
            return (real or errors)[0]
        return classify_code("", message)
    text = str(error or "")
    code = code_in_text(message) or code_in_text(text)
    if code in TAXONOMY or not code:
        return classify_code(code, message or text)
    # An unknown code-like word: keep it as the code, but the category stays unknown.
    return classify_code(code, message or text)
