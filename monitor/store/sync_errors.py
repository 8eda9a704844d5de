"""Storing sync errors: classification, deterministic ids, exactly-once inserts.

Importers, collectors and the demo all hand their rows to `write_sync_errors`, so a row means
the same thing whichever way it arrived.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from monitor.vocabulary import KEY_PREFIXES
from monitor.vocabulary.taxonomy import classify

COLUMNS = (
    "occurred_at",
    "object",
    "failed_on",
    "marketo_id",
    "sfdc_id",
    "error_type",
    "error_details",
)


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


def classify_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Classification and direction of each distinct (error_type, error_details) pair: an
    export repeats a few hundred messages over and over, so only those are examined."""
    texts = list(zip(pairs["error_type"], pairs["error_details"], strict=True))
    results = [classify(t, d) for t, d in texts]
    return pairs.assign(
        error_code=[r.code for r in results],
        category=[r.category for r in results],
        owner=[r.owner for r in results],
        fields_csv=[",".join(r.fields) for r in results],
        direction=pd.Series([direction_of(f"{t} {d}") for t, d in texts], dtype=object),
    )


def insert_errors(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    relation: str,
    *,
    source: str,
    raw_sql: str = "raw",
    raw_params: dict[str, str] | None = None,
) -> int:
    """Insert the sync errors of `relation` (a table or view of this connection with `_row`
    (input order) and COLUMNS, text columns '' when empty, plus what `raw_sql` reads); return
    the rows added.

    The id is the MD5 of the row's identity (the 2nd, 3rd ... identical row also hashes its
    occurrence number), so an export re-imported, or overlapping the last one, adds nothing.
    """
    # Classes are joined on a 64-bit hash of the pair: joining on the long texts themselves
    # costs more than the rest of the insert.
    pairs = con.execute(
        f"SELECT DISTINCT hash(error_type, error_details) AS pair, error_type, error_details "
        f"FROM {relation}"
    ).df()
    if pairs.empty:  # an export of a day without errors: a good import of no rows
        return 0
    con.register("_classes", classify_pairs(pairs).drop(columns=["error_type", "error_details"]))
    con.register(
        "_prefixes", pd.DataFrame({"prefix": list(KEY_PREFIXES), "sobject": KEY_PREFIXES.values()})
    )
    try:
        # Ids are unique within the input, so an anti-join suffices; INSERT OR IGNORE would
        # first deduplicate the whole input across every column (DuckDB plans it as a MERGE).
        added = con.execute(
            f"""
            INSERT INTO sync_errors BY NAME
            WITH resolved AS NOT MATERIALIZED (
                SELECT r.*, c.error_code, c.category, c.owner, c.fields_csv, c.direction,
                       CASE WHEN r.object <> '' THEN r.object ELSE coalesce(p.sobject, '') END
                           AS sobject
                FROM {relation} r
                JOIN _classes c ON c.pair = hash(r.error_type, r.error_details)
                LEFT JOIN _prefixes p ON p.prefix = substr(r.sfdc_id, 1, 3)
            ), occurrences AS (
                -- Identical rows numbered 1, 2, ... in input order. The window sees only
                -- (row, 64-bit hash), never the wide rows, so it fits a small memory_limit.
                SELECT _row, row_number() OVER (PARTITION BY identity ORDER BY _row) AS occurrence
                FROM (
                    SELECT _row, hash(occurred_at, sobject, failed_on, marketo_id, sfdc_id,
                                      error_type, error_details) AS identity
                    FROM resolved
                )
            ), numbered AS (
                SELECT * FROM resolved JOIN occurrences USING (_row)
            ), incoming AS (
                SELECT
                    md5(concat_ws(chr(31), $instance,
                        strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%f'), sobject, failed_on,
                        marketo_id, sfdc_id, error_type, error_details,
                        CASE WHEN occurrence > 1 THEN CAST(occurrence AS VARCHAR) END))
                        AS error_id,
                    $instance AS instance,
                    occurred_at,
                    nullif(sobject, '') AS object,
                    direction,
                    nullif(failed_on, '') AS failed_on,
                    nullif(marketo_id, '') AS marketo_id,
                    nullif(sfdc_id, '') AS sfdc_id,
                    nullif(error_type, '') AS error_type,
                    error_code,
                    category,
                    CASE WHEN fields_csv = '' THEN []::VARCHAR[]
                         ELSE string_split(fields_csv, ',') END AS fields,
                    owner,
                    CASE WHEN error_details = '' THEN error_type ELSE error_details END
                        AS error_message,
                    $source AS source,
                    {raw_sql} AS raw
                FROM numbered
            )
            SELECT * FROM incoming
            WHERE NOT EXISTS (SELECT 1 FROM sync_errors s WHERE s.error_id = incoming.error_id)
            """,
            {"instance": instance, "source": source, **(raw_params or {})},
        )
        return int(added.fetchone()[0])
    finally:
        con.unregister("_classes")
        con.unregister("_prefixes")


def write_sync_errors(
    con: duckdb.DuckDBPyConnection,
    instance: str,
    frame: pd.DataFrame,
    *,
    source: str,
    raw_sql: str = "raw",
    raw_params: dict[str, str] | None = None,
) -> int:
    """Insert sync errors held in a frame (COLUMNS + what `raw_sql` reads); see insert_errors."""
    if len(frame) == 0:
        return 0
    work = frame.copy()
    for column in COLUMNS[1:]:
        work[column] = work[column].fillna("").astype(str)
    work["_row"] = range(len(work))
    con.register("_frame_errors", work)
    try:
        return insert_errors(
            con, instance, "_frame_errors", source=source, raw_sql=raw_sql, raw_params=raw_params
        )
    finally:
        con.unregister("_frame_errors")
