"""What every importer shares: results, strict vs skip-invalid, quarantine of rejected rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from monitor.collectors.exports.csvfile import CsvSource, Problem
from monitor.errors import InputError
from monitor.store.quarantine import Rejected


@dataclass(frozen=True)
class ImportRequest:
    """One file to import and how to read it: what every importer is given (import_file)."""

    path: Path
    instance: str
    zone: ZoneInfo  # the zone of times written without one
    # The import's moment: snapshots (describe, permissions) are taken then, and times of rows
    # may not lie more than a day after it.
    now: datetime
    skip_invalid: bool = False  # strict (the first bad row refuses the file) unless set
    # mdy | dmy: how Marketo's exports (Sync Errors, Sync Status) write their dates, in the
    # exporting user's locale.
    date_order: str = "mdy"


@dataclass
class ImportResult:
    """What one file did to the store."""

    kind: str
    path: str
    rows_read: int
    rows_added: int
    rows_quarantined: int = 0
    # The newest time a row of the file holds (None for snapshots and files without rows):
    # how far the data reaches, which the import log keeps for freshness.
    newest_at: datetime | None = None
    # One line each: what was read but deliberately not stored, and why.
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_already_stored(self) -> int:
        return self.rows_read - self.rows_added - self.rows_quarantined

    def summary(self) -> str:
        text = (
            f"{self.path}: {self.kind}: {self.rows_read} rows read, {self.rows_added} new, "
            f"{self.rows_already_stored} already stored"
        )
        if self.rows_quarantined:
            text += f", {self.rows_quarantined} quarantined"
        return text


def settle_problems(
    source: CsvSource,
    frame: pd.DataFrame,
    problems: list[Problem],
    *,
    skip_invalid: bool,
    include_ragged: bool = True,
) -> tuple[pd.Series, list[Rejected]]:
    """Strict: raise for the first bad row of the file (a bad value or a row of the wrong
    width), naming FILE:LINE: column. Skip-invalid: (mask of good rows, rejected rows).

    Importers that read block by block pass include_ragged=False and call reject_ragged once,
    after the last block."""
    if not skip_invalid and (problems or source.ragged_seen):
        raise first_invalid(source, problems)
    good = pd.Series(True, index=frame.index)
    rejected = reject_ragged(source) if include_ragged else []
    if problems:
        first_reason: dict[int, Problem] = {}
        for problem in sorted(problems, key=lambda p: p.row):
            first_reason.setdefault(problem.row, problem)
        lines = source.data_lines(first_reason)
        header_line = ",".join(source.header)
        for row, problem in sorted(first_reason.items()):
            good.loc[row] = False
            rejected.append(
                Rejected(
                    lines[row],
                    f"{problem.column}: {problem.reason}",
                    header_line + "\n" + source.raw_row(frame, row),
                )
            )
    return good, rejected


def reject_ragged(source: CsvSource) -> list[Rejected]:
    """Rows of the wrong width met while reading, kept verbatim."""
    if not source.ragged_seen:
        return []
    return [Rejected(line, reason, raw) for line, reason, raw in source.ragged_rows()]


def first_invalid(source: CsvSource, problems: list[Problem]) -> InputError:
    """The strict-mode error: the earliest bad line of the file, as FILE:LINE: column: reason."""
    candidates: list[tuple[int, str, str]] = []
    if problems:
        problem = min(problems, key=lambda p: p.row)
        line = source.data_lines([problem.row])[problem.row]
        candidates.append((line, problem.column, problem.reason))
    if source.ragged_seen:
        line, reason, _ = source.ragged_rows()[0]
        candidates.append((line, "row", reason))
    line, column, reason = min(candidates)
    return InputError(
        f"{source.path}:{line}: {column}: {reason}", path=str(source.path), line=line, column=column
    )


def newest(times: pd.Series) -> datetime | None:
    """The latest of some parsed timestamps, None when there is none."""
    latest = times.dropna().max() if len(times) else None
    return None if latest is None or pd.isna(latest) else pd.Timestamp(latest).to_pydatetime()
