"""The outbox: every delivery of a message to a channel, kept until it has gone out.

    queue_message(con, ...)        inside the caller's transaction (with the transitions it
                                   announces, so consuming them and queueing are one commit)
    deliver_due(store, channels, now)

Each delivery takes three steps, none holding the database while the network is used:
  1. claim (one short transaction): status 'sending', the attempt counted, and a lease:
     next_attempt_at = now + LEASE, so a second deliverer skips the row;
  2. send, with no connection open;
  3. record (one short transaction): 'sent', or 'failed' with the redacted error and the next
     attempt after an exponential backoff (1 minute doubling up to an hour, for ever).
A delivery to a channel that is no longer configured cannot succeed (a channel is known by a
hash of its URL, so a changed URL is another channel): it is 'dropped', final, never retried.
A crash between 2 and 3 leaves the row 'sending'; when its lease runs out it is sent again, so
the receiver may get that one message twice (at-least-once at that edge, exactly-once
otherwise), and the retry says so in its error column.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb

from monitor.alerts.channels import Channel, Delivery, OutgoingMessage
from monitor.store import Store
from monitor.store import alerts as alert_store

if TYPE_CHECKING:
    import pandas as pd

LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
INTERRUPTED = (
    "an earlier attempt was interrupted after sending began: the receiver may have got this "
    "message twice"
)
GONE = "dropped: channel no longer configured (its URL was removed or changed)"


def message_id(kind: str, *parts: object) -> str:
    """A deterministic id, so queueing the same message twice stores it once."""
    digest = hashlib.sha256("|".join(str(p) for p in (kind, *parts)).encode()).hexdigest()
    return f"{kind}-{digest[:16]}"


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failed ones."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def queue_message(
    con: duckdb.DuckDBPyConnection,
    message_id: str,
    message: OutgoingMessage,
    *,
    instance: str,
    lines: int,
    channels: Sequence[Channel],
    now: datetime,
) -> int:
    """Store the message and one pending delivery per channel that takes its kind; return the
    deliveries added (0 when this message was queued before)."""
    added = alert_store.add_message(
        con,
        message_id,
        instance=instance,
        kind=message.kind,
        notify_type=message.notify_type,
        title=message.title,
        body=message.body,
        attachments=list(message.attachments),
        lines=lines,
        now=now,
    )
    if not added:
        return 0
    queued = 0
    for channel in channels:
        if channel.accepts(message.kind):
            alert_store.add_delivery(con, message_id, channel.label, now)
            queued += 1
    return queued


@dataclass
class DeliveryCounts:
    """Deliveries sent, failed (retried later) and dropped (their channel is gone: final)."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0
    results: list[tuple[str, Delivery]] = field(default_factory=list)


def _claim(store: Store, message: str, channel: str, now: datetime) -> bool:
    with store.write() as con:
        return alert_store.claim_delivery(con, message, channel, now, LEASE)


def _drop(store: Store, message: str, channel: str, now: datetime) -> bool:
    """Mark a due delivery to a channel that is gone as dropped; False if another deliverer
    took it meanwhile."""
    with store.write() as con:
        return alert_store.drop_delivery(con, message, channel, now, GONE)


def _record(
    store: Store, message: str, channel: str, delivery: Delivery, note: str, now: datetime
) -> None:
    with store.write() as con:
        if delivery.ok:
            alert_store.mark_sent(con, message, channel, now, delivery.parts_done, note)
            return
        attempts = alert_store.delivery_attempts(con, message, channel)
        alert_store.mark_failed(
            con,
            message,
            channel,
            delivery.error or "failed",
            delivery.parts_done,
            now + backoff(attempts),
        )


def deliver_due(
    store: Store,
    channels: Sequence[Channel],
    now: datetime,
    *,
    message_ids: set[str] | None = None,
    due: pd.DataFrame | None = None,
) -> DeliveryCounts:
    """Send every delivery due at `now` (or only those of `message_ids`), one
    claim-send-record cycle each; drop those whose channel is not in `channels` any more
    (unless `channels` is empty: then nothing is sent and nothing dropped). `due`: the
    alert_outbox_due rows, when the caller has read them already in its own transaction."""
    counts = DeliveryCounts()
    by_label = {channel.label: channel for channel in channels}
    if due is None:
        due = store.query("alert_outbox_due", now=now)
    if message_ids is not None:
        due = due[due["message_id"].isin(list(message_ids))]
    for row in due.itertuples(index=False):
        channel = by_label.get(row.channel)
        if channel is None:
            # With no channel configured at all, this process most likely just lacks the
            # variables (a shell without MONITOR_ALERT_URLS): keep the delivery for one that has
            # them instead of dropping it for good.
            if channels:
                counts.dropped += _drop(store, row.message_id, row.channel, now)
            continue
        if not _claim(store, row.message_id, row.channel, now):
            continue  # another deliverer has it
        note = INTERRUPTED if row.status == "sending" else None
        message = OutgoingMessage(
            kind=row.kind,
            title=row.title,
            body=row.body,
            notify_type=row.notify_type,
            attachments=tuple(row.attachments),
        )
        delivery = channel.send(message, int(row.parts_done))
        _record(store, row.message_id, row.channel, delivery, note, now)
        counts.results.append((row.channel, delivery))
        if delivery.ok:
            counts.sent += 1
        else:
            counts.failed += 1
    return counts
