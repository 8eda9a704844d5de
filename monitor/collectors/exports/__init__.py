"""Importers for every file format of DESIGN §8; one entry point used by the CLI and the UI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from monitor.collectors.exports.common import ImportRequest, ImportResult
from monitor.collectors.exports.describe import import_describe
from monitor.collectors.exports.permissions import import_permissions
from monitor.collectors.exports.sync_errors import import_sync_errors
from monitor.collectors.exports.sync_stats import import_sync_stats
from monitor.collectors.exports.sync_status import import_sync_status
from monitor.store import Store
from monitor.store.facts import ensure_instance, log_import

IMPORTERS: dict[str, Callable[[duckdb.DuckDBPyConnection, ImportRequest], ImportResult]] = {
    "sync-errors": import_sync_errors,
    "sync-status": import_sync_status,
    "describe": import_describe,
    "sync-stats": import_sync_stats,
    "permissions": import_permissions,
}


def import_file(
    store: Store,
    kind: str,
    path: Path,
    *,
    instance: str,
    zone: ZoneInfo,
    skip_invalid: bool = False,
    now: datetime | None = None,
    date_order: str = "mdy",
) -> ImportResult:
    """Import one file of `kind` (a key of IMPORTERS) into `instance`; the import log records
    it at `now` (default: the wall clock). `date_order` (mdy | dmy) reads the dates of
    Marketo's exports."""
    now = now or datetime.now(UTC)
    request = ImportRequest(Path(path), instance, zone, now, skip_invalid, date_order)
    # One transaction: the instance, the file's rows (all or none of them) and the import log.
    # A full disk names about how much the file's rows need: roughly their own size.
    with store.write(hint_bytes=_size_of(path)) as con:
        ensure_instance(con, instance)
        result = IMPORTERS[kind](con, request)
        log_import(con, instance, result, now)
    return result


def _size_of(path: Path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0  # the importer names the file's problem
