"""Store.held_reads: a burst of reads (one script run of a page) shares one read-only
connection, which a write of the same thread closes first and which never outlives the block."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import duckdb
import pytest

from monitor.store import Store
from monitor.store.facts import ensure_instance
from tests.dashboard.pages import open_page


class Opens:
    """Counts this process's DuckDB opens of files (not in-memory databases)."""

    def __init__(self) -> None:
        self.real = duckdb.connect
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, database: str = ":memory:", *args, **kwargs):
        if database not in ("", ":memory:"):
            with self._lock:
                self.count += 1
        return self.real(database, *args, **kwargs)


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> Opens:
    spy = Opens()
    monkeypatch.setattr(duckdb, "connect", spy)
    return spy


def instances(store: Store) -> list[str]:
    return sorted(store.query("instances")["instance"])


def test_reads_in_a_block_share_one_connection_closed_when_it_ends(tmp_path: Path, opens):
    store = Store(tmp_path / "m.duckdb")
    store.init()
    opens.count = 0
    with store.held_reads():
        for _ in range(5):
            assert instances(store) == []
        with Store(store.path).read() as con:  # another Store object of the same file
            assert con.execute("SELECT count(*) FROM instances").fetchone() == (0,)
    assert opens.count == 1
    # Closed with the block: this process can open the file read-write at once.
    with duckdb.connect(str(store.path)) as con:
        assert con.execute("SELECT count(*) FROM instances").fetchone() == (0,)


def test_without_a_block_every_read_opens_and_closes(tmp_path: Path, opens):
    store = Store(tmp_path / "m.duckdb")
    store.init()
    opens.count = 0
    for _ in range(3):
        instances(store)
    assert opens.count == 3


def test_a_write_in_the_block_lets_go_first_and_the_next_read_sees_it(tmp_path: Path, opens):
    store = Store(tmp_path / "m.duckdb")
    store.init()
    with store.held_reads():
        assert instances(store) == []
        with store.write() as con:  # would wait for its own reader if the read stayed open
            ensure_instance(con, "prod")
        assert instances(store) == ["prod"]
        store.init()  # an init (read-write) likewise
        assert instances(store) == ["prod"]


def test_another_threads_write_waits_for_the_block_and_then_lands(tmp_path: Path):
    store = Store(tmp_path / "m.duckdb")
    store.init()
    landed = threading.Event()

    def write() -> None:
        with Store(store.path).write() as con:
            ensure_instance(con, "prod")
        landed.set()

    with ThreadPoolExecutor(max_workers=1) as pool:
        with store.held_reads():
            assert instances(store) == []
            writing = pool.submit(write)
            wait([writing], timeout=0.5)
            assert not landed.is_set(), "a write went in while the block held its reader"
            assert instances(store) == []
        writing.result(timeout=30)
    assert instances(store) == ["prod"]


def test_release_lets_a_writer_in_before_the_block_ends(tmp_path: Path):
    store = Store(tmp_path / "m.duckdb")
    store.init()

    def write() -> None:
        with Store(store.path).write() as con:
            ensure_instance(con, "prod")

    with store.held_reads():
        assert instances(store) == []
        store.release_held_reads()
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Held, the write would wait for the block's end, below this line: a deadlock.
            pool.submit(write).result(timeout=30)
        assert instances(store) == ["prod"]


def test_a_page_render_opens_the_store_once_for_all_its_queries(
    demo_store: Store, dashboard, opens
):
    import streamlit as st

    app = dashboard(demo_store.path)
    open_page(app, "overview")  # the first run migrates the store (prepare_store): a write
    st.cache_data.clear()  # every query of the next run goes to the store
    opens.count = 0
    app.run()
    assert not app.exception and "Sync health overview" in [t.value for t in app.title]
    assert opens.count == 1
