"""Slow and stalled clients cannot hold the receiver: uvicorn's HTTP/1.1 protocol with a deadline
for each request's headers.

uvicorn closes a connection idle between requests (`timeout_keep_alive`), but waits for ever for
headers that trickle in a byte at a time, or stop half-way (a slowloris). Here every request's
headers must be complete within `header_seconds` of the connection opening or of the previous
answer; otherwise the client gets 408 and the connection is closed. The body has its own deadline,
kept by the application while it reads (receiver.py), and `limit_concurrency` answers 503 to the
requests beyond the connections allowed at once.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("monitor.collectors.streams.receiver")

LATE = b'{"error": "the request was not sent in time"}'
TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(LATE), LATE)
)


class HeaderDeadlineProtocol(H11Protocol):
    """H11Protocol that answers 408 and closes when a request's headers are late."""

    header_seconds: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the headers are in: the body has its own deadline

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets the same time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_seconds, self._headers_late)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_late(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        log.warning(
            "closed a connection whose request headers took over %.0f s", self.header_seconds
        )
        self.transport.write(TIMED_OUT)
        self.transport.close()


def protocol_with_deadline(header_seconds: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class uvicorn instantiates per connection, with this deadline."""
    return type("HeaderDeadline", (HeaderDeadlineProtocol,), {"header_seconds": header_seconds})
