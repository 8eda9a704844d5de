"""Raw Salesforce sObject describe JSON -> field inventory snapshot(s)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from monitor.collectors.exports.common import ImportResult
from monitor.collectors.exports.csvfile import require_regular_file
from monitor.errors import InputError
from monitor.store.snapshots import has_snapshot, write_describe_snapshot

# What the checks read from each field of a describe: formula detection (calculated) and edit
# rights (updateable, createable). Editor tooling writes describes without them.
NEEDED_KEYS = ("calculated", "updateable", "createable")
# The keys of a field describe the monitor stores, and what each must be when present.
FLAGS = ("custom", "calculated", "updateable", "createable")
TEXTS = ("label", "type", "calculatedFormula")
MAX_LENGTH = 2**31 - 1  # the store's INTEGER; Salesforce's longest text is 131,072
# A file holds a describe, a list of them, or the sf CLI's envelope around either.
MAX_NESTING = 3


def _field_problem(item: Mapping[str, Any]) -> tuple[str, str] | None:
    """(key, what was expected) for the first value of a field describe of the wrong type."""
    length = item.get("length")
    if length is not None and (
        isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= MAX_LENGTH
    ):
        return "length", f"expected a whole number from 0 to {MAX_LENGTH:,} or null"
    for key in FLAGS:
        if item.get(key) is not None and not isinstance(item[key], bool):
            return key, "expected true, false or null"
    for key in TEXTS:
        if item.get(key) is not None and not isinstance(item[key], str):
            return key, "expected a string or null"
    return None


def describes_in(payload: Any, path: Path, depth: int = 0) -> list[Mapping[str, Any]]:
    """The describes a file holds: REST describe, `sf sobject describe --json`, or a list."""
    if depth > MAX_NESTING:
        raise InputError(
            f"{path}: nested {depth} levels deep; expected a describe, a list of describes or "
            'the sf CLI\'s {"result": ...}',
            path=str(path),
        )
    if isinstance(payload, list):
        found: list[Mapping[str, Any]] = []
        for item in payload:
            found.extend(describes_in(item, path, depth + 1))
        return found
    if not isinstance(payload, Mapping):
        raise InputError(f"{path}: expected a JSON object with 'name' and 'fields'", path=str(path))
    if "result" in payload and isinstance(payload["result"], Mapping | list):
        # sf CLI envelope {"status": 0, "result": ...}
        return describes_in(payload["result"], path, depth + 1)
    if not isinstance(payload.get("name"), str) or not payload["name"]:
        raise InputError(f"{path}: name: expected the sObject API name (e.g. Lead)", path=str(path))
    fields = payload.get("fields")
    if not isinstance(fields, list) or not fields:
        # No fields would read as "the sync user sees nothing": every field lost at once.
        raise InputError(
            f"{path}: fields: expected a non-empty list of field describes", path=str(path)
        )
    for index, item in enumerate(fields):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise InputError(
                f"{path}: fields[{index}]: expected an object with a 'name'", path=str(path)
            )
        problem = _field_problem(item)
        if problem:
            key, reason = problem
            raise InputError(
                f"{path}: fields[{index}].{key} ({item['name']}): {reason}",
                path=str(path),
                column=key,
            )
    return [payload]


def import_describe(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    instance: str,
    zone: ZoneInfo | None = None,
    skip_invalid: bool = False,
    now: datetime | None = None,
) -> ImportResult:
    """Import describe(s) from one JSON file; a file that is not a describe stores nothing."""
    require_regular_file(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
    except RecursionError:
        raise InputError(
            f"{path}: nested too deeply; expected a describe, a list of describes or the sf "
            'CLI\'s {"result": ...}',
            path=str(path),
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror}", path=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", 0)
        raise InputError(
            f"{path}:{line}: not valid JSON: {exc}", path=str(path), line=line
        ) from None
    describes = describes_in(payload, path)
    captured_at = now or datetime.now(UTC)
    fields_read = sum(len(d["fields"]) for d in describes)
    added = 0
    warnings = []
    for describe in describes:
        lacking = [key for key in NEEDED_KEYS if any(key not in f for f in describe["fields"])]
        # A partial describe would read as "no formula fields, nothing editable": it never
        # replaces a snapshot that knew better.
        if lacking and has_snapshot(con, instance, "describe", describe["name"]):
            warnings.append(
                f"{path}: {describe['name']}: a partial describe (fields without "
                f"{', '.join(lacking)}); the earlier, fuller snapshot is kept"
            )
            continue
        if lacking:
            warnings.append(
                f"{path}: {describe['name']}: a partial describe (fields without "
                f"{', '.join(lacking)}): formula fields and edit rights are unknown until a "
                "full describe (REST GET /sobjects/X/describe) is imported"
            )
        added += write_describe_snapshot(con, instance, describe, captured_at, "describe_import")
    return ImportResult("describe", str(path), fields_read, added, warnings=warnings)
