"""Alerting state: transitions consumed, groups, what each finding last announced, messages and
their deliveries (the outbox), and the dashboard's silences. monitor/alerts decides; this is
where its decisions are written."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd

from monitor.store.rows import any_row, insert_row, update_once


def consume_transitions(con: duckdb.DuckDBPyConnection, now: datetime, stale: datetime) -> None:
    """Record every finding transition not seen yet, once: pending, or already decided
    (a severity drop is not alerted; one older than `stale` when first seen is not either)."""
    con.execute(
        "INSERT INTO alert_transitions "
        "SELECT e.fingerprint, e.changed_at, e.transition, f.instance, e.severity, "
        "  CASE WHEN e.transition = 'deescalated' THEN 'not_alerted' "
        "       WHEN e.changed_at < $stale THEN 'stale' ELSE 'pending' END, "
        "  CASE WHEN e.transition = 'deescalated' THEN 'a severity drop is not alerted' "
        "       WHEN e.changed_at < $stale THEN 'older than the repeat interval when first seen' "
        "  END, "
        "  NULL, $now, "
        "  CASE WHEN e.transition = 'deescalated' OR e.changed_at < $stale THEN $now END "
        "FROM finding_events e JOIN findings f USING (fingerprint) "
        "WHERE NOT EXISTS (SELECT 1 FROM alert_transitions a WHERE a.fingerprint = e.fingerprint "
        "  AND a.changed_at = e.changed_at AND a.transition = e.transition)",
        {"now": now, "stale": stale},
    )


def mark_group_alerted(
    con: duckdb.DuckDBPyConnection, instance: str, message_id: str, now: datetime
) -> None:
    """The instance's last alert: when, and which message."""
    con.execute(
        "INSERT INTO alert_groups VALUES ($i, $now, $m) ON CONFLICT (instance) DO UPDATE "
        "SET last_alerted_at = excluded.last_alerted_at, "
        "last_message_id = excluded.last_message_id",
        {"i": instance, "now": now, "m": message_id},
    )


def record_decisions(
    con: duckdb.DuckDBPyConnection, decisions: pd.DataFrame, now: datetime
) -> None:
    """What happened to each pending transition (fingerprint, changed_at, transition, status,
    reason, message_id)."""
    con.register("_decisions", decisions)
    try:
        con.execute(
            "UPDATE alert_transitions SET status = d.status, reason = d.reason, "
            "message_id = d.message_id, decided_at = $now FROM _decisions d "
            "WHERE alert_transitions.fingerprint = d.fingerprint "
            "AND alert_transitions.changed_at = d.changed_at "
            "AND alert_transitions.transition = d.transition",
            {"now": now},
        )
    finally:
        con.unregister("_decisions")


def record_announcements(
    con: duckdb.DuckDBPyConnection, instance: str, state: pd.DataFrame, now: datetime
) -> None:
    """Per finding (fingerprint, announced, alerted): alerted ones get a new time, the others
    only their announcement."""
    con.register("_state", state)
    try:
        con.execute(
            "INSERT INTO alert_state SELECT fingerprint, $i, $now, announced FROM _state "
            "WHERE alerted ON CONFLICT (fingerprint) DO UPDATE "
            "SET last_alerted_at = excluded.last_alerted_at, is_announced = excluded.is_announced",
            {"i": instance, "now": now},
        )
        con.execute(
            "UPDATE alert_state SET is_announced = s.announced FROM _state s "
            "WHERE alert_state.fingerprint = s.fingerprint AND NOT s.alerted"
        )
    finally:
        con.unregister("_state")


# -- the outbox ------------------------------------------------------------------------------


def add_message(
    con: duckdb.DuckDBPyConnection,
    message_id: str,
    *,
    instance: str,
    kind: str,
    notify_type: str,
    title: str,
    body: str,
    attachments: list[str],
    lines: int,
    now: datetime,
) -> bool:
    """Store a message once; False when it was stored before."""
    added = con.execute(
        "INSERT OR IGNORE INTO alert_messages VALUES "
        "($id, $instance, $kind, $type, $title, $body, $attachments, $lines, $now)",
        {
            "id": message_id,
            "instance": instance,
            "kind": kind,
            "type": notify_type,
            "title": title,
            "body": body,
            "attachments": attachments,
            "lines": lines,
            "now": now,
        },
    ).fetchone()[0]
    return bool(added)


def add_delivery(
    con: duckdb.DuckDBPyConnection, message_id: str, channel: str, now: datetime
) -> None:
    """A pending delivery of a message to a channel, due at once."""
    con.execute(
        "INSERT INTO alert_outbox VALUES "
        "($id, $channel, 'pending', 0, 0, $now, NULL, NULL, NULL, $now)",
        {"id": message_id, "channel": channel, "now": now},
    )


_DUE = (
    "WHERE message_id = $m AND channel = $c AND next_attempt_at <= $now "
    "AND status IN ('pending', 'failed', 'sending')"
)


def claim_delivery(
    con: duckdb.DuckDBPyConnection, message_id: str, channel: str, now: datetime, lease: timedelta
) -> bool:
    """Take a due delivery: 'sending', the attempt counted, skipped by others until the lease
    ends; False when it is not due (or another deliverer took it)."""
    return any_row(
        con,
        "UPDATE alert_outbox SET status = 'sending', attempts = attempts + 1, "
        f"last_attempt_at = $now, next_attempt_at = $lease {_DUE} RETURNING attempts",
        {"m": message_id, "c": channel, "now": now, "lease": now + lease},
    )


def drop_delivery(
    con: duckdb.DuckDBPyConnection, message_id: str, channel: str, now: datetime, reason: str
) -> bool:
    """Mark a due delivery as dropped (final); False when another deliverer took it."""
    return any_row(
        con,
        f"UPDATE alert_outbox SET status = 'dropped', error = $reason {_DUE} RETURNING message_id",
        {"m": message_id, "c": channel, "now": now, "reason": reason},
    )


def mark_sent(
    con: duckdb.DuckDBPyConnection,
    message_id: str,
    channel: str,
    now: datetime,
    parts_done: int,
    note: str | None,
) -> None:
    con.execute(
        "UPDATE alert_outbox SET status = 'sent', sent_at = $now, parts_done = $parts, "
        "error = $note WHERE message_id = $m AND channel = $c",
        {"m": message_id, "c": channel, "now": now, "parts": parts_done, "note": note},
    )


def delivery_attempts(con: duckdb.DuckDBPyConnection, message_id: str, channel: str) -> int:
    return con.execute(
        "SELECT attempts FROM alert_outbox WHERE message_id = $m AND channel = $c",
        {"m": message_id, "c": channel},
    ).fetchone()[0]


def mark_failed(
    con: duckdb.DuckDBPyConnection,
    message_id: str,
    channel: str,
    error: str,
    parts_done: int,
    next_attempt: datetime,
) -> None:
    con.execute(
        "UPDATE alert_outbox SET status = 'failed', error = $error, parts_done = $parts, "
        "next_attempt_at = $next WHERE message_id = $m AND channel = $c",
        {"m": message_id, "c": channel, "error": error, "parts": parts_done, "next": next_attempt},
    )


# -- silences made on the dashboard -----------------------------------------------------------


def add_silence(
    con: duckdb.DuckDBPyConnection,
    silence_id: str,
    *,
    instance: str,
    check: str,
    subject: str,
    until: datetime,
    reason: str,
    now: datetime,
) -> None:
    insert_row(
        con,
        "silences",
        silence_id=silence_id,
        instance=instance,
        check_id=check,
        subject=subject,
        until=until,
        reason=reason,
        created_at=now,
    )


def end_silence(con: duckdb.DuckDBPyConnection, silence_id: str, now: datetime) -> bool:
    """End a running silence now; False when it was not running."""
    return update_once(
        con, "silences", now, "until = $now, ended_at = $now", "until > $now", silence_id=silence_id
    )
