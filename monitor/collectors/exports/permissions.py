"""Sync user permissions CSV `object,field,readable,editable` -> one snapshot per object."""

from __future__ import annotations

import duckdb
import pandas as pd

from monitor.collectors.exports.common import ImportRequest, ImportResult, settle_problems
from monitor.collectors.exports.csvfile import CsvSpec, Problem, open_source, read_all
from monitor.errors import InputError
from monitor.store.quarantine import quarantine
from monitor.store.snapshots import write_permission_snapshot
from monitor.vocabulary import API_NAME

SPEC = CsvSpec(
    kind="permissions",
    columns={
        "object": ("object", "sobject", "sobjecttype"),
        "field": ("field", "fieldname"),
        "readable": ("readable", "read", "permissionsread"),
        "editable": ("editable", "edit", "permissionsedit"),
    },
    required=("object", "field", "readable", "editable"),
)
TRUTHY = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
}


def import_permissions(con: duckdb.DuckDBPyConnection, request: ImportRequest) -> ImportResult:
    """Import what the sync user can read and edit; one snapshot per object in the file."""
    path, instance = request.path, request.instance
    source = open_source(path, SPEC)
    frame = read_all(con, source)
    if frame.empty and not source.ragged_seen:
        # No row would be no snapshot at all, which an export of the sync user never is.
        raise InputError(
            f"{path}:2: row: no permission rows; expected at least one "
            "object,field,readable,editable row after the header",
            path=str(path),
            line=2,
            column="row",
        )
    problems: list[Problem] = []
    for row in frame.index[~frame["object"].str.fullmatch(API_NAME)]:
        problems.append(Problem(int(row), "object", "expected an sObject API name such as Lead"))
    # FieldPermissions writes fields as Object.Field: accept that form too.
    # A Series of text even with no row left (every row of the wrong width): a plain empty list
    # would become a float column that the checks below cannot read as text.
    frame["field"] = pd.Series(
        [
            field[len(obj) + 1 :] if obj and field.startswith(obj + ".") else field
            for obj, field in zip(frame["object"], frame["field"], strict=True)
        ],
        index=frame.index,
        dtype=object,
    )
    bad_field = (frame["field"] != "") & ~frame["field"].str.fullmatch(API_NAME)
    for row in frame.index[bad_field]:
        problems.append(
            Problem(int(row), "field", "expected a field API name or empty (object level)")
        )
    for column in ("readable", "editable"):
        parsed = [TRUTHY.get(value.lower()) for value in frame[column]]
        for row, value in zip(frame.index, parsed, strict=True):
            if value is None:
                problems.append(Problem(int(row), column, "expected true or false"))
        frame[column] = [value is True for value in parsed]
    for row in frame.index[frame["editable"] & ~frame["readable"]]:
        problems.append(
            Problem(int(row), "editable", "a field cannot be editable but not readable")
        )
    # The store keeps one pair of rights per field: a second row with other rights would
    # silently overwrite or lose the first, so it is refused as the user's mistake.
    faulty = {problem.row for problem in problems}
    rights: dict[tuple[str, str], tuple[bool, bool]] = {}
    for row, key, pair in zip(
        frame.index,
        zip(frame["object"], frame["field"], strict=True),
        zip(frame["readable"], frame["editable"], strict=True),
        strict=True,
    ):
        if int(row) not in faulty and rights.setdefault(key, pair) != pair:
            problems.append(
                Problem(
                    int(row),
                    "field",
                    "listed again with other rights; expected one readable,editable pair per field",
                )
            )
    good, rejected = settle_problems(source, frame, problems, skip_invalid=request.skip_invalid)
    kept = frame[good]
    added = 0
    for object_name, group in kept.groupby("object", sort=True):
        entries = zip(group["field"], group["readable"], group["editable"], strict=True)
        added += write_permission_snapshot(
            con, instance, str(object_name), entries, request.now, "permissions_import"
        )
    quarantined = quarantine(con, instance, SPEC.kind, str(path), rejected)
    return ImportResult(SPEC.kind, str(path), len(frame) + source.ragged_seen, added, quarantined)
