"""A loopback HTTP CONNECT proxy that tunnels every host to one local port.

With ``HTTPS_PROXY`` pointing at it, ``requests`` (and so simple-salesforce) reaches
``https://login.salesforce.com`` on the stand-in without DNS, ``/etc/hosts`` or a change to
the client: the client opens a tunnel, then runs TLS end to end with the stand-in, whose
certificate names the real hosts (``LoopbackHTTPS(hostnames=...)``)::

    with SalesforceStandIn() as standin, TunnelProxy(standin.port) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)

``hosts`` lists the host names the proxy was asked to CONNECT to, in order.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.standins.https import Closing

_HEAD_LIMIT = 64 * 1024  # a CONNECT request head is a few hundred bytes
_CHUNK = 64 * 1024


class TunnelProxy(Closing):
    """HTTP CONNECT proxy on 127.0.0.1 (random port); every tunnel ends at ``target_port``."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.hosts: list[str] = []
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        # A blocked accept() does not wake when the socket is closed: poll, so close() is quick.
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="standin-proxy", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop accepting and cut every open tunnel."""
        self._closed.set()
        self._listener.close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            _close(sock)
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed
            client.settimeout(None)  # accepted sockets inherit the listener's timeout
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        head = _read_head(client)
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3 or parts[0].upper() != "CONNECT":
            # Only tunnels: a plain-HTTP request through this proxy is a test's mistake.
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            _close(client)
            return
        host = parts[1].rsplit(":", 1)[0].strip("[]")
        with self._lock:
            self.hosts.append(host)
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            _close(client)
            return
        upstream.settimeout(None)
        self._track(upstream)
        client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        back.start()
        _pump(client, upstream)
        back.join()
        for sock in (client, upstream):
            _close(sock)
            with self._lock:
                self._open.discard(sock)


def _read_head(sock: socket.socket) -> bytes:
    """The request line and headers, up to the blank line (a CONNECT has no body)."""
    head = b""
    while b"\r\n\r\n" not in head and len(head) < _HEAD_LIMIT:
        try:
            chunk = sock.recv(1)  # byte by byte: nothing of the tunnel is read by mistake
        except OSError:
            return b""
        if not chunk:
            break
        head += chunk
    return head


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes one way until the source ends, then pass the end on."""
    try:
        while chunk := source.recv(_CHUNK):
            sink.sendall(chunk)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
