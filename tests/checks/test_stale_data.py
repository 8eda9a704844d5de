"""stale_data: the freshness of each feed -> expected findings (including the cases that must
stay silent), plus the feeds as the real importers and receiver leave them in a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from checks import stale_data
from checks.base import check_from_module
from monitor.collectors.exports import import_file
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.harness import judge

CHECK = check_from_module(stale_data)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
UTC_ZONE = ZoneInfo("UTC")


def sources(*rows: tuple[str, str, str, timedelta]) -> pd.DataFrame:
    """source_freshness rows: (source, kind, key, age of the newest data)."""
    return pd.DataFrame(
        {
            "source": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "key": [r[2] for r in rows],
            "newest": [pd.Timestamp(NOW - r[3]) for r in rows],
            "last_attempt": [pd.Timestamp(NOW - r[3]) for r in rows],
        }
    )


evaluate = partial(judge, CHECK, now=NOW)


ERRORS = ("Sync Errors exports", "export", "sync-errors")
STREAM = ("Data Streams", "stream", "data_streams")


@pytest.mark.parametrize(
    ("rows", "overrides", "expected"),
    [
        pytest.param([(*ERRORS, 2 * HOUR)], {}, [], id="fresh export stays silent"),
        pytest.param([(*ERRORS, 35 * HOUR)], {}, [], id="just within 36 h stays silent"),
        pytest.param(
            [(*ERRORS, 37 * HOUR)], {}, ["Sync Errors exports"], id="export older than 36 h"
        ),
        pytest.param(
            [(*ERRORS, 13 * HOUR)],
            {"export_stale_hours": 12},
            ["Sync Errors exports"],
            id="export_stale_hours is honoured",
        ),
        pytest.param([(*STREAM, 23 * HOUR)], {}, [], id="stream within 24 h stays silent"),
        pytest.param([(*STREAM, 25 * HOUR)], {}, ["Data Streams"], id="stream older than 24 h"),
        pytest.param(
            [("Salesforce collector", "collector", "salesforce", 30 * 24 * HOUR)],
            {},
            [],
            id="collectors are source_down's, not this check's",
        ),
        pytest.param(
            [("Demo workspace", "demo", "demo", 60 * 24 * HOUR)],
            {},
            [],
            id="a demo workspace is a recording, never stale",
        ),
        pytest.param([], {}, [], id="no source at all stays silent"),
    ],
)
def test_stale_data_scenario(rows, overrides, expected):
    assert [f.subject for f in evaluate({"sources": sources(*rows)}, **overrides)] == expected


def test_stale_data_finding_says_since_when_and_what_goes_blind():
    (finding,) = evaluate({"sources": sources((*ERRORS, 50 * HOUR))})
    assert finding.severity == "warning"
    assert "2026-11-18 10:00 UTC" in finding.title
    assert "cannot judge the sync" in finding.title
    assert "50 hours old" in finding.detail and "permission failures" in finding.detail
    assert finding.evidence["age_hours"] == 50.0
    assert finding.evidence["stale_after_hours"] == 36
    assert finding.evidence["cause_key"] == (
        f"outage:{finding.subject}|{pd.Timestamp(finding.evidence['newest'])}"
    )


def _export(path: Path, *rows: tuple[datetime, str]) -> Path:
    lines = ["Failed On,Date/Time,Error Type,Error Details,Object,Marketo ID,Salesforce ID"]
    for index, (when, details) in enumerate(rows):
        lines.append(
            f'Record Level,{when:%Y-%m-%d %H:%M:%S},Failed to update SFDC,"{details}",'
            f"Lead,{1000 + index},00Q00000000000{index:01d}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_empty_export_still_shows_the_feed_is_alive(store: Store, tmp_path: Path):
    """Marketo's export on a day without errors has a header and no row: imported, it keeps
    the Sync Errors feed fresh (the import log), though it holds no data time."""
    old = _export(tmp_path / "old.csv", (NOW - 60 * HOUR, "UNABLE_TO_LOCK_ROW: x"))
    import_file(store, "sync-errors", old, instance="acme", zone=UTC_ZONE, now=NOW - 50 * HOUR)
    summary = run_checks(store, "acme", NOW)
    assert "Sync Errors exports" in {t.subject for t in summary.transitions}
    empty = tmp_path / "empty.csv"
    empty.write_text(old.read_text().splitlines()[0] + "\n", encoding="utf-8")
    imported = import_file(store, "sync-errors", empty, instance="acme", zone=UTC_ZONE, now=NOW)
    assert imported.rows_read == 0
    summary = run_checks(store, "acme", NOW + HOUR)
    resolved = [t for t in summary.transitions if t.transition == "resolved"]
    assert [t.subject for t in resolved] == ["Sync Errors exports"]
