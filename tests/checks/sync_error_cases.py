"""How the sync-error checks' tests (lock_contention, stuck_records, picklist_data_errors,
validation_rule_failures) judge their cases: errors into a real store, either imported from a
Sync Errors export or written straight through write_sync_errors, the export brought up to the
judging time, then the check's outcomes. One home for what their scenario tables had each
repeated, and for the cases those checks share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from _pytest.mark import ParameterSet

from checks.base import Check
from monitor.store import Store
from tests.checks.harness import Case, Outcomes, judge, scenario
from tests.conftest import export_reaches
from tests.sync_errors import Failure, import_export, repeated, write_errors


@dataclass(frozen=True)
class SyncErrorJudge:
    """One sync-error check judged over a real store of `instance` at `now`."""

    check: Check
    now: datetime
    instance: str

    def evaluate(self, store: Store, **settings: Any) -> Outcomes:
        """The check's outcomes over `store` at `now`, run with `settings`."""
        return judge(self.check, store, now=self.now, instance=self.instance, **settings)

    def import_errors(
        self, store: Store, folder: Path, rows: Iterable[Failure], name: str = "errors"
    ) -> None:
        """Import `rows` as a Sync Errors export taken at `now`, written to `folder`/`name`.csv."""
        lines = [row.line(self.now) for row in rows]
        import_export(store, folder / f"{name}.csv", lines, self.instance)

    def imported_case(self, store: Store, folder: Path, case: Case) -> Outcomes:
        """The outcomes of a table case whose facts are Failures, imported as an export."""
        self.import_errors(store, folder, case.facts)
        return self._judged(store, case)

    def written_case(self, store: Store, case: Case) -> Outcomes:
        """The outcomes of a table case whose facts are a callable returning SyncErrors, written
        straight to the store."""
        write_errors(store, case.facts(), self.instance)
        return self._judged(store, case)

    def _judged(self, store: Store, case: Case) -> Outcomes:
        export_reaches(store, self.instance, self.now)  # every case's export runs up to now
        return self.evaluate(store, **case.settings)


def lookback_cases(details: str, fired: dict[str, str]) -> list[ParameterSet]:
    """The lookback window of a check that fires on five errors of `details` (into `fired`):
    five such errors 25 hours old are past the default lookback_hours, and 48 hours sees them."""
    aged = repeated(details, 5, hours_ago=25)
    return [
        scenario("stays_silent_on_errors_older_than_lookback_hours", aged, {}),
        scenario("a_longer_lookback_hours_sees_them", aged, fired, lookback_hours=48),
    ]
