"""Whether a Salesforce value and the Marketo value of the same field are the same, by the
sync's own rules: numbers compare as numbers (`12.0` == `"12"`), booleans as booleans, times in
UTC whatever zone each side writes them in, strings trimmed and cut to the Marketo field's
length (the sync truncates), a blank equals a null, and a picklist matches by value or label.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

NUMBER_TYPES = frozenset({"double", "currency", "percent", "int", "long", "integer", "float"})
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no", ""})
# Salesforce keeps 18 digits for a number; Marketo's float holds about 15: compare 10 digits.
RELATIVE_TOLERANCE = 1e-10


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _moment(value: Any) -> datetime | None:
    """A datetime in UTC from Salesforce's `2026-11-20T14:05:00.000+0000` or Marketo's
    `2026-11-20T08:05:00-06:00` / `...Z`; None when it is not one."""
    text = str(value).strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":  # +0000 -> +00:00
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _text(value: Any) -> str:
    return " ".join(str(value).replace("\r\n", "\n").split()) if value is not None else ""


def same_value(
    salesforce: Any,
    marketo: Any,
    field_type: str | None,
    *,
    length: int | None = None,
    labels: dict[str, str] | None = None,
) -> bool:
    """Whether the sync would leave `marketo` for `salesforce` in a field of this Salesforce
    describe type; `length` is the Marketo field's, `labels` a picklist's value -> label."""
    kind = (field_type or "string").lower()
    if _blank(salesforce) or _blank(marketo):
        if kind == "boolean":  # Marketo shows an unset checkbox as false or null
            return _boolean(salesforce or False) == _boolean(marketo or False)
        return _blank(salesforce) and _blank(marketo)
    if kind == "boolean":
        return _boolean(salesforce) == _boolean(marketo)
    if kind in NUMBER_TYPES:
        one, other = _number(salesforce), _number(marketo)
        if one is not None and other is not None:
            return math.isclose(one, other, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)
    if kind == "datetime":
        one_at, other_at = _moment(salesforce), _moment(marketo)
        if one_at is not None and other_at is not None:
            return one_at == other_at
    if kind == "date":
        return str(salesforce).strip()[:10] == str(marketo).strip()[:10]
    one_text, other_text = _text(salesforce), _text(marketo)
    if kind in ("picklist", "multipicklist") and labels:
        label = labels.get(str(salesforce).strip())
        if label is not None and _text(label) == other_text:
            return True
    if length and len(one_text) > length:
        one_text = one_text[:length].rstrip()
    return one_text == other_text
