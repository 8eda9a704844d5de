"""The Salesforce admins' section: permission failures with the exact grant to make, the sync
user's access drift (who changed what), schema changes Marketo acts on, formula fields in the
sync, and validation and data-quality errors by rule."""

from __future__ import annotations

import json

import pandas as pd

from monitor.report import text
from monitor.report.context import Context, notes
from monitor.report.model import Section, Table

PERMISSION_CHECK = "permission_failures"
PERMISSION_COLUMNS = [
    "object",
    "field",
    "errors",
    "failing records",
    "codes",
    "last error",
    "open finding",
    "grant to make",
]
# The query columns each table shows, in order; text.spaced_headings names them.
RULE_COLUMNS = [
    "object",
    "rule",
    "codes",
    "errors",
    "records",
    "fields",
    "last_seen",
    "sample_message",
]
PICKLIST_COLUMNS = ["object", "field", "bad_value", "errors", "records", "codes", "last_seen"]


def _by_object_field(findings: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """(object, field) -> a permission_failures finding's evidence (its `grant` included)."""
    found = {}
    for row in findings.itertuples(index=False):
        evidence = json.loads(row.evidence or "{}")
        found[(evidence.get("object", ""), evidence.get("field", ""))] = evidence
    return found


def permission_table(
    errors: pd.DataFrame, findings: pd.DataFrame, open_at_end: pd.DataFrame
) -> pd.DataFrame:
    """Permission errors of the week by object and field, then the gaps still open at the end
    of the week without errors (from the permission snapshot); each with the grant that fixes
    it, as the permission_failures check worded it in its finding."""
    evidence = _by_object_field(findings)
    still_open = open_at_end[open_at_end["check_id"] == PERMISSION_CHECK]
    severity = {
        (e.get("object", ""), e.get("field", "")): row.severity
        for row in still_open.itertuples(index=False)
        for e in [json.loads(row.evidence or "{}")]
    }
    rows, seen = [], set()
    for row in errors.itertuples(index=False):
        key = (row.object, row.field)
        seen.add(key)
        rows.append(
            [
                row.object,
                row.field or "(object)",
                row.errors,
                row.records,
                row.codes,
                row.last_seen,
                severity.get(key, ""),
                evidence.get(key, {}).get("grant", ""),
            ]
        )
    for key, level in severity.items():
        if key in seen:
            continue
        rows.append(
            [
                key[0],
                key[1] or "(object)",
                0,
                0,
                "",
                None,
                level,
                evidence.get(key, {}).get("grant", ""),
            ]
        )
    return pd.DataFrame(rows, columns=PERMISSION_COLUMNS)


def _access(readable: object, editable: object) -> str:
    if text.is_missing(readable) and text.is_missing(editable):
        return "not listed (no access)"
    if not text.is_missing(editable) and bool(editable):
        return "read and edit"
    return "read only" if not text.is_missing(readable) and bool(readable) else "none"


def drift_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The sync user's access that changed between permission snapshots in the week."""
    return pd.DataFrame(
        {
            "changed at": changes["changed_at"],
            "object": changes["object"],
            "field": changes["field"].replace("", "(object)"),
            "access before": [
                _access(r, e)
                for r, e in zip(changes["was_readable"], changes["was_editable"], strict=True)
            ],
            "access after": [
                _access(r, e) for r, e in zip(changes["readable"], changes["editable"], strict=True)
            ],
        },
        columns=["changed at", "object", "field", "access before", "access after"],
    )


def formula_table(fields: pd.DataFrame) -> pd.DataFrame:
    """Calculated fields the sync user sees, from the latest describe up to the week's end."""
    formulas = fields[fields["calculated"].fillna(False).astype(bool)]
    chosen = formulas[["object", "field", "label", "type", "calculated_formula"]]
    return chosen.rename(columns={"calculated_formula": "formula"}).reset_index(drop=True)


def rules_table(rules: pd.DataFrame) -> pd.DataFrame:
    chosen = rules[RULE_COLUMNS].assign(fields=rules["fields"].map(text.joined))
    return text.spaced_headings(chosen)


def picklist_table(values: pd.DataFrame) -> pd.DataFrame:
    return text.spaced_headings(values[PICKLIST_COLUMNS])


def by_code_table(validation: pd.DataFrame, data_quality: pd.DataFrame) -> pd.DataFrame:
    found = [frame for frame in (validation, data_quality) if len(frame)]
    both = pd.concat(found, ignore_index=True) if found else validation
    return both.sort_values("errors", ascending=False, ignore_index=True).rename(
        columns=text.ERROR_CODE_HEADINGS
    )


def build(context: Context) -> Section:
    """The Salesforce admins' section of one instance."""
    frames = context.frames
    has_errors = context.has_source("sync_errors")
    section = Section(
        "salesforce",
        "Permissions, fields and rules",
        "Salesforce admins",
        notes=notes(
            None
            if has_errors
            else f"Sync errors: none had been imported or collected for this instance by the end "
            f"of {context.week}; import Marketo's Sync Errors export to see permission and "
            "validation failures.",
            None
            if context.has_source("snapshots", "permissions")
            else "Permissions: no snapshot of the sync user's permissions yet (import one or "
            "connect Salesforce), so access drift cannot be shown.",
            None
            if context.has_source("snapshots", "describe")
            else "Fields: no describe of the synced objects yet, so formula fields are unknown.",
        ),
    )
    no_errors = "No {} this week." if has_errors else "No sync errors to show."
    section.blocks += [
        Table(
            "permission-failures",
            "Permission failures by object and field, with the grant to make",
            permission_table(
                frames["permission_errors"], frames["permission_findings"], frames["open_at_end"]
            ),
            no_errors.format("permission failures, and no permission gap open"),
            note="Grant exactly this to the sync user, preferably in a permission set assigned "
            "to it. Rows without errors are gaps in the sync user's permission snapshot.",
        ),
        Table(
            "permission-drift",
            "Permission drift: the sync user's access that changed this week",
            drift_table(frames["permission_changes"]),
            "The sync user's access did not change this week.",
        ),
        Table(
            "audit-events",
            "Audit trail this week (who changed what)",
            frames["audit"].rename(columns={"occurred_at": "when"}),
            "No audit events this week.",
        ),
        Table(
            "schema-drift",
            "Schema changes Marketo acts on: who made them and what to do before the next sync",
            text.spaced_headings(frames["schema_drift"]),
            "No schema change on a synced object put the sync at risk this week.",
            note="From the hourly describe snapshots and the Setup Audit Trail (schema_drift); "
            "open findings first.",
        ),
        Table(
            "auth-posture",
            "Sync user's connection: what will stop it logging in, and the change to make",
            text.spaced_headings(frames["auth_posture"]),
            "Nothing put the sync user's connection at risk this week.",
            note="From the hourly reading of the sync user's User row and system permissions "
            "and its login history (auth_posture); open findings first.",
        ),
        Table(
            "reconciliation",
            "Reconciliation sample: fields whose Marketo values differ from Salesforce",
            text.spaced_headings(frames["reconciliation"].drop(columns=["last_seen"])),
            "No sampled field differed between Salesforce and Marketo beyond chance this week.",
            note="From the daily reconciliation sample of Leads and Contacts read on both sides "
            "(reconciliation; values masked, 2 Salesforce and 3 Marketo calls a day); a stale "
            "formula is a formula field whose value changed without SystemModstamp moving.",
        ),
        Table(
            "formula-fields",
            "Formula fields in the sync (they go stale in Marketo)",
            formula_table(frames["fields"]),
            "No formula field is visible to the sync user.",
        ),
        Table(
            "validation-rules",
            "Validation rules, required fields, flows and triggers rejecting sync updates",
            rules_table(frames["validation_rules"]),
            no_errors.format("validation failures"),
        ),
        Table(
            "picklist-values",
            "Picklist and state/country values rejected",
            picklist_table(frames["picklist_values"]),
            no_errors.format("picklist or state/country errors"),
        ),
        Table(
            "validation-and-data-quality-errors",
            "Validation and data-quality errors by code",
            by_code_table(frames["validation_by_code"], frames["data_quality_by_code"]),
            no_errors.format("validation or data-quality errors"),
        ),
    ]
    return section
