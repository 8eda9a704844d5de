"""What a person asks of the monitor, end to end, where it takes several parts at once: the
CLI, the dashboard and the tests call these, so each does it the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from monitor.collectors.demo.workspace import DemoSummary
from monitor.errors import MonitorError
from monitor.store import Store

if TYPE_CHECKING:
    from monitor.calendar import BusinessCalendar


def build_demo(
    store: Store, *, days: int = 30, seed: int = 7, now: datetime | None = None
) -> DemoSummary:
    """(Re)build the demo workspace and replay the checks over it."""
    from monitor.collectors.demo.workspace import build_demo as simulate
    from monitor.runner import run_checks

    return simulate(store, days=days, seed=seed, now=now, judge=run_checks)


@dataclass
class FileImport:
    """One file of an import: what it did, or why it was refused (one line)."""

    name: str
    summary: str = ""
    error: str = ""


def import_and_check(
    store: Store,
    kind: str,
    paths: list[Path],
    *,
    instance: str,
    zone: ZoneInfo,
    skip_invalid: bool = False,
    overrides: dict[str, dict[str, Any]] | None = None,
    calendar: BusinessCalendar | None = None,
    now: datetime | None = None,
) -> list[FileImport]:
    """Import each file (a refused file does not stop the others), then judge the instance
    again, so that what was imported shows in the findings at once."""
    from monitor.collectors.exports import import_file
    from monitor.runner import run_checks

    results = []
    for path in paths:
        try:
            result = import_file(
                store, kind, path, instance=instance, zone=zone, skip_invalid=skip_invalid
            )
        except MonitorError as exc:
            results.append(FileImport(path.name, error=str(exc)))
            continue
        results.append(FileImport(path.name, summary=result.summary()))
    run_checks(store, instance, now or datetime.now(UTC), overrides=overrides, calendar=calendar)
    return results
