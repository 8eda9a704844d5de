"""The receiver the stream tests post to: on the test's store, with the default settings of
tests/collectors/streams/test_receiver.py (a module that needs other ones builds its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monitor.collectors.streams.receiver import Receiver
from monitor.store import Store
from tests.collectors.streams.test_receiver import start_receiver


@pytest.fixture
def receiver(store: Store) -> Iterator[Receiver]:
    running = start_receiver(store)
    yield running
    running.stop()
