"""What every importer shares: results, strict vs skip-invalid, quarantine of rejected rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from monitor.errors import InputError
from monitor.imports.csvfile import CsvRows, Problem, first_problem_error
from monitor.store import insert_frame


@dataclass
class ImportResult:
    """What one file did to the store."""

    kind: str
    path: str
    rows_read: int
    rows_added: int
    rows_quarantined: int = 0

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


@dataclass(frozen=True)
class Rejected:
    """A row that could not be imported, kept verbatim."""

    line: int
    reason: str
    raw: str


def settle_problems(
    rows: CsvRows, problems: list[Problem], *, skip_invalid: bool
) -> tuple[pd.Series, list[Rejected]]:
    """Strict: raise on the first bad row. Skip-invalid: (mask of good rows, rejected rows)."""
    if rows.ragged and not skip_invalid:
        line, reason, _ = min(rows.ragged)
        raise InputError(f"{rows.path}:{line}: row: {reason}", path=rows.path, line=line)
    if problems and not skip_invalid:
        raise first_problem_error(rows, problems)
    good = pd.Series(True, index=rows.frame.index)
    rejected = [Rejected(line, reason, raw) for line, reason, raw in rows.ragged]
    if problems:
        lines = rows.line_numbers()
        header_line = ",".join(rows.header)
        first_reason: dict[int, Problem] = {}
        for problem in sorted(problems, key=lambda p: p.row):
            first_reason.setdefault(problem.row, problem)
        for row, problem in sorted(first_reason.items()):
            good.iat[row] = False
            rejected.append(
                Rejected(
                    lines[row],
                    f"{problem.column}: {problem.reason}",
                    header_line + "\n" + rows.raw_row(row),
                )
            )
    return good, rejected


def quarantine(
    con: duckdb.DuckDBPyConnection, instance: str, kind: str, origin: str, rejected: list[Rejected]
) -> int:
    """Keep rejected rows (with reason) so they can be fixed and replayed; idempotent."""
    if not rejected:
        return 0
    now = datetime.now(UTC)
    frame = pd.DataFrame(
        {
            "quarantine_id": [
                hashlib.sha256(f"{instance}|{kind}|{origin}|{r.line}|{r.raw}".encode()).hexdigest()
                for r in rejected
            ],
            "instance": instance,
            "kind": kind,
            "origin": origin,
            "line": [r.line for r in rejected],
            "reason": [r.reason for r in rejected],
            "raw": [r.raw for r in rejected],
            "received_at": now,
        }
    )
    insert_frame(con, "quarantine", frame)
    return len(rejected)
