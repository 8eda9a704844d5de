"""The findings lifecycle as stored: findings (one row per check, instance and subject), their
transitions (finding_events) and each check's latest outcome per subject. monitor/runner.py
decides what changed; this is where it is written."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from monitor.store.facts import insert_frame
from monitor.store.rows import update_once


def known_findings(
    con: duckdb.DuckDBPyConnection, instance: str, check_ids: list[str]
) -> dict[str, dict[str, str]]:
    """fingerprint -> check, status, severity, subject and title of the stored findings of
    some checks."""
    return {
        row[0]: {
            "check_id": row[1],
            "status": row[2],
            "severity": row[3],
            "subject": row[4],
            "title": row[5],
        }
        for row in con.execute(
            "SELECT fingerprint, check_id, status, severity, subject, title FROM findings "
            "WHERE instance = $i AND check_id IN (SELECT unnest($c))",
            {"i": instance, "c": check_ids},
        ).fetchall()
    }


def write_reported(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, known: pd.Series) -> None:
    """Findings reported by a run: new ones inserted, known ones updated and (re)opened."""
    insert_frame(con, "findings", rows[~known])
    if not known.any():
        return
    con.register("_reported", rows[known])
    try:
        con.execute(
            "UPDATE findings SET severity = r.severity, title = r.title, detail = r.detail, "
            "owner = r.owner, evidence = r.evidence, status = 'open', last_seen = r.last_seen, "
            "resolved_at = NULL, acknowledged_at = CASE WHEN findings.status = 'resolved' "
            "THEN NULL ELSE findings.acknowledged_at END "
            "FROM _reported r WHERE findings.fingerprint = r.fingerprint"
        )
    finally:
        con.unregister("_reported")


def resolve(con: duckdb.DuckDBPyConnection, fingerprints: list[str], now: datetime) -> None:
    con.execute(
        "UPDATE findings SET status = 'resolved', resolved_at = $now "
        "WHERE fingerprint IN (SELECT unnest($gone))",
        {"now": now, "gone": fingerprints},
    )


def record_events(con: duckdb.DuckDBPyConnection, events: pd.DataFrame) -> None:
    """Transitions (fingerprint, changed_at, transition, severity)."""
    insert_frame(con, "finding_events", events)


def replace_outcomes(
    con: duckdb.DuckDBPyConnection, instance: str, check_ids: list[str], outcomes: pd.DataFrame
) -> None:
    """The latest outcome per check and subject (finding, or not evaluated and why) of the
    checks evaluated."""
    con.execute(
        "DELETE FROM check_outcomes WHERE instance = $i AND check_id IN (SELECT unnest($c))",
        {"i": instance, "c": check_ids},
    )
    insert_frame(con, "check_outcomes", outcomes)


def acknowledge(con: duckdb.DuckDBPyConnection, fingerprint: str, now: datetime) -> bool:
    """Mark an open finding as acknowledged; False when there is no such open finding."""
    return update_once(
        con, "findings", now, "acknowledged_at = $now", "status = 'open'", fingerprint=fingerprint
    )
