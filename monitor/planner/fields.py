"""What the field a planned mass update changes means for the sync, from the latest describe
(as the sync user sees it) and the sync user's field permissions:

- a formula field (`calculated`): a new formula changes its values without touching the
  records, so SystemModstamp does not move and no sync is queued at all;
- a field the sync user cannot read (absent from its describe, or not readable): the records
  are queued (their SystemModstamp moves) but Marketo will not receive the field;
- otherwise the field syncs with its records: said in the basis."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# What the update does to the sync, by the field's state.
NO_SYNC = "no_sync"
NOT_RECEIVED = "not_received"
SYNCED = "synced"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class FieldEffect:
    """The effect of changing one field: one of the kinds above, and the sentence saying why."""

    kind: str
    text: str


def field_effect(row: dict[str, Any] | None, object_name: str, field_name: str) -> FieldEffect:
    """The effect, from the plan_field row (None: no row at all)."""
    described = None if row is None else _value(row.get("described_at"))
    if described is None:
        return FieldEffect(
            UNKNOWN,
            f"no describe of {object_name} is stored yet, so whether {field_name} is a formula "
            "field or reaches Marketo is unknown (collect or import a describe)",
        )
    day = f"{described:%Y-%m-%d}"
    if _value(row.get("field")) is None:
        return FieldEffect(
            NOT_RECEIVED,
            f"Marketo will not receive {field_name}: the latest describe of {object_name} "
            f"({day}), as the sync user sees it, has no such field (the sync user cannot see "
            "it, or the name is wrong). The records are still queued for the sync.",
        )
    name = f"{row['field']}" + (f" ({row['label']})" if _value(row.get("label")) else "")
    if bool(row.get("calculated")):
        return FieldEffect(
            NO_SYNC,
            f"{name} is a formula field (calculated in the describe of {day}): its values "
            "change without the records being saved, SystemModstamp does not move, so the "
            "update queues no sync at all and Marketo keeps the old values until each record "
            "changes for another reason",
        )
    if _value(row.get("readable")) is False:
        return FieldEffect(
            NOT_RECEIVED,
            f"Marketo will not receive {name}: the sync user cannot read it (latest field "
            f"permissions of {object_name}). The records are still queued for the sync.",
        )
    return FieldEffect(
        SYNCED,
        f"{name} is in the describe of {object_name} ({day}) as the sync user sees it, not a "
        "formula: every updated record is queued for the sync with it",
    )


def _value(value: Any) -> Any:
    """None for SQL nulls (None, or NaN as numpy carries a null number)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
