"""The receiver's writes: one writer thread, one transaction per request body.

DuckDB writes block, so they run off the HTTP event loop, on a single thread: batches are
written one at a time, in the order they arrived. A request waits for its own commit before it
is answered; one that waited longer than `busy_seconds` (the store is locked by another process,
or the queue is long) is answered 503 so that Adobe I/O Events delivers it again later. If its
write then still commits, the redelivery finds the event ids stored and adds nothing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from monitor.collectors.streams.events import Batch
from monitor.errors import StoreBusyError
from monitor.store import Store
from monitor.store.activities import store_activities, stored_activity_ids
from monitor.store.facts import insert_frame
from monitor.store.quarantine import Rejected, quarantine

# stream_events.outcome of an activity event whose activity was stored before (over REST).
ACTIVITY_ALREADY_STORED = "activity_already_stored"
QUARANTINE_KIND = "data_streams"
QUARANTINE_ORIGIN = "POST /events"
T = TypeVar("T")


@dataclass(frozen=True)
class WriteResult:
    """What one accepted body did: events in it, new ones, and rows added per table."""

    received: int
    new: int
    activities: int
    audit_events: int
    api_usage: int

    def as_reply(self, outcomes: dict[str, int]) -> dict[str, int]:
        return {
            "received": self.received,
            "new": self.new,
            "already_stored": self.received - self.new,
            "activities": self.activities,
            "audit_events": self.audit_events,
            "api_usage": self.api_usage,
            "ignored": outcomes.get("ignored", 0),
        }


def write_batch(store: Store, batch: Batch) -> WriteResult:
    """Store a batch in one transaction. Every table is keyed (event id, activity id), so
    events already stored, or activities the REST collector already brought, add nothing; an
    activity event whose activity was already stored is logged as such, not as `activity`."""
    with store.write() as con:
        known = stored_activity_ids(con, batch.activities)
        log = batch.log
        if known:
            repeated = {
                e.event_id
                for e in batch.events
                if e.outcome == "activity" and str(e.data["marketoGUID"]) in known
            }
            log = log.assign(
                outcome=[
                    ACTIVITY_ALREADY_STORED if event_id in repeated else outcome
                    for event_id, outcome in zip(log["event_id"], log["outcome"], strict=True)
                ]
            )
        return WriteResult(
            received=len(batch.log),
            new=insert_frame(con, "stream_events", log),
            activities=store_activities(con, batch.activities),
            audit_events=insert_frame(con, "audit_events", batch.audit),
            api_usage=insert_frame(con, "api_usage", batch.usage),
        )


def quarantine_body(store: Store, instance: str, body: bytes, reason: str, position: int) -> None:
    """Keep a rejected body verbatim (bytes that are not UTF-8 as \\x escapes) with the reason
    and the position of the event at fault (0: the body as a whole); kept once however often
    the same body arrives."""
    raw = body.decode("utf-8", errors="backslashreplace")
    with store.write() as con:
        quarantine(
            con, instance, QUARANTINE_KIND, QUARANTINE_ORIGIN, [Rejected(position, reason, raw)]
        )


class StreamWriter:
    """Runs store writes one at a time on a dedicated thread, with a bounded wait."""

    def __init__(self, store: Store, *, busy_seconds: float) -> None:
        self.store = store
        self.busy_seconds = busy_seconds
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="streams-writer")
        # Set while a write runs on the thread (e.g. waits for the store's lock), clear while
        # the thread is idle: tells a write that has started from one still queued.
        self.writing = threading.Event()

    async def run(self, write: Callable[[], T]) -> T:
        """Run `write` on the writer thread and wait for it; StoreBusyError after busy_seconds.

        A write still queued then is cancelled; one already running finishes (its commit
        is harmless: a redelivery of the same events adds nothing)."""
        future = asyncio.wrap_future(self._executor.submit(self._tracked, write))
        try:
            return await asyncio.wait_for(future, self.busy_seconds)
        except TimeoutError:
            raise StoreBusyError(
                f"the store did not take the write within {self.busy_seconds:g} s"
            ) from None

    def _tracked(self, write: Callable[[], T]) -> T:
        self.writing.set()
        try:
            return write()
        finally:
            self.writing.clear()

    def close(self) -> None:
        """Let the writes already started finish, drop the queued ones, and stop the thread."""
        self._executor.shutdown(wait=True, cancel_futures=True)
