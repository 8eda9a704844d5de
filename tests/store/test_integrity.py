"""A store the monitor cannot trust is said so: every verb refuses a damaged store (cut short,
a corrupt block) or one a newer monitor wrote, in one line with the way out, exit 1, no
traceback; and the dashboard shows one st.error instead of a page."""

from __future__ import annotations

import random
import re
from pathlib import Path

import duckdb
import pytest

from monitor.errors import StoreDamagedError, StoreTooNewError
from monitor.store import Store
from queries import migrations
from tests.test_cli import ERRORS_HEADER, monitor

ROWS = "".join(
    f"Record Level,11/20/2026 02:{minute:02d} PM,Failed to update SFDC,"
    f"UNABLE_TO_LOCK_ROW: busy {minute},Lead,{1000 + minute},00Q0000000000{minute:02d}\n"
    for minute in range(60)
)
NEWEST = migrations()[-1][0]


def seeded(tmp_path: Path) -> tuple[Store, Path]:
    """A store with one imported Sync Errors export, and the export."""
    export = tmp_path / "errors.csv"
    export.write_text(ERRORS_HEADER + "\n" + ROWS, encoding="utf-8")
    db = tmp_path / "monitor.duckdb"
    result = monitor("import", "sync-errors", str(export), db=db)
    assert result.returncode == 0, result.stderr
    return Store(db), export


def cut_short(path: Path) -> None:
    """What a copy interrupted half-way leaves."""
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def corrupt_a_block_of(path: Path, table: str) -> None:
    """Overwrite part of one block holding `table`'s rows, past the block's stored checksum."""
    con = duckdb.connect(str(path))
    try:
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        block = con.execute(
            f"SELECT max(block_id) FROM pragma_storage_info('{table}') WHERE block_id >= 0"
        ).fetchone()[0]
    finally:
        con.close()
    assert block is not None, f"{table} has no block on disk"
    with path.open("r+b") as handle:
        handle.seek(3 * 4096 + block * block_size + 64)
        handle.write(random.Random(18).randbytes(4096))


def from_the_future(path: Path) -> None:
    """A store a newer monitor migrated."""
    con = duckdb.connect(str(path))
    try:
        con.execute("INSERT INTO schema_version VALUES (99, now())")
    finally:
        con.close()


DAMAGE = {
    "cut_short": (cut_short, "the store is damaged (", "restore it from a backup"),
    "corrupt_block": (
        lambda path: corrupt_a_block_of(path, "sync_errors"),
        "the store is damaged (",
        "Corrupt database file",
    ),
    "newer_schema": (
        from_the_future,
        f"the store has schema version 99, newer than this monitor knows (up to {NEWEST})",
        "upgrade the monitor",
    ),
}
VERBS = {
    "init": ["init"],
    "import": ["import", "sync-errors", "{export}"],
    "check": ["check", "--json"],
    "report": ["report", "--out", "{folder}"],
    "alerts": ["alerts"],
    "demo": ["demo", "--days", "1"],
}
# Every verb meets one kind of damage, every kind meets the verb that reads most (a CLI run
# costs seconds on a busy machine: not the whole matrix).
CASES = [(verb, "cut_short") for verb in VERBS] + [
    (verb, damage) for verb in ("init", "check") for damage in ("corrupt_block", "newer_schema")
]


@pytest.mark.parametrize(("verb", "damage"), CASES)
def test_every_verb_refuses_a_store_it_cannot_trust_in_one_line(tmp_path, verb, damage):
    store, export = seeded(tmp_path)
    spoil, what, mention = DAMAGE[damage]
    spoil(store.path)
    before = store.path.read_bytes()
    args = [a.format(export=export, folder=tmp_path / "reports") for a in VERBS[verb]]
    result = monitor(*args, db=store.path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"error: {store.path}: {what}"), result.stderr
    assert mention in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert store.path.read_bytes() == before, "a refused store is left as it was"


def test_a_store_refused_at_open_raises_store_errors_through_the_public_api(tmp_path):
    store, _ = seeded(tmp_path)
    corrupt_a_block_of(store.path, "sync_errors")
    # The open itself passes (the block is only read by a query); the query names the damage.
    with pytest.raises(StoreDamagedError, match="restore it from a backup"), store.read() as con:
        con.execute("SELECT * FROM sync_errors").fetchall()
    fresh = Store(tmp_path / "new.duckdb")
    fresh.init()
    from_the_future(fresh.path)
    with pytest.raises(StoreTooNewError, match="upgrade the monitor"):
        Store(fresh.path).query("instances")


def test_a_store_an_older_monitor_wrote_is_migrated_when_first_read(tmp_path):
    path = tmp_path / "monitor.duckdb"
    Store(path).init()
    con = duckdb.connect(str(path))
    try:
        # As before migration 008: its table gone, its version row not written.
        con.execute(f"DELETE FROM schema_version WHERE version = {NEWEST}")
    finally:
        con.close()
    assert Store(path).query("instances").empty
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone() == (NEWEST,)
    finally:
        con.close()


def test_init_on_a_sound_store_still_passes_and_keeps_the_rows(tmp_path):
    store, _ = seeded(tmp_path)
    result = monitor("init", db=store.path)
    assert result.returncode == 0, result.stderr
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM sync_errors").fetchone() == (60,)


def test_the_dashboard_shows_one_error_instead_of_a_traceback_on_a_damaged_store(
    tmp_path, dashboard
):
    store, _ = seeded(tmp_path)
    cut_short(store.path)
    app = dashboard(store.path).run()
    assert not app.exception, app.exception
    assert len(app.error) == 1, [e.value for e in app.error]
    # The message is shown as plain text (escaped Markdown): read it as the page shows it.
    shown = re.sub(r"\\(.)", r"\1", app.error[0].value)
    assert shown.startswith(
        f"The monitor cannot open its store. {store.path}: the store is damaged"
    )
    assert shown.endswith("run `python -m monitor init` to start an empty one")


def test_the_dashboard_says_a_newer_monitor_wrote_the_store(tmp_path, dashboard):
    store, _ = seeded(tmp_path)
    from_the_future(store.path)
    app = dashboard(store.path).run()
    assert not app.exception, app.exception
    assert len(app.error) == 1 and "upgrade the monitor" in app.error[0].value
