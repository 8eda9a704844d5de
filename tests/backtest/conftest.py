"""The store the backtest and preview tests replay: test_backtest's eventful series."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.store import Store
from monitor.store.facts import ensure_instance, insert_frame
from tests.backtest.test_backtest import eventful_series
from tests.checks.test_backlog_spike import INSTANCE, stats_rows


@pytest.fixture
def replay_store(tmp_path: Path) -> Store:
    """16 days of Lead backlog with floods in the last 36 hours (eventful_series)."""
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        ensure_instance(con, INSTANCE)
        insert_frame(con, "sync_stats", stats_rows(eventful_series(), "reported"))
    return store
