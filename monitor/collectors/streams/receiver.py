"""The Marketo Data Streams receiver: an HTTP endpoint for Adobe I/O Events webhooks.

    GET  /events?challenge=X   Adobe's registration challenge -> X (no token: Adobe sends none)
    POST /events               one event or a batch; `Authorization: Bearer <token>` -> 401 else
    GET  /health               200 while the receiver runs

Starlette (routing, requests) on uvicorn (HTTP/1.1 server): both are already installed with
Streamlit. A POST is answered 2xx only after its batch committed (collectors/streams/writer.py); a
body that is not Data Streams events is answered 400 after it is quarantined; a store that
stays busy is answered 503, which Adobe retries for 24 hours. The token never reaches a log,
a reply or the store. A client too slow with its headers or its body gets 408 and is closed,
and connections beyond a cap get 503 (timeouts.py), so stalled requests cannot hold it.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import re
import signal
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.collectors.streams.events import (
    EventShapeError,
    decode_body,
    parse_batch,
    validation_url,
)
from monitor.collectors.streams.timeouts import LATE, protocol_with_deadline
from monitor.collectors.streams.writer import StreamWriter, quarantine_body, write_batch
from monitor.config import Config
from monitor.config.secrets import load_secrets
from monitor.errors import ConfigError, MonitorError, StoreError
from monitor.store import Store
from monitor.store.facts import ensure_instance

log = logging.getLogger("monitor.collectors.streams.receiver")

TOKEN_VARIABLE = "MONITOR_STREAMS_TOKEN"
MIN_TOKEN_CHARS = 16
# Adobe's challenges are UUIDs; echo nothing that could be markup or a header.
CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{1,256}")
# Adobe I/O Events waits 10 s for an answer before it counts a delivery as failed.
BUSY_SECONDS = 5.0
START_SECONDS = 10.0
INTERNAL_ERROR = "the receiver failed on this body (a bug: see its log); kept for a replay"


def streams_token(secrets: Mapping[str, str]) -> str:
    """The shared token senders present; ConfigError if it is missing or too short to be safe."""
    token = secrets.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise ConfigError(
            f"{TOKEN_VARIABLE} is not set: the receiver refuses to start without it. Set it in "
            "the environment or .streamlit/secrets.toml to a long random value, e.g. the output "
            "of: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(
            f"{TOKEN_VARIABLE} is too short: use at least {MIN_TOKEN_CHARS} random characters"
        )
    return token


@dataclass(frozen=True)
class ReceiverSettings:
    """What one receiver needs: where to store, the sender's token, the body bound."""

    store: Store
    instance: str
    token: str
    max_body_bytes: int
    busy_seconds: float = BUSY_SECONDS
    header_seconds: float = 10.0
    body_seconds: float = 30.0
    max_connections: int = 64


def _error(status: int, reason: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=headers or None)


def build_app(settings: ReceiverSettings, writer: StreamWriter) -> Starlette:
    """The ASGI application; `writer` runs its store writes."""
    expected = settings.token.encode("utf-8")

    def is_authorised(request: Request) -> bool:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        # Header values arrive latin-1 decoded; compare the bytes that were sent.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode("latin-1", errors="replace"), expected
        )

    async def read_body(request: Request) -> bytes | None:
        """The body, or None as soon as it grows past the bound (never buffered beyond it);
        TimeoutError when it is not all there within body_seconds (a client that declared
        more than it sends, or stalled)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.max_body_bytes:
            return None
        chunks, size = [], 0
        async with asyncio.timeout(settings.body_seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > settings.max_body_bytes:
                    return None
                chunks.append(chunk)
        return b"".join(chunks)

    async def challenge(request: Request) -> Response:
        value = request.query_params.get("challenge")
        if value is None:
            return _error(400, "expected ?challenge=<value> (Adobe I/O Events registration)")
        if not CHALLENGE.fullmatch(value):
            return _error(400, "the challenge may hold only letters, digits and . _ ~ -")
        log.info("answered the Adobe I/O Events challenge")
        return PlainTextResponse(value)

    async def receive(request: Request) -> Response:
        if not is_authorised(request):
            log.warning("POST /events refused: missing or wrong bearer token")
            return _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})
        try:
            body = await read_body(request)
        except ClientDisconnect:
            return Response(status_code=400)
        except TimeoutError:
            log.warning("POST /events: the body took over %.0f s; closed", settings.body_seconds)
            return Response(
                LATE,
                status_code=408,
                media_type="application/json",
                headers={"Connection": "close"},
            )
        if body is None:
            log.warning("POST /events refused: body over %d bytes", settings.max_body_bytes)
            return _error(413, f"the body is larger than {settings.max_body_bytes} bytes")
        try:
            return await accept(body)
        except EventShapeError as exc:
            return await reject(body, str(exc), exc.position)
        except StoreError as exc:
            log.warning("POST /events deferred (503): %s", exc)
            return _error(503, "the store is busy; deliver again later", **{"Retry-After": "60"})
        except Exception:
            # A bug of ours, not the sender's: keep the body to replay once it is fixed.
            log.exception("POST /events: the receiver failed on a body; quarantining it")
            return await reject(body, INTERNAL_ERROR, 0, status=500)

    async def accept(body: bytes) -> Response:
        document = decode_body(body)
        url = validation_url(document)
        if url is not None:
            # Adobe's fallback when the challenge failed: a person must open the URL.
            log.warning("Adobe I/O Events asks for validation: open %s within 5 minutes", url)
            return JSONResponse({"validation": "logged"})
        received_at = datetime.now(UTC)
        batch = parse_batch(document, instance=settings.instance, received_at=received_at)
        result = await writer.run(lambda: write_batch(settings.store, batch))
        reply = result.as_reply(batch.outcomes)
        log.info("POST /events stored %s", reply)
        return JSONResponse(reply)

    async def reject(body: bytes, reason: str, position: int, status: int = 400) -> Response:
        try:
            await writer.run(
                lambda: quarantine_body(settings.store, settings.instance, body, reason, position)
            )
        except StoreError as exc:
            # Not kept yet: ask for the body again rather than drop it.
            log.warning("POST /events rejected but not quarantined (503): %s", exc)
            return _error(503, "the store is busy; deliver again later", **{"Retry-After": "60"})
        log.warning("POST /events rejected and quarantined: %s", reason)
        return _error(status, reason)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/events", challenge, methods=["GET"]),
            Route("/events", receive, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Name the protocol: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto is
    # IPPROTO_TCP, and socket.create_server leaves it 0; with Nagle on, every answer waited
    # for the client's delayed ACK (about 40 ms on loopback).
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(socket.SOMAXCONN)
    except OverflowError:
        # A port beyond 65535: the CLI and the config refuse one, a direct caller may not.
        listener.close()
        raise ConfigError(f"cannot listen on {host}:{port}: a port is 0 to 65535") from None
    except OSError as exc:
        listener.close()
        reason = (exc.strerror or str(exc)).lower()
        raise ConfigError(f"cannot listen on {host}:{port}: {reason}") from None
    return listener


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Receiver:
    """The receiver on its own thread: `start()` binds and serves, `stop()` drains and ends.

    The CLI and the tests drive the same object; the CLI's main thread keeps the signals."""

    def __init__(self, settings: ReceiverSettings, host: str, port: int) -> None:
        self.settings = settings
        self.host = host
        self.port = port
        self.writer = StreamWriter(settings.store, busy_seconds=settings.busy_seconds)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        """Base URL it listens on (the actual port when 0 was asked)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Receiver:
        """Prepare the store, bind, and serve on a background thread; returns once listening."""
        self.settings.store.init()
        with self.settings.store.write() as con:
            ensure_instance(con, self.settings.instance)
        self._socket = _listen(self.host, self.port)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            build_app(self.settings, self.writer),
            http=protocol_with_deadline(self.settings.header_seconds),
            limit_concurrency=self.settings.max_connections,
            loop="asyncio",
            lifespan="off",
            log_config=None,  # keep the monitor's logging set-up
            access_log=False,  # our own lines say what happened, without headers
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="streams-http",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ConfigError(f"the receiver did not start on {self.url}")
            time.sleep(0.01)
        if not is_loopback(self.host):
            log.warning(
                "listening on %s: reachable from other machines; put a TLS proxy in front", self.url
            )
        return self

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop taking requests, let the ones in flight finish, then end the writer thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        if self._socket is not None:
            self._socket.close()
        self.writer.close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_streams(
    config: Config, *, host: str | None = None, port: int | None = None, instance: str | None = None
) -> None:
    """`python -m monitor serve-streams`: serve until SIGINT or SIGTERM, then stop cleanly
    (requests in flight are answered, their writes committed)."""
    settings = ReceiverSettings(
        store=Store(config.db, memory_limit=config.memory_limit),
        instance=instance or config.instance,
        token=streams_token(load_secrets()),
        max_body_bytes=config.streams_max_body_kb * 1024,
        header_seconds=config.streams_header_timeout_seconds,
        body_seconds=config.streams_body_timeout_seconds,
        max_connections=config.streams_max_connections,
    )
    receiver = Receiver(
        settings, host or config.streams_host, config.streams_port if port is None else port
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        receiver.start()
        print(
            f"receiving Marketo Data Streams at {receiver.url}/events "
            f"(instance '{settings.instance}', store {config.db}); Ctrl-C to stop",
            flush=True,
        )
        while receiver.is_running() and not stop.wait(0.5):
            pass
    finally:
        receiver.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not stop.is_set():
        raise MonitorError("the receiver stopped on its own; see the log above")
    print("stopped", flush=True)
