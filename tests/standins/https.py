"""A loopback HTTPS server whose certificate comes from a throwaway ``trustme`` CA.

Clients trust it through the CA bundle file (``REQUESTS_CA_BUNDLE`` for requests), so
the code under test keeps certificate verification switched on. The certificate can name
real hostnames too (``hostnames=("login.salesforce.com",)``): a client that reaches the
server through ``tests.standins.proxy`` then verifies it under the name it asked for.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self, TypeVar

import pytest
import trustme


@dataclass(frozen=True)
class Incoming:
    """One HTTP request as the server read it."""

    method: str
    target: str  # path plus query string, as sent on the request line
    headers: dict[str, str]  # header names lower-cased
    body: bytes


@dataclass(frozen=True)
class Reply:
    """What to send back: status, body bytes, content type and extra headers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json;charset=UTF-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


Dispatch = Callable[[Incoming], Reply]


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as requests.Session expects from a real server.
    protocol_version = "HTTP/1.1"
    timeout = 30
    # Buffer the reply so headers and body leave together: unbuffered pieces meet TCP's
    # delayed acknowledgements and a 3 ms answer takes 44 ms.
    wbufsize = -1

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        incoming = Incoming(
            method=self.command,
            target=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        reply = self.server.dispatch(incoming)  # type: ignore[attr-defined]
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: tests read ``requests`` on the stand-in, not stderr."""


class _TLSServer(ThreadingHTTPServer):
    # Daemon threads: idle keep-alive connections must not block close().
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext, dispatch: Dispatch) -> None:
        self.context = context
        self.dispatch = dispatch
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: socket.socket, client_address: tuple) -> None:
        # The handshake runs here, in the connection's own thread, so one slow or
        # broken client cannot stall the accept loop.
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request: object, client_address: tuple) -> None:
        """Clients hanging up mid-connection are normal in tests; stay quiet."""


class LoopbackHTTPS:
    """Serve ``dispatch`` over HTTPS on 127.0.0.1 (random port) from a background thread.

    The certificate is valid for 127.0.0.1, localhost and any extra ``hostnames``."""

    def __init__(self, dispatch: Dispatch, hostnames: tuple[str, ...] = ()) -> None:
        ca = trustme.CA()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        names = dict.fromkeys(("127.0.0.1", "localhost", *hostnames))  # no duplicates
        ca.issue_cert(*names).configure_cert(context)
        self._directory = Path(tempfile.mkdtemp(prefix="standin-ca-"))
        self.ca_bundle = str(self._directory / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_bundle)
        self._server = _TLSServer(context, dispatch)
        self.port: int = self._server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        # A short poll interval keeps close() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="standin-https",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving, free the port and delete the CA file."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self._directory, ignore_errors=True)


class Closing:
    """A stand-in used as ``with StandIn() as running:``; leaving the block closes it."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class LoopbackStandIn(Closing):
    """A stand-in whose ``_dispatch`` answers over ``LoopbackHTTPS``: its url, port and
    ca_bundle."""

    def _serve(self, dispatch: Dispatch, hostnames: tuple[str, ...] = ()) -> None:
        self._server = LoopbackHTTPS(dispatch, hostnames=hostnames)
        self.url = self._server.url
        self.port = self._server.port
        self.ca_bundle = self._server.ca_bundle

    def close(self) -> None:
        """Stop the server and delete its CA file."""
        self._server.close()


S = TypeVar("S", bound=LoopbackStandIn)


@contextmanager
def trusted(standin: S, monkeypatch: pytest.MonkeyPatch) -> Iterator[S]:
    """Run `standin` with requests trusting its certificate for the test: REQUESTS_CA_BUNDLE
    overrides even a session's own `verify`, so the production clients run unchanged."""
    with standin as running:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", running.ca_bundle)
        yield running


def joined_ca_bundle(folder: Path, *standins: LoopbackStandIn) -> Path:
    """One CA file in `folder` trusting every stand-in: REQUESTS_CA_BUNDLE names one file."""
    bundle = folder / "ca.pem"
    bundle.write_text(
        "".join(Path(s.ca_bundle).read_text(encoding="utf-8") for s in standins), encoding="utf-8"
    )
    return bundle


def trust_all(monkeypatch: pytest.MonkeyPatch, folder: Path, *standins: LoopbackStandIn) -> None:
    """Have requests trust several running stand-ins at once for the test."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(joined_ca_bundle(folder, *standins)))
