"""Slow and stalled clients cannot hold the Data Streams receiver: over real sockets on
127.0.0.1, half-sent headers, a trickle of header bytes, and a body shorter than its declared
Content-Length are answered 408 and closed within the configured time (tiny here); connections
beyond the cap are answered 503; nothing of a stalled request is stored, and the receiver goes
on serving. The bounds below are generous: they only catch a wait for ever."""

from __future__ import annotations

import json
import socket
import time

import pytest

from monitor.collectors.streams.receiver import Receiver
from monitor.store import Store
from tests.collectors.streams.test_receiver import AUTH, count, post, sfdc_event, start_receiver

DEADLINE_SECONDS = 0.5
FOR_EVER_SECONDS = 30.0  # "never closed"; a closed connection answers far sooner


@pytest.fixture
def receiver(store: Store):
    running = start_receiver(
        store, header_seconds=DEADLINE_SECONDS, body_seconds=DEADLINE_SECONDS, max_connections=3
    )
    yield running
    running.stop()


def connect(receiver: Receiver) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", receiver.port), timeout=FOR_EVER_SECONDS)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; socket.timeout if it never does."""
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def headers_of(body: bytes, length: int | None = None) -> bytes:
    lines = [
        "POST /events HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: {AUTH['Authorization']}",
        "Content-Type: application/json",
        f"Content-Length: {len(body) if length is None else length}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_half_sent_headers_get_408_and_the_connection_is_closed(receiver, store):
    with connect(receiver) as sock:
        sock.sendall(b"POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz")
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert answer.endswith(b'{"error": "the request was not sent in time"}')


def test_a_connection_that_sends_nothing_is_closed(receiver):
    with connect(receiver) as sock:
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_headers_trickling_in_a_byte_at_a_time_are_cut_off_at_the_deadline(receiver):
    request = headers_of(b"[]")
    with connect(receiver) as sock:
        for byte in request[:-4]:  # never the blank line that ends the headers
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break  # closed while still sending: what the test wants
            time.sleep(DEADLINE_SECONDS / 10)
        else:
            pytest.fail("the server let the headers trickle in for ever")
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_a_body_shorter_than_its_content_length_gets_408_and_nothing_is_stored(receiver, store):
    body = json.dumps([sfdc_event(1)]).encode()
    with connect(receiver) as sock:
        sock.sendall(headers_of(body, length=len(body) + 1000) + body)
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"the request was not sent in time" in answer
    assert count(store, "stream_events") == 0


def test_connections_beyond_the_cap_get_503_and_the_receiver_recovers(receiver, store):
    stalled = [connect(receiver) for _ in range(3)]  # the cap: 3 connections at once
    try:
        answer = post(receiver, [sfdc_event(2)])
        assert answer.status_code == 503
    finally:
        for sock in stalled:
            read_until_closed(sock)  # the header deadline frees them
            sock.close()
    answer = post(receiver, [sfdc_event(3)])
    assert answer.status_code == 200, answer.text
    assert count(store, "stream_events") == 1


def test_a_client_within_the_deadlines_is_served_twice_on_one_connection(receiver, store):
    body = json.dumps([sfdc_event(4)]).encode()
    with connect(receiver) as sock:
        for _ in range(2):
            sock.sendall(headers_of(body) + body)
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                reply += sock.recv(4096)
            assert reply.startswith(b"HTTP/1.1 200 OK\r\n"), reply
    assert count(store, "stream_events") == 1
