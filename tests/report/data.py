"""Shared by the weekly report tests: the pinned clock, hostile input written through the real
importer, and independent SQL on the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from monitor.collectors.exports import import_file
from monitor.store import Store
from monitor.store.facts import insert_frame

# Monday after the demo's last day (DEMO_NOW, Friday 2026-11-20): the default week is 2026-W47.
REPORT_NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
W47_START = datetime(2026, 11, 16, tzinfo=UTC)
W47_END = datetime(2026, 11, 23, tzinfo=UTC)
W46_START = W47_START - timedelta(days=7)

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
HOSTILE_OBJECT = "</script><img src=x onerror=alert(2)>"
HOSTILE_MODIFIER = "<b onmouseover=alert(3)>admin</b>"
HOSTILE_ACTOR = "@SUM(1+1)*cmd|' /C calc'!A0"


def sync_errors_export(folder: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A Marketo Sync Errors CSV: (date/time, details, object, marketo id, sfdc id) rows."""
    lines = ["Failed On,Date/Time,Error Type,Error Details,Object,Marketo ID,Salesforce ID"]
    for when, details, object_name, marketo_id, sfdc_id in rows:
        quoted = '"' + details.replace('"', '""') + '"'
        lines.append(
            f"Record Level,{when},Failed to update SFDC,{quoted},{object_name},"
            f"{marketo_id},{sfdc_id}"
        )
    path = folder / "sync_errors.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_errors(store: Store, folder: Path, instance: str, rows: list[tuple]) -> None:
    """Import Sync Errors rows as a Marketo admin would (strict: every row must be valid)."""
    import_file(
        store,
        "sync-errors",
        sync_errors_export(folder, rows),
        instance=instance,
        zone=ZoneInfo("UTC"),
    )


def add_hostile_data(store: Store, folder: Path, instance: str = "demo") -> None:
    """Error messages, an object, a modifier and an auditor whose text attacks HTML and
    spreadsheets, all inside 2026-W47."""
    import_errors(
        store,
        folder,
        instance,
        [
            (
                "2026-11-18 10:00:00",
                f"FIELD_CUSTOM_VALIDATION_EXCEPTION: {SCRIPT}",
                "Lead",
                "990001",
                "00Q990000000001",
            ),
            (
                "2026-11-18 10:01:00",
                f"FIELD_CUSTOM_VALIDATION_EXCEPTION: {SCRIPT}",
                "Lead",
                "990002",
                "00Q990000000002",
            ),
            ("2026-11-18 10:02:00", FORMULA, "Lead", "990003", "00Q990000000003"),
            (
                "2026-11-18 10:03:00",
                f"STRING_TOO_LONG: {FORMULA}",
                HOSTILE_OBJECT,
                "990004",
                "00Q990000000004",
            ),
        ],
    )
    with store.write() as con:
        insert_frame(
            con,
            "change_counts",
            pd.DataFrame(
                {
                    "instance": [instance],
                    "ts": [datetime(2026, 11, 18, 10, tzinfo=UTC)],
                    "object": ["Lead"],
                    "modifier": [HOSTILE_MODIFIER],
                    "field": [FORMULA],
                    "changes": [99_999],
                    "provenance": ["reported"],
                }
            ),
        )
        insert_frame(
            con,
            "audit_events",
            pd.DataFrame(
                {
                    "instance": [instance],
                    "event_id": ["hostile-1"],
                    "occurred_at": [datetime(2026, 11, 18, 11, tzinfo=UTC)],
                    "actor": [HOSTILE_ACTOR],
                    "action": ["profileFlsChanged"],
                    "subject": ["Profiles"],
                    "detail": [f"Changed {SCRIPT} to {FORMULA}"],
                    "source": ["salesforce"],
                    "raw": ["{}"],
                }
            ),
        )
        insert_frame(
            con,
            "sync_stats",
            pd.DataFrame(
                {
                    "instance": [instance],
                    "ts": [datetime(2026, 11, 18, 10, tzinfo=UTC)],
                    "object": [HOSTILE_OBJECT],
                    "direction": ["sfdc_to_marketo"],
                    "metric": ["backlog"],
                    "value": [5.0],
                    "provenance": ["reported"],
                }
            ),
        )


def scalar(store: Store, sql: str, **params: Any) -> Any:
    """One value of independent SQL (numbers only: TIMESTAMPTZ would need pytz)."""
    with store.read() as con:
        return con.execute(sql, params).fetchone()[0]


def counts(store: Store, sql: str, **params: Any) -> dict[Any, int]:
    """{key: count} of independent SQL whose rows are (key, count)."""
    with store.read() as con:
        return {key: int(count) for key, count in con.execute(sql, params).fetchall()}


def frame(store: Store, sql: str, **params: Any) -> pd.DataFrame:
    with store.read() as con:
        return con.execute(sql, params).df()
