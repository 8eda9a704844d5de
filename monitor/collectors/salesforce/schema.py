"""The hourly part of Salesforce collection: what the sync user can see (describe), what it may
read and edit (permissions), and the org's limits. Snapshots are stored only when changed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from monitor.collectors.context import Cycle
from monitor.collectors.salesforce import auth, soql
from monitor.collectors.salesforce.client import SalesforceClient, subrequest_code
from monitor.errors import SourceError
from monitor.store.auth import write_auth_snapshot, write_connected_apps
from monitor.store.facts import insert_frame
from monitor.store.snapshots import write_describe_snapshot, write_permission_snapshot
from monitor.store.watermarks import set_watermark

WATERMARK = "salesforce.describe"


def is_due(marks: dict[str, str], now: datetime, minutes: int) -> bool:
    """Whether the last schema pass is older than `minutes`."""
    last = marks.get(WATERMARK)
    return not last or now - datetime.fromisoformat(last) >= timedelta(minutes=minutes)


def collect_schema(cycle: Cycle, sync_user: str) -> tuple[int, list[str]]:
    """Describe every synced object (one /composite call), read the sync user's object and
    field permissions, its auth posture (User row and system permissions: one /composite
    call) and /limits. Returns (rows written, problems)."""
    client, instance, now = cycle.client, cycle.instance, cycle.now
    objects = cycle.config.salesforce_objects
    problems: list[str] = []
    describes = {name: f"sobjects/{name}/describe" for name in objects}
    # The PermissionSet describe rides along (no call of its own): it names the auth fields.
    answers = client.composite({**describes, auth.DESCRIBE: "sobjects/PermissionSet/describe"})
    posture, apps = _auth_posture(client, answers[auth.DESCRIBE], sync_user)
    if isinstance(posture, str):
        problems.append(posture)
    try:
        permissions = permission_rows(client, objects, sync_user)
    except SourceError as exc:
        permissions = {}
        hint = (
            ""
            if NOT_READ in str(exc)
            else " (reading the sync user's permissions needs View Setup and Configuration)"
        )
        problems.append(f"permissions: {exc}{hint}")
    try:
        limits = client.get("limits/")
    except SourceError as exc:
        limits = {}
        problems.append(f"limits: {exc}")
    rows = 0
    with cycle.store.write() as con:
        for name in objects:
            status, body = answers[name]
            if status >= 400:
                problems.append(
                    f"describe {name}: {subrequest_code(status, body)} (is it an sObject the "
                    "connected user can see?)"
                )
                continue
            rows += write_describe_snapshot(con, instance, body, now, "salesforce")
        for name, grants in permissions.items():
            rows += write_permission_snapshot(con, instance, name, grants, now, "salesforce")
        rows += write_limits(con, instance, now, limits)
        if not isinstance(posture, str):
            rows += write_auth_snapshot(con, instance, *posture, now, "salesforce")
        if apps is not None:
            rows += write_connected_apps(con, instance, *apps, now, "salesforce")
        set_watermark(con, instance, WATERMARK, now.isoformat(), now)
    return rows, problems


def _auth_posture(
    client: SalesforceClient, describe: tuple[int, Any], sync_user: str
) -> tuple[tuple[dict[str, Any], list[dict[str, Any]]] | str, tuple | None]:
    """The sync user's User row and system permissions, or the problem, and the connected apps
    it holds OAuth tokens for (all in one /composite call; None when nothing was asked)."""
    status, body = describe
    if status >= 400:
        refused = subrequest_code(status, body)
        return f"auth posture: PermissionSet describe refused ({refused})", None
    fields = auth.permission_fields(body)
    answers = client.composite(auth.requests(sync_user, fields))
    apps = auth.connected_apps(answers[auth.TOKENS], answers[auth.APPS])
    return auth.reading(answers[auth.USER], answers[auth.ASSIGNMENTS], fields), apps


NOT_READ = "the sync user's permissions were not read"


def _permission_record_error(record: Any, name: str, expected: str) -> SourceError:
    kind = (
        record.get("attributes", {}).get("type", "permission") if isinstance(record, dict) else ""
    )
    return SourceError(
        f"Salesforce answered a {kind or 'permission'} record without {name} ({expected}): "
        f"{NOT_READ}"
    )


def _permission_flag(record: Any, name: str) -> bool:
    """A PermissionsRead/PermissionsEdit value; SourceError (one line) when it is missing."""
    value = record.get(name) if isinstance(record, dict) else None
    if not isinstance(value, bool):
        raise _permission_record_error(record, name, "true or false")
    return value


def _permission_text(record: Any, name: str) -> str:
    """SobjectType or Field; SourceError (one line) when it is missing."""
    value = record.get(name) if isinstance(record, dict) else None
    if not isinstance(value, str) or not value:
        raise _permission_record_error(record, name, "a name")
    return value


def permission_rows(
    client: SalesforceClient, objects: tuple[str, ...], sync_user: str
) -> dict[str, list[tuple[str, bool, bool]]]:
    """(field, readable, editable) per object, '' for the object itself. A grant through any
    permission set assigned to the sync user (its profile's included) counts; an object with
    no ObjectPermissions row cannot be read."""
    access: dict[tuple[str, str], tuple[bool, bool]] = {(o, ""): (False, False) for o in objects}

    def grant(key: tuple[str, str], record: dict[str, Any]) -> None:
        read, edit = access.get(key, (False, False))
        access[key] = (
            read or _permission_flag(record, "PermissionsRead"),
            edit or _permission_flag(record, "PermissionsEdit"),
        )

    for record in client.query_all(soql.object_permissions(objects, sync_user)):
        grant((_permission_text(record, "SobjectType"), ""), record)
    for record in client.query_all(soql.field_permissions(objects, sync_user)):
        object_name, _, field_name = _permission_text(record, "Field").partition(".")
        grant((record.get("SobjectType") or object_name, field_name), record)
    grouped: dict[str, list[tuple[str, bool, bool]]] = {}
    for (object_name, field_name), (read, edit) in access.items():
        grouped.setdefault(object_name, []).append((field_name, read, edit))
    return grouped


def write_limits(
    con: duckdb.DuckDBPyConnection, instance: str, at: datetime, limits: dict[str, Any]
) -> int:
    """Every limit /limits reports (DailyApiRequests, DailyBulkApiRequests, ...): used and max."""
    rows = [
        (name, float(value["Max"] - value["Remaining"]), float(value["Max"]))
        for name, value in limits.items()
        if isinstance(value, dict) and "Max" in value and "Remaining" in value
    ]
    frame = pd.DataFrame(rows, columns=["metric", "used", "quota"]).assign(
        instance=instance, ts=at, source="salesforce"
    )
    return insert_frame(con, "api_usage", frame)
