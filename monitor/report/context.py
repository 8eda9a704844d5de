"""What the section builders share: one instance's frames for the week (and the week before),
and sentences about sources that delivered nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from monitor.report.weeks import Window

# Kinds of fact (source_coverage.sql's `data`) as the report names them.
DATA_NAMES = {
    "sync_stats": "Backlog and throughput (sync stats)",
    "sync_errors": "Sync errors",
    "sync_cycles": "Sync Status steps",
    "change_counts": "Who changed records",
    "api_usage": "API usage",
    "snapshots": "Describe and permission snapshots",
    "audit_events": "Audit events",
    "marketo_activities": "Marketo activities",
    "collection_runs": "Collection runs",
}


def coverage_rows(coverage: pd.DataFrame, data: str, column: str, source: str = "") -> int:
    """Rows of a kind of fact (source_coverage.sql), of the sources starting with `source`:
    `column` is rows_in_range or rows_to_date."""
    rows = coverage[coverage["data"] == data]
    if source:
        rows = rows[rows["source"].str.startswith(source)]
    return int(rows[column].sum()) if len(rows) else 0


@dataclass
class Context:
    """One instance's week: frames keyed as in monitor/report/load.py."""

    instance: str
    window: Window
    previous: Window
    frames: dict[str, pd.DataFrame]
    previous_frames: dict[str, pd.DataFrame]
    check_overrides: dict[str, dict[str, Any]]

    def rows(self, data: str, column: str = "rows_to_date", source: str = "") -> int:
        return coverage_rows(self.frames["coverage"], data, column, source)

    @property
    def week(self) -> str:
        return self.window.week.label

    def has_source(self, data: str, source: str = "") -> bool:
        """Did this kind of fact (from this source) ever arrive, up to the end of the week?"""
        return self.rows(data, "rows_to_date", source) > 0

    def has_in_week(self, data: str, source: str = "") -> bool:
        return self.rows(data, "rows_in_range", source) > 0

    @property
    def has_data(self) -> bool:
        """Any fact at all in the week, or any finding transition."""
        return (
            bool(self.frames["coverage"]["rows_in_range"].sum()) or not self.frames["events"].empty
        )

    def missing(self, data: str, what: str, how: str) -> str | None:
        """A sentence when `data` never arrived or has nothing in this week, else None."""
        if not self.has_source(data):
            return f"{what}: none had arrived for this instance by the end of {self.week}. {how}"
        if not self.has_in_week(data):
            return f"{what}: nothing arrived in {self.week}."
        return None


def notes(*sentences: str | None) -> list[str]:
    """The sentences that apply."""
    return [sentence for sentence in sentences if sentence]
