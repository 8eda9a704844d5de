"""Storing sync errors: classification, deterministic ids, exactly-once inserts.

Importers, collectors and the demo all hand their rows to `write_sync_errors`, so a row means
the same thing whichever way it arrived.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from monitor.classify import classify

# Salesforce key prefixes of the objects the sync touches: infers Object when an export
# leaves it out.
KEY_PREFIXES = {
    "00Q": "Lead",
    "003": "Contact",
    "001": "Account",
    "006": "Opportunity",
    "701": "Campaign",
    "00v": "CampaignMember",
    "00T": "Task",
    "00U": "Event",
    "005": "User",
}
COLUMNS = (
    "occurred_at",
    "object",
    "failed_on",
    "marketo_id",
    "sfdc_id",
    "error_type",
    "error_details",
)


def object_from_sfdc_id(sfdc_id: pd.Series) -> pd.Series:
    """The sObject name a Salesforce id's 3-character prefix stands for ('' if unknown)."""
    return sfdc_id.fillna("").astype(str).str[:3].map(KEY_PREFIXES).fillna("")


_PUSH = re.compile(r"(?:to|in|update|create|insert|push\w*) (?:sfdc|salesforce)")
_PULL = re.compile(r"(?:from (?:sfdc|salesforce)|pull)")


def direction_of(text: str) -> str | None:
    """Marketo words its push failures 'Failed to update/create SFDC ...'; pulls 'from SFDC'."""
    lowered = text.lower()
    if _PUSH.search(lowered):
        return "marketo_to_sfdc"
    if _PULL.search(lowered):
        return "sfdc_to_marketo"
    return None


def classify_frame(error_type: pd.Series, details: pd.Series) -> pd.DataFrame:
    """Classify each row and read its direction; only distinct (type, details) pairs are
    examined, as an export repeats a few hundred messages over and over."""
    pairs = pd.DataFrame({"error_type": error_type.fillna(""), "details": details.fillna("")})
    unique = pairs.drop_duplicates().reset_index(drop=True)
    texts = list(zip(unique["error_type"], unique["details"], strict=True))
    results = [classify(t, d) for t, d in texts]
    unique["error_code"] = [r.code for r in results]
    unique["category"] = [r.category for r in results]
    unique["owner"] = [r.owner for r in results]
    unique["fields_csv"] = [",".join(r.fields) for r in results]
    unique["direction"] = pd.Series([direction_of(f"{t} {d}") for t, d in texts], dtype=object)
    merged = pairs.merge(unique, on=["error_type", "details"], how="left")
    merged.index = pairs.index
    return merged[["error_code", "category", "owner", "fields_csv", "direction"]]


def write_sync_errors(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    frame: pd.DataFrame,
    *,
    source: str,
    raw_sql: str = "raw",
    raw_params: dict[str, str] | None = None,
) -> int:
    """Insert sync errors (COLUMNS + whatever `raw_sql` reads); return the rows added.

    The id hashes the row's identity plus its occurrence number among identical rows of the
    same batch, so an export re-imported, or overlapping the last one, adds nothing.
    """
    if len(frame) == 0:
        return 0
    work = frame.copy()
    for column in ("object", "failed_on", "marketo_id", "sfdc_id", "error_type", "error_details"):
        work[column] = work[column].fillna("").astype(str)
    inferred = object_from_sfdc_id(work["sfdc_id"])
    work["object"] = work["object"].where(work["object"] != "", inferred)
    classified = classify_frame(work["error_type"], work["error_details"])
    for column in classified:
        work[column] = classified[column]
    work["_row"] = range(len(work))
    con.register("_errors", work)
    try:
        added = con.execute(
            f"""
            INSERT OR IGNORE INTO sync_errors BY NAME
            SELECT
                md5(concat_ws(chr(31), $instance, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%f'),
                    object, failed_on, marketo_id, sfdc_id, error_type, error_details,
                    CAST(row_number() OVER (
                        PARTITION BY occurred_at, object, failed_on, marketo_id, sfdc_id,
                                     error_type, error_details
                        ORDER BY _row) AS VARCHAR))) AS error_id,
                $instance AS instance,
                occurred_at,
                nullif(object, '') AS object,
                direction,
                nullif(failed_on, '') AS failed_on,
                nullif(marketo_id, '') AS marketo_id,
                nullif(sfdc_id, '') AS sfdc_id,
                nullif(error_type, '') AS error_type,
                error_code,
                category,
                CASE WHEN fields_csv = '' THEN []::VARCHAR[] ELSE string_split(fields_csv, ',') END
                    AS fields,
                owner,
                CASE WHEN error_details = '' THEN error_type ELSE error_details END
                    AS error_message,
                $source AS source,
                {raw_sql} AS raw
            FROM _errors
            """,
            {"instance": instance, "source": source, **(raw_params or {})},
        )
        return int(added.fetchone()[0])
    finally:
        con.unregister("_errors")
