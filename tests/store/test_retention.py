"""Retention on a copy of the demo workspace (30 days up to DEMO_NOW): what is older than the
cut-off goes, except the latest snapshot of each object and everything about open findings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.store import Store
from monitor.store.retention import FACTS, apply_retention
from tests.conftest import DEMO_NOW, copy_of

DAYS = 10
CUTOFF = DEMO_NOW - timedelta(days=DAYS)


def fetch(store: Store, sql: str, **params) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql, params).fetchall()


def counts(store: Store, table: str, column: str) -> tuple[int, int]:
    """(rows before the cut-off, rows from it on)."""
    [row] = fetch(
        store,
        f"SELECT count(*) FILTER (WHERE {column} < $c), count(*) FILTER (WHERE {column} >= $c) "
        f"FROM {table}",
        c=CUTOFF,
    )
    return row


TIMED_FACTS = {t: c for t, c in FACTS.items() if t not in ("stream_events",)}


@pytest.fixture(scope="module")
def one_retention(demo_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """One retention pass over a copy of the demo, with every fact table's counts before and
    after it: the cases below each read their table's (a pass costs about a second)."""
    store = copy_of(demo_template, tmp_path_factory.mktemp("retention") / "demo.duckdb")
    before = {table: counts(store, table, column) for table, column in TIMED_FACTS.items()}
    result = apply_retention(store, DEMO_NOW, DAYS)
    after = {table: counts(store, table, column) for table, column in TIMED_FACTS.items()}
    return before, result, after


@pytest.mark.parametrize(("table", "column"), TIMED_FACTS.items())
def test_retention_deletes_facts_older_than_the_cutoff_and_keeps_the_rest(
    one_retention, table: str, column: str
):
    before, result, after = one_retention
    old, recent = before[table]
    assert after[table] == (0, recent)
    assert result.deleted[table] == old


def test_retention_keeps_the_latest_snapshot_of_each_object_however_old(demo_store: Store):
    apply_retention(demo_store, DEMO_NOW, DAYS)
    kept = fetch(
        demo_store,
        "SELECT kind, scope, captured_at < $c FROM snapshots ORDER BY ALL",
        c=CUTOFF,
    )
    # Lead's describe and permissions changed three days ago: their first snapshots go. The
    # other objects never changed: their month-old first snapshot is still the truth.
    assert ("describe", "Lead", True) not in kept
    assert ("describe", "Lead", False) in kept
    assert ("describe", "Account", True) in kept
    assert ("permissions", "Campaign", True) not in kept
    inventory = fetch(
        demo_store,
        "SELECT object, count(DISTINCT captured_at) FROM field_inventory GROUP BY ALL ORDER BY 1",
    )
    assert all(snapshots == 1 for _, snapshots in inventory), inventory
    assert "Account" in dict(inventory)


def test_retention_never_deletes_an_open_finding_or_its_history(demo_store: Store):
    before = fetch(
        demo_store,
        "SELECT fingerprint, count(*) FROM finding_events WHERE fingerprint IN "
        "(SELECT fingerprint FROM findings WHERE status = 'open') GROUP BY ALL ORDER BY 1",
    )
    old_open = fetch(
        demo_store,
        "SELECT count(*) FROM findings WHERE status = 'open' AND first_seen < $c",
        c=CUTOFF,
    )[0][0]
    assert old_open > 0, "the demo has findings open since before the cut-off"
    apply_retention(demo_store, DEMO_NOW, DAYS)
    after = fetch(
        demo_store,
        "SELECT fingerprint, count(*) FROM finding_events WHERE fingerprint IN "
        "(SELECT fingerprint FROM findings WHERE status = 'open') GROUP BY ALL ORDER BY 1",
    )
    assert after == before


def test_retention_deletes_findings_resolved_before_the_cutoff_with_their_events(
    demo_store: Store,
):
    gone = fetch(
        demo_store,
        "SELECT fingerprint FROM findings WHERE status = 'resolved' AND resolved_at < $c",
        c=CUTOFF,
    )
    kept = fetch(
        demo_store,
        "SELECT fingerprint FROM findings WHERE status = 'resolved' AND resolved_at >= $c",
        c=CUTOFF,
    )
    assert gone and kept, "the demo resolves findings on both sides of the cut-off"
    result = apply_retention(demo_store, DEMO_NOW, DAYS)
    remaining = {row[0] for row in fetch(demo_store, "SELECT fingerprint FROM findings")}
    assert not {fp for (fp,) in gone} & remaining
    assert {fp for (fp,) in kept} <= remaining
    assert result.deleted["findings"] == len(gone)
    orphans = fetch(
        demo_store,
        "SELECT count(*) FROM finding_events WHERE fingerprint NOT IN "
        "(SELECT fingerprint FROM findings)",
    )
    assert orphans == [(0,)]


def test_retention_twice_deletes_nothing_more(demo_store: Store):
    apply_retention(demo_store, DEMO_NOW, DAYS)
    again = apply_retention(demo_store, DEMO_NOW, DAYS)
    assert again.rows_deleted == 0
    assert again.summary().endswith("deleted nothing")


def test_retention_on_an_empty_store_deletes_nothing(store: Store):
    assert apply_retention(store, DEMO_NOW, 400).rows_deleted == 0


def test_retention_keeps_the_alert_history_of_open_findings_like_their_events(demo_store: Store):
    with demo_store.write() as con:  # every demo event consumed by alerting long ago
        con.execute(
            "INSERT INTO alert_transitions SELECT e.fingerprint, e.changed_at, e.transition, "
            "f.instance, e.severity, 'stale', NULL, NULL, e.changed_at, e.changed_at "
            "FROM finding_events e JOIN findings f USING (fingerprint)"
        )
    apply_retention(demo_store, DEMO_NOW, DAYS)
    unmatched = fetch(
        demo_store,
        "SELECT count(*) FROM finding_events e FULL JOIN alert_transitions a "
        "USING (fingerprint, changed_at, transition) "
        "WHERE e.fingerprint IS NULL OR a.fingerprint IS NULL",
    )
    assert unmatched == [(0,)]  # the ledger still matches the events one to one
    [(old_open,)] = fetch(
        demo_store,
        "SELECT count(*) FROM alert_transitions WHERE changed_at < $c AND fingerprint IN "
        "(SELECT fingerprint FROM findings WHERE status = 'open')",
        c=CUTOFF,
    )
    assert old_open > 0


def test_retention_keeps_undelivered_alerts_and_the_latest_hygiene_counts(demo_store: Store):
    old = DEMO_NOW - timedelta(days=DAYS + 5)
    with demo_store.write() as con:
        for message, status in (("m-sent", "sent"), ("m-failed", "failed"), ("m-gone", "dropped")):
            con.execute(
                "INSERT INTO alert_messages VALUES ($m, 'demo', 'alert', 'warning', 't', 'b', "
                "[], 1, $at)",
                {"m": message, "at": old},
            )
            con.execute(
                "INSERT INTO alert_outbox VALUES ($m, 'json:ab12', $s, 3, 0, $at, $at, NULL, "
                "'HTTP 500', $at)",
                {"m": message, "s": status, "at": old},
            )
        con.execute("UPDATE field_fill SET captured_at = captured_at - INTERVAL 60 DAY")
    latest_fill = fetch(
        demo_store,
        "SELECT count(*) FROM field_fill f WHERE captured_at = "
        "(SELECT max(captured_at) FROM field_fill l WHERE l.object = f.object)",
    )
    result = apply_retention(demo_store, DEMO_NOW, DAYS)
    assert fetch(demo_store, "SELECT message_id, status FROM alert_outbox") == [
        ("m-failed", "failed")
    ]
    assert fetch(demo_store, "SELECT message_id FROM alert_messages") == [("m-failed",)]
    assert result.deleted["alert_outbox"] == result.deleted["alert_messages"] == 2
    # One capture per object, however old: it is still the latest count there is.
    assert fetch(demo_store, "SELECT count(*) FROM field_fill") == latest_fill
