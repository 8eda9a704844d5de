"""Writing facts: batches by natural key (INSERT OR IGNORE), instances, the import log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from monitor.errors import ConfigError
from monitor.store import TABLES
from monitor.store.drain_hours import refresh_drain_hours
from monitor.vocabulary import instance_name_problem


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: Any) -> int:
    """INSERT OR IGNORE a pandas/Arrow frame by column name; return the rows actually added."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    if len(frame) == 0:
        return 0
    con.register("_incoming", frame)
    try:
        inserted = con.execute(f"INSERT OR IGNORE INTO {table} BY NAME SELECT * FROM _incoming")
        added = int(inserted.fetchone()[0])
        # The planner's hourly roll-up follows every sample written (monitor/store/drain_hours).
        if table == "sync_stats" and added:
            refresh_drain_hours(con, "_incoming")
        return added
    finally:
        con.unregister("_incoming")


def ensure_instance(
    con: duckdb.DuckDBPyConnection, instance: str, *, is_demo: bool = False, label: str = ""
) -> None:
    """Register an instance once (idempotent). A new instance's name must follow the naming
    rule; one stored before the rule existed goes on being written."""
    problem = instance_name_problem(instance)
    if (
        problem
        and not con.execute(
            "SELECT count(*) FROM instances WHERE instance = $i", {"i": instance}
        ).fetchone()[0]
    ):
        raise ConfigError(problem)
    con.execute(
        "INSERT OR IGNORE INTO instances (instance, label, is_demo, created_at) "
        "VALUES ($i, $l, $d, $at)",
        {"i": instance, "l": label or instance, "d": is_demo, "at": datetime.now(UTC)},
    )


def mark_simulated(con: duckdb.DuckDBPyConnection, instance: str, until: datetime) -> None:
    """Record that an instance is a recording ending at `until` (a demo workspace): it is
    judged at that moment, whatever the wall clock says."""
    con.execute(
        "UPDATE instances SET simulated_until = $until WHERE instance = $i",
        {"i": instance, "until": until},
    )


def replace_api_usage(con: duckdb.DuckDBPyConnection, frame: Any) -> int:
    """API usage samples; a sample taken again in the same minute replaces the earlier one."""
    con.register("_usage", frame)
    try:
        con.execute("INSERT OR REPLACE INTO api_usage BY NAME SELECT * FROM _usage")
    finally:
        con.unregister("_usage")
    return len(frame)


def delete_instance(con: duckdb.DuckDBPyConnection, instance: str) -> None:
    """Remove every row of an instance (the demo workspace is rebuilt this way): the tables keyed
    by instance, and the findings' lifecycle events (keyed by the findings' fingerprint). A
    table with neither (an alert delivery) holds no facts of its own."""
    keyed = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE column_name = 'instance' "
            "AND schema_name = 'main' AND database_name = current_database()"
        ).fetchall()
    }
    for table in sorted(TABLES & (keyed | {"finding_events"})):
        if table == "finding_events":
            con.execute(
                "DELETE FROM finding_events WHERE fingerprint IN "
                "(SELECT fingerprint FROM findings WHERE instance = $i)",
                {"i": instance},
            )
            continue
        con.execute(f"DELETE FROM {table} WHERE instance = $i", {"i": instance})


def log_import(con: duckdb.DuckDBPyConnection, instance: str, result: Any, now: datetime) -> None:
    """One row of the import log: what a file brought and how far its data reaches."""
    con.execute(
        "INSERT OR REPLACE INTO imports "
        "VALUES ($i, $kind, $origin, $at, $read, $added, $q, $newest)",
        {
            "i": instance,
            "kind": result.kind,
            "origin": result.path,
            "at": now,
            "read": result.rows_read,
            "added": result.rows_added,
            "q": result.rows_quarantined,
            "newest": result.newest_at,
        },
    )
