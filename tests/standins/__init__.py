"""Loopback stand-ins of the services the monitor talks to, for tests.

Each stand-in is a real HTTPS server on 127.0.0.1 that replays real payloads from
``tests/fixtures/real/``, so the production clients run unchanged against it.
"""
