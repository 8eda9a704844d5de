"""Retention: delete collected facts older than `retention_days`, then checkpoint.

Time series and events older than the cut-off go. Snapshots are kept if they are the latest of
their object (a describe is stored only when it changes, so the latest may be old and still be
the truth). Open findings and their history (finding_events and alert_transitions) are never
deleted; resolved ones go once resolved before the cut-off.

DuckDB does not shrink the file when rows are deleted: the checkpoint frees their blocks and
later writes reuse them, so under retention the file stops growing at about the size of
`retention_days` of data instead of growing forever (bench/bench_retention.py measures it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from monitor.store import Store

# table -> its time column. Identifiers come from this constant, values are parameters.
FACTS = {
    "sync_stats": "ts",
    "sync_drain_hourly": "hour",
    "sync_cycles": "started_at",
    "sync_errors": "occurred_at",
    "change_counts": "ts",
    "api_usage": "ts",
    "audit_events": "occurred_at",
    "activity_counts": "ts",
    "marketo_activities": "occurred_at",
    "stream_events": "received_at",
    "collection_runs": "started_at",
    "quarantine": "received_at",
    "reconciliation_runs": "sampled_at",
    "reconciliation_fields": "sampled_at",
    "reconciliation_mismatches": "sampled_at",
}
# table -> (time column, what identifies one snapshot series): the latest of each series stays.
SNAPSHOTS = {
    "snapshots": ("captured_at", ("instance", "kind", "scope")),
    "field_inventory": ("captured_at", ("instance", "object")),
    "field_permissions": ("captured_at", ("instance", "object")),
    "field_fill": ("captured_at", ("instance", "object")),
    "duplicate_values": ("captured_at", ("instance", "object", "field")),
    "duplicate_summary": ("captured_at", ("instance", "object", "field")),
    "field_value_counts": ("captured_at", ("instance", "object", "field")),
    "sync_user_auth": ("captured_at", ("instance",)),
    "sync_user_connected_apps": ("captured_at", ("instance",)),
}
# Alert bookkeeping: only what is settled goes (a pending or failed delivery is never lost).
# alert_transitions is the alerting ledger of finding_events (same key) and follows its rule: an
# open finding keeps its whole ledger. Deleting it alone would make the next alerts round take
# the kept events for unseen ones and consume them again, every day.
ALERT_HISTORY = {
    "alert_outbox": "DELETE FROM alert_outbox WHERE status IN ('sent', 'dropped') "
    "AND created_at < $cutoff",
    "alert_messages": "DELETE FROM alert_messages WHERE created_at < $cutoff AND message_id "
    "NOT IN (SELECT message_id FROM alert_outbox)",
    "alert_transitions": "DELETE FROM alert_transitions WHERE changed_at < $cutoff "
    "AND status <> 'pending' "
    "AND fingerprint NOT IN (SELECT fingerprint FROM findings WHERE status = 'open')",
    "silences": "DELETE FROM silences WHERE until < $cutoff",
}


@dataclass
class RetentionResult:
    """Rows deleted per table."""

    cutoff: datetime
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def rows_deleted(self) -> int:
        return sum(self.deleted.values())

    def summary(self) -> str:
        tables = ", ".join(f"{t} {n:,}" for t, n in self.deleted.items() if n) or "nothing"
        return f"retention before {self.cutoff:%Y-%m-%d %H:%M} UTC: deleted {tables}"


def _existing(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }


def _count(cursor: duckdb.DuckDBPyConnection) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def apply_retention(store: Store, now: datetime, retention_days: int) -> RetentionResult:
    """Delete what is older than `retention_days` before `now` in one transaction, then
    checkpoint so the freed blocks are reused."""
    cutoff = now - timedelta(days=retention_days)
    result = RetentionResult(cutoff)
    params = {"cutoff": cutoff}
    with store.write() as con:
        tables = _existing(con)
        for table, column in FACTS.items():
            if table in tables:
                result.deleted[table] = _count(
                    con.execute(f"DELETE FROM {table} WHERE {column} < $cutoff", params)
                )
        for table, (column, series) in SNAPSHOTS.items():
            if table in tables:
                same_series = " AND ".join(f"latest.{c} = {table}.{c}" for c in series)
                result.deleted[table] = _count(
                    con.execute(
                        f"DELETE FROM {table} WHERE {column} < $cutoff AND {column} < "
                        f"(SELECT max(latest.{column}) FROM {table} latest WHERE {same_series})",
                        params,
                    )
                )
        for table, sql in ALERT_HISTORY.items():
            if table in tables:
                result.deleted[table] = _count(con.execute(sql, params))
        # Events of resolved findings only: an open finding keeps its whole history.
        result.deleted["finding_events"] = _count(
            con.execute(
                "DELETE FROM finding_events WHERE changed_at < $cutoff AND fingerprint NOT IN "
                "(SELECT fingerprint FROM findings WHERE status = 'open')",
                params,
            )
        )
        result.deleted["findings"] = _count(
            con.execute(
                "DELETE FROM findings WHERE status = 'resolved' AND resolved_at < $cutoff", params
            )
        )
        # CHECKPOINT cannot run inside a transaction: commit the deletes, checkpoint, and open
        # an empty transaction for write() to commit.
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        con.execute("BEGIN TRANSACTION")
    return result
