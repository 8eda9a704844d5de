"""A loopback HTTP receiver for alert payloads (apprise's `json://127.0.0.1:PORT/path`).

    with WebhookReceiver() as receiver:
        url = receiver.apprise_url("alerts/s3cret-token")
        ...
        receiver.payloads      # every JSON body received, in order
        receiver.status = 500  # answer the next requests with this status
        receiver.hold_replies()  # keep the next replies back (the sender waits) until
        receiver.release_replies()

It records what arrives and answers with `status`; nothing is mocked on the sender's side.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.standins.https import Closing


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        receiver: WebhookReceiver = self.server.receiver  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with receiver.lock:
            status = receiver.status
            receiver.requests.append(
                Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw or b"null"),
                )
            )
        receiver.arrived.set()
        receiver.released.wait(timeout=60)
        body = b'{"ok": true}' if status < 300 else b'{"error": "receiver is down"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `requests`, not stderr."""


class WebhookReceiver(Closing):
    """Records every POST on 127.0.0.1 (random port) from a background thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Received] = []
        self.status = 200
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.released.set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.receiver = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def apprise_url(self, path: str) -> str:
        """apprise's generic JSON webhook URL for this receiver."""
        return f"json://127.0.0.1:{self.port}/{path}"

    def hold_replies(self) -> None:
        """Receive but do not answer until release_replies(): a sender caught mid-send."""
        self.arrived.clear()
        self.released.clear()

    def release_replies(self) -> None:
        self.released.set()

    def wait_for_request(self, timeout: float) -> bool:
        """Wait until a request has arrived since hold_replies()."""
        return self.arrived.wait(timeout)

    @property
    def payloads(self) -> list[Any]:
        with self.lock:
            return [r.body for r in self.requests]

    def close(self) -> None:
        self.release_replies()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
