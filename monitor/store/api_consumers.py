"""Writing the Salesforce API use per consumer and day (the ApiTotalUsage event logs)."""

from __future__ import annotations

from typing import Any

import duckdb


def replace_consumer_days(con: duckdb.DuckDBPyConnection, instance: str, frame: Any) -> int:
    """Store the shares of the days in `frame`, replacing what an earlier read of those days
    stored (a day's log file is complete once Salesforce publishes it; reading it again must
    not double it). Returns the rows written."""
    if len(frame) == 0:
        return 0
    con.register("_consumers", frame)
    try:
        con.execute(
            "DELETE FROM api_consumers_daily WHERE instance = $i "
            "AND day IN (SELECT DISTINCT day FROM _consumers)",
            {"i": instance},
        )
        con.execute(
            "INSERT INTO api_consumers_daily BY NAME SELECT $i AS instance, * FROM _consumers",
            {"i": instance},
        )
    finally:
        con.unregister("_consumers")
    return len(frame)


def store_api_users(con: duckdb.DuckDBPyConnection, instance: str, frame: Any) -> int:
    """Store (or refresh: a user may be renamed) the names of the people behind user ids."""
    if len(frame) == 0:
        return 0
    con.register("_users", frame)
    try:
        con.execute(
            "INSERT OR REPLACE INTO api_users BY NAME SELECT $i AS instance, * FROM _users",
            {"i": instance},
        )
    finally:
        con.unregister("_users")
    return len(frame)
