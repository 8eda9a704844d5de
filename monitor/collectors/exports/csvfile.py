"""Reading CSV exports: BOM, quoted commas and newlines, header aliases, exact line numbers.

DuckDB's CSV reader loads the rows into a temporary table, so a million-row export never sits
in Python's memory. Line numbers are only needed to report a bad row; they come from a second,
streaming pass with Python's csv module, made only when there is something to report.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from monitor.errors import InputError
from monitor.vocabulary import squeezed


def normalize_header(name: str) -> str:
    """`Date/Time`, ` date time ` and `DATETIME` all become `datetime`."""
    return squeezed(name)


@dataclass(frozen=True)
class CsvSpec:
    """The columns of one export kind: canonical name -> accepted (normalized) header names."""

    kind: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)  # canonical -> header as exported

    def label(self, canonical: str) -> str:
        return self.labels.get(canonical, canonical)


@dataclass
class Problem:
    """One invalid row: where and why."""

    row: int  # 0-based data row of the file (the frame's index label)
    column: str
    reason: str


def _cannot_read(path: Path, exc: OSError) -> InputError:
    return InputError(f"{path}: cannot read the file: {exc.strerror}", path=str(path))


def _not_utf8(path: Path) -> InputError:
    """Find the first byte that is not UTF-8 and name its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = line = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].count(b"\n") + 1
                return InputError(
                    f"{path}:{line}: not UTF-8 text (byte {offset + exc.start}); "
                    "save the export as UTF-8 CSV",
                    path=str(path),
                    line=line,
                )
            offset += len(chunk)
            line += chunk.count(b"\n")
    return InputError(f"{path}: not UTF-8 text; save the export as UTF-8 CSV", path=str(path))


BLANKS = "(chr(32), chr(9), chr(10), chr(13))"


def _trimmed(column: str) -> str:
    """SQL trimming blanks around a cell; it trims only the cells that need it (measured 3x
    cheaper than trimming every cell of a million-row export)."""
    return (
        f"CASE WHEN left({column}, 1) IN {BLANKS} OR right({column}, 1) IN {BLANKS} "
        f"THEN trim({column}, chr(32) || chr(9) || chr(10) || chr(13)) ELSE {column} END"
    )


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of every record after the header, read as a stream."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        start = 1
        for index, record in enumerate(reader):
            if index > 0:
                yield start, record
            start = reader.line_num + 1


def _is_data(record: list[str], width: int) -> bool:
    """The records kept as rows: the right width and not blank."""
    return len(record) == width and any(cell != "" for cell in record)


def _as_csv(values: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(list(values))
    return out.getvalue()


@dataclass
class CsvSource:
    """An opened export: its header, where each canonical column is, and its blocks of rows."""

    path: Path
    spec: CsvSpec
    header: list[str]
    mapping: dict[str, int]
    ragged_seen: int = 0  # rows of the wrong width met while staging

    @property
    def width(self) -> int:
        return len(self.header)

    def stage(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        """Load every data row into the temporary table `table` (_row, c0..cN; '' when empty)
        with DuckDB's parallel CSV reader, for files too large to hold in Python. Rows of the
        wrong width are counted in ragged_seen; returns the rows staged."""
        names = [f"c{i}" for i in range(self.width)]
        columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
        cells = ", ".join(f"coalesce({n}, '') AS {n}" for n in names)
        nonblank = " OR ".join(f"{n} <> ''" for n in names)
        con.execute("SET preserve_insertion_order = true")  # _row must follow the file
        try:
            con.execute(
                f"""
                CREATE TEMP TABLE {table} AS
                SELECT CAST(row_number() OVER () - 1 AS BIGINT) AS _row, *
                FROM (
                    SELECT {cells}
                    FROM read_csv($path, header = false, skip = 1, all_varchar = true,
                                  auto_detect = false, quote = '"', escape = '"',
                                  strict_mode = false, store_rejects = true,
                                  rejects_table = '_csv_rejects', rejects_scan = '_csv_scans',
                                  columns = {columns})
                )
                WHERE {nonblank}
                """,
                {"path": str(self.path)},
            )
        except duckdb.OutOfMemoryException:
            raise  # the store's concern (memory_limit), not the file's
        except duckdb.IOException as exc:
            raise InputError(
                f"{self.path}: cannot read the file: {exc}", path=str(self.path)
            ) from None
        except duckdb.Error as exc:
            raise InputError(
                f"{self.path}: not a readable CSV file: {exc}", path=str(self.path)
            ) from None
        finally:
            with contextlib.suppress(duckdb.TransactionException):  # already aborted
                con.execute("SET preserve_insertion_order = false")
        # One rejected line can be reported once per missing column: count lines.
        kinds, lines = con.execute(
            "SELECT list(DISTINCT error_type), count(DISTINCT line) FROM _csv_rejects"
        ).fetchone()
        if any("ENCODING" in kind for kind in kinds or []):
            raise _not_utf8(self.path)
        self.ragged_seen = lines
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def columns_sql(self) -> str:
        """SELECT list over a staged table: _row, the canonical columns (trimmed; '' when the
        file lacks them) and the original cells c0..cN."""
        cells = ["_row"]
        for canonical in self.spec.columns:
            if canonical in self.mapping:
                cells.append(f"{_trimmed(f'c{self.mapping[canonical]}')} AS {canonical}")
            else:
                cells.append(f"'' AS {canonical}")
        return ", ".join(cells + [f"c{i}" for i in range(self.width)])

    def data_lines(self, rows: Iterable[int]) -> dict[int, int]:
        """The line where each of the given data rows starts (values may hold newlines)."""
        wanted = set(rows)
        found: dict[int, int] = {}
        row = 0
        for line, record in _records(self.path):
            if not _is_data(record, self.width):
                continue
            if row in wanted:
                found[row] = line
                if len(found) == len(wanted):
                    break
            row += 1
        return found

    def ragged_rows(self) -> list[tuple[int, str, str]]:
        """(line, reason, raw) of every record with the wrong number of columns."""
        return [
            (line, f"expected {self.width} columns, found {len(record)}", _as_csv(record))
            for line, record in _records(self.path)
            if record and len(record) != self.width and any(cell.strip() for cell in record)
        ]

    def raw_row(self, frame: pd.DataFrame, row: int) -> str:
        """Data row `row` of `frame` re-written as one CSV record in the original column order."""
        return _as_csv(frame.at[row, f"c{i}"] for i in range(self.width))


def open_source(path: Path, spec: CsvSpec) -> CsvSource:
    """Read and check the header of `path` for `spec`: the file is empty, unreadable or lacks a
    required column -> one clear InputError."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), None)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    if not first or not any(cell.strip() for cell in first):
        raise InputError(f"{path}:1: the file is empty; expected a header row", path=str(path))
    header = [cell.strip() for cell in first]
    normalized = [normalize_header(h) for h in header]
    mapping: dict[str, int] = {}
    for canonical, aliases in spec.columns.items():
        for position, name in enumerate(normalized):
            if name in aliases and canonical not in mapping:
                mapping[canonical] = position
    missing = [c for c in spec.required if c not in mapping]
    if missing:
        wanted = ", ".join(spec.label(c) for c in missing)
        raise InputError(
            f"{path}:1: {spec.kind} header is missing {wanted} (found: {', '.join(header)})",
            path=str(path),
            line=1,
        )
    return CsvSource(path, spec, header, mapping)


def read_all(source: CsvSource) -> pd.DataFrame:
    """Every row of a small export in one frame (sync status, series, permissions): canonical
    string columns ('' when empty or absent) plus the original cells as c0..cN, indexed by data
    row number. Parsed by the same DuckDB reader as large exports, so lines match."""
    with duckdb.connect() as con:
        source.stage(con, "_staged")
        sql = f"SELECT {source.columns_sql()} FROM _staged ORDER BY _row"
        frame = con.execute(sql).df().set_index("_row")
    frame.index.name = None
    return frame
