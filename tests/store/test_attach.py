"""An open attaches the store file to an instance the process keeps up; the burst's last close
detaches it. Between bursts another process must be able to write, as with a connection per
open, and what it wrote must be what the next burst reads."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from monitor.store import Store

# Another process: try to open the file read-write once, write a row, say what happened.
PROBE = """
import sys, duckdb
try:
    con = duckdb.connect(sys.argv[1])
except duckdb.IOException:
    print("locked")
else:
    con.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
    con.execute("INSERT INTO probe VALUES (1)")
    con.close()
    print("wrote")
"""


def other_process_writes(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def probes(store: Store) -> int:
    """Rows the other process wrote (none before it first did)."""
    with store.read() as con:
        if not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'probe'"
        ).fetchone()[0]:
            return 0
        return con.execute("SELECT count(*) FROM probe").fetchone()[0]


def test_a_read_burst_holds_the_file_and_its_close_lets_another_process_write(store: Store):
    with store.read():
        assert other_process_writes(store.path) == "locked"
    assert other_process_writes(store.path) == "wrote"
    # The next burst reads the file as the other process left it, not a copy kept in memory.
    assert probes(store) == 1


def test_a_write_burst_holds_the_file_until_it_commits_and_closes(store: Store):
    with store.write() as con:
        con.execute("CREATE TABLE probe (n INTEGER)")
        con.execute("INSERT INTO probe VALUES (0)")
        assert other_process_writes(store.path) == "locked"
    # The detach checkpointed the write into the file, as closing the last connection did.
    assert not store.path.with_name(store.path.name + ".wal").exists()
    assert other_process_writes(store.path) == "wrote"
    assert probes(store) == 2  # this process's committed row and the other's


def test_overlapping_reads_of_two_threads_share_the_file_and_the_last_close_releases_it(
    store: Store,
):
    first_open = threading.Event()
    second_done = threading.Event()
    seen: list[int] = []

    def second_reader() -> None:
        first_open.wait(timeout=30)
        seen.append(probes(store))  # opens and closes while the first burst is still open
        second_done.set()

    thread = threading.Thread(target=second_reader)
    thread.start()
    with store.read() as con:
        first_open.set()
        assert second_done.wait(timeout=30)
        # The first burst still reads after the second one closed.
        assert seen == [0]
        assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] > 0
        assert other_process_writes(store.path) == "locked"
    thread.join(timeout=30)
    assert other_process_writes(store.path) == "wrote"
