"""Describe and permission snapshots: stored only when the content changed since the last one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from monitor.store.facts import insert_frame
from monitor.store.rows import any_row


def _content_hash(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _latest_hash(con: duckdb.DuckDBPyConnection, instance: str, kind: str, scope: str) -> str:
    row = con.execute(
        "SELECT content_hash FROM snapshots WHERE instance = $i AND kind = $k AND scope = $s "
        "ORDER BY captured_at DESC LIMIT 1",
        {"i": instance, "k": kind, "s": scope},
    ).fetchall()  # fetchone would leave the result open, and DuckDB 2.0 then refuses register()
    return row[0][0] if row else ""


def _record_snapshot(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    kind: str,
    scope: str,
    captured_at: datetime,
    content: Any,
    source: str,
) -> bool:
    """Register a snapshot unless its content equals the latest one; True when stored."""
    digest = _content_hash(content)
    if digest == _latest_hash(con, instance, kind, scope):
        return False
    con.execute(
        "INSERT OR IGNORE INTO snapshots VALUES ($i, $k, $s, $at, $h, $src)",
        {"i": instance, "k": kind, "s": scope, "at": captured_at, "h": digest, "src": source},
    )
    return True


# Other snapshot writers (monitor/store/auth.py) share the change detection.
record_snapshot = _record_snapshot


def describe_fields(describe: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inventory rows of one sObject describe, as the connected (sync) user sees them."""
    rows = []
    for item in describe["fields"]:
        rows.append(
            {
                "field": item["name"],
                "label": item.get("label"),
                "type": item.get("type"),
                "length": item.get("length"),
                "is_custom": bool(item.get("custom", item["name"].endswith("__c"))),
                "calculated": bool(item.get("calculated", False)),
                "calculated_formula": item.get("calculatedFormula"),
                "updateable": item.get("updateable"),
                "createable": item.get("createable"),
                "raw": json.dumps(item, sort_keys=True),
            }
        )
    return rows


def _drift_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """What else makes a describe differ for schema_drift: required-ness and the picklist's
    active values (a change there alone is a new snapshot)."""
    return {
        "nillable": item.get("nillable"),
        "defaulted_on_create": item.get("defaultedOnCreate"),
        "restricted_picklist": item.get("restrictedPicklist"),
        "picklist_values": [
            v.get("value")
            for v in item.get("picklistValues") or []
            if isinstance(v, dict) and v.get("active", True)
        ],
    }


def has_snapshot(con: duckdb.DuckDBPyConnection, instance: str, kind: str, scope: str) -> bool:
    """Whether any snapshot of `kind` for `scope` (an object) was stored for `instance`."""
    return any_row(
        con,
        "SELECT 1 FROM snapshots WHERE instance = $i AND kind = $k AND scope = $s LIMIT 1",
        {"i": instance, "k": kind, "s": scope},
    )


def write_describe_snapshot(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    describe: Mapping[str, Any],
    captured_at: datetime,
    source: str,
) -> int:
    """Store one sObject describe as a field inventory snapshot; return fields added (0 if same)."""
    fields = describe_fields(describe)
    content = [
        {**{k: v for k, v in f.items() if k != "raw"}, **_drift_attributes(item)}
        for f, item in zip(fields, describe["fields"], strict=True)
    ]
    if not _record_snapshot(
        con, instance, "describe", describe["name"], captured_at, content, source
    ):
        return 0
    frame = pd.DataFrame(fields)
    frame.insert(0, "captured_at", captured_at)
    frame.insert(0, "object", describe["name"])
    frame.insert(0, "instance", instance)
    frame["length"] = frame["length"].astype("Int32")
    return insert_frame(con, "field_inventory", frame)


def write_permission_snapshot(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    object_name: str,
    rows: Iterable[tuple[str, bool, bool]],
    captured_at: datetime,
    source: str,
) -> int:
    """Store the sync user's (field, readable, editable) for one object; '' = object level."""
    content = sorted({(f, bool(r), bool(e)) for f, r, e in rows})
    if not _record_snapshot(
        con, instance, "permissions", object_name, captured_at, content, source
    ):
        return 0
    frame = pd.DataFrame(content, columns=["field", "readable", "editable"])
    frame.insert(0, "captured_at", captured_at)
    frame.insert(0, "object", object_name)
    frame.insert(0, "instance", instance)
    return insert_frame(con, "field_permissions", frame)
