"""Store migrations: each numbered migration is applied once, whatever order it landed in."""

from __future__ import annotations

import duckdb

from monitor.store import Store, migrate
from queries import migrations


def test_a_migration_numbered_below_the_stored_version_is_still_applied(tmp_path):
    path = tmp_path / "monitor.duckdb"
    newest = migrations()[-1][0]
    con = duckdb.connect(str(path))
    try:
        migrate(con)
        # A store migrated before 004 existed: the table and its version row are missing.
        con.execute("DROP TABLE stream_events")
        con.execute("DELETE FROM schema_version WHERE version = 4")
        assert migrate(con) == newest
        assert con.execute("SELECT count(*) FROM stream_events").fetchone() == (0,)
        versions = [
            row[0]
            for row in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
        assert versions == [version for version, _ in migrations()]
    finally:
        con.close()


def test_init_twice_applies_nothing_new(tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    assert store.init() == store.init() == migrations()[-1][0]
