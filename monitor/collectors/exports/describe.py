"""Raw Salesforce sObject describe JSON -> field inventory snapshot(s)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from monitor.collectors.exports.common import ImportRequest, ImportResult
from monitor.collectors.exports.csvfile import require_regular_file
from monitor.errors import InputError
from monitor.store.snapshots import has_snapshot, write_describe_snapshot
from monitor.vocabulary import API_NAME

# What the checks read from each field of a describe: formula detection (calculated) and edit
# rights (updateable, createable). Editor tooling writes describes without them.
NEEDED_KEYS = ("calculated", "updateable", "createable")
# The keys of a field describe the monitor stores, and what each must be when present.
FLAGS = ("custom", "calculated", "updateable", "createable")
TEXTS = ("label", "type", "calculatedFormula")
MAX_LENGTH = 2**31 - 1  # the store's INTEGER; Salesforce's longest text is 131,072
# A file holds a describe, a list of them, or the sf CLI's envelope around either.
MAX_NESTING = 3
MAX_NAME_CHARS = 255


def _is_api_name(value: Any) -> bool:
    """Only API names are stored as object and field names, and only these may a refusal repeat."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_NAME_CHARS
        and API_NAME.fullmatch(value) is not None
    )


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
    if item.get("picklistValues") is not None and not isinstance(item["picklistValues"], list):
        return "picklistValues", "expected a list of picklist values or null"
    return None


def _refusal(path: Path, where: str, reason: str, column: str | None = None) -> InputError:
    """One line: the file, the JSON path of the value at fault (`fields[3].length`,
    `result[1].name`; nothing for the file as a whole) and what was expected."""
    return InputError(
        f"{path}: {where}: {reason}" if where else f"{path}: {reason}",
        path=str(path),
        column=column,
    )


def _joined(where: str, key: str) -> str:
    return f"{where}.{key}" if where and not key.startswith("[") else f"{where}{key}"


def describes_in(
    payload: Any, path: Path, depth: int = 0, where: str = ""
) -> list[tuple[str, Mapping[str, Any]]]:
    """(JSON path, describe) of every describe a file holds: REST describe, `sf sobject
    describe --json`, or a list. `where` is the JSON path of `payload` (empty at the top)."""
    if depth > MAX_NESTING:
        raise _refusal(
            path,
            where,
            f"nested {depth} levels deep; expected a describe, a list of describes or "
            'the sf CLI\'s {"result": ...}',
        )
    if isinstance(payload, list):
        found: list[tuple[str, Mapping[str, Any]]] = []
        for index, item in enumerate(payload):
            found.extend(describes_in(item, path, depth + 1, _joined(where, f"[{index}]")))
        return found
    if not isinstance(payload, Mapping):
        raise _refusal(path, where, "expected a JSON object with 'name' and 'fields'")
    if "result" in payload and isinstance(payload["result"], Mapping | list):
        # sf CLI envelope {"status": 0, "result": ...}
        return describes_in(payload["result"], path, depth + 1, _joined(where, "result"))
    if not _is_api_name(payload.get("name")):
        raise _refusal(
            path, _joined(where, "name"), "expected the sObject API name (e.g. Lead)", "name"
        )
    fields = payload.get("fields")
    if not isinstance(fields, list) or not fields:
        # No fields would read as "the sync user sees nothing": every field lost at once.
        raise _refusal(
            path, _joined(where, "fields"), "expected a non-empty list of field describes"
        )
    seen: set[str] = set()
    for index, item in enumerate(fields):
        at = _joined(where, f"fields[{index}]")
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise _refusal(path, at, "expected an object with a 'name'")
        if not _is_api_name(item["name"]):
            raise _refusal(
                path,
                f"{at}.name",
                "expected a field API name (letters, digits and underscores, starting with a "
                f"letter, at most {MAX_NAME_CHARS} characters)",
                "name",
            )
        if item["name"] in seen:
            # The store keeps one row per field: a second one would be dropped without a word.
            raise _refusal(
                path, f"{at}.name ({item['name']})", "the field again; expected each field once"
            )
        seen.add(item["name"])
        problem = _field_problem(item)
        if problem:
            key, reason = problem
            raise _refusal(path, f"{at}.{key} ({item['name']})", reason, key)
    return [(where, payload)]


def describes_of(payload: Any, path: Path) -> list[Mapping[str, Any]]:
    """The describes of a file: at least one, each sObject once (two describes of one sObject
    would be stored as one snapshot mixing both)."""
    found = describes_in(payload, path)
    if not found:
        raise _refusal(path, "", "no describe (an empty list); expected at least one describe")
    seen: set[str] = set()
    for where, describe in found:
        if describe["name"] in seen:
            raise _refusal(
                path,
                _joined(where, f"name ({describe['name']})"),
                "the sObject again; expected each sObject once in a file",
                "name",
            )
        seen.add(describe["name"])
    return [describe for _, describe in found]


def _read_json(path: Path) -> Any:
    """The file's JSON, or one line saying why it is none."""
    require_regular_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror}", path=str(path)) from None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the describe as UTF-8 JSON",
            path=str(path),
            line=line,
        ) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(
            f"{path}: nested too deeply; expected a describe, a list of describes or the sf "
            'CLI\'s {"result": ...}',
            path=str(path),
        ) from None
    except json.JSONDecodeError as exc:
        # The decoder's message names a position, never the file's text.
        raise InputError(
            f"{path}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno}); expected "
            "a describe as the REST API or `sf sobject describe --json` writes it",
            path=str(path),
            line=exc.lineno,
        ) from None
    except ValueError:
        # Python refuses integers of more than 4,300 digits (sys.get_int_max_str_digits).
        raise InputError(
            f"{path}: not a describe: a number too long to read; expected a describe's values",
            path=str(path),
        ) from None


def import_describe(con: duckdb.DuckDBPyConnection, request: ImportRequest) -> ImportResult:
    """Import describe(s) from one JSON file; a file that is not a describe stores nothing."""
    path, instance = request.path, request.instance
    payload = _read_json(path)
    describes = describes_of(payload, path)
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
        added += write_describe_snapshot(con, instance, describe, request.now, "describe_import")
    return ImportResult("describe", str(path), fields_read, added, warnings=warnings)
