"""Reading CSV exports: BOM, quoted commas and newlines, header aliases, exact line numbers.

DuckDB's CSV reader loads the rows into a temporary table, so a million-row export never sits
in Python's memory. It reads strictly: a record whose cells are not exactly the header's (too
many, too few, a stray quote, a line over MAX_LINE_BYTES) is never stored shifted or cut; it is
rejected with its line. Line numbers of rows with bad values come from a second, streaming pass
with Python's csv module, made only when there is something to report.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from monitor.errors import InputError
from monitor.vocabulary import squeezed

# Bounds that refuse a pathological file early instead of after minutes and gigabytes: no
# export the monitor reads has more than a few dozen columns or lines near a mebibyte.
MAX_COLUMNS = 200
MAX_LINE_BYTES = 1 << 20
# What a rejected record keeps verbatim in the quarantine (an unbalanced quote swallows the
# rest of the file into one record).
MAX_RAW_CHARS = 64 * 1024


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

    @classmethod
    def marketo_export(
        cls, kind: str, columns: dict[str, tuple[str, ...]], headers: dict[str, str]
    ) -> CsvSpec:
        """The spec of a Marketo admin export: the columns it always writes are required, and
        messages name them by `headers`, as Marketo heads them."""
        return cls(kind, columns, required=tuple(headers), labels=headers)

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


def require_regular_file(path: Path) -> None:
    """Refuse what is not a regular file before opening it: reading a FIFO waits for ever."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{path}: not a regular file (a directory, pipe or device); expected an export file",
            path=str(path),
        )


def _bounded_lines(handle, path: Path) -> Iterator[str]:
    """The file's lines, never holding more than MAX_LINE_BYTES characters of one in memory; a
    longer line is refused in one line naming it."""
    number = 0
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise _too_long(path, number)
        yield line


def _too_long(path: Path, line: int) -> InputError:
    return InputError(
        f"{path}:{line}: row: a line longer than {MAX_LINE_BYTES:,} bytes; expected an export "
        "with shorter lines",
        path=str(path),
        line=line,
        column="row",
    )


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
    # The module's own limit (131,072 characters a cell) is below the line bound.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(_bounded_lines(handle, path))
        start = 1
        index = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise InputError(
                    f"{path}:{start}: row: not a CSV record (an unbalanced quote?)",
                    path=str(path),
                    line=start,
                    column="row",
                ) from None
            if index > 0:
                yield start, record
            index += 1
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
    # (line, reason, raw) of every record the reader refused: not the header's width, a stray
    # or unclosed quote, a line too long. Never stored, never shifted into other columns.
    rejects: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ragged_seen(self) -> int:
        return len(self.rejects)

    @property
    def width(self) -> int:
        return len(self.header)

    def stage(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        """Load every data row into the temporary table `table` (_row, c0..cN; '' when empty)
        with DuckDB's parallel CSV reader, for files too large to hold in Python. Records that
        are not exactly the header's width (DuckDB's strict mode: without it, cells beyond the
        header are dropped silently) are kept in `rejects`; returns the rows staged."""
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
                                  strict_mode = true, null_padding = false,
                                  max_line_size = {MAX_LINE_BYTES},
                                  store_rejects = true,
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
                f"{self.path}: cannot read the file ({_first_words(exc)})", path=str(self.path)
            ) from None
        except duckdb.Error:
            # DuckDB's message quotes the file's contents: never repeat it.
            raise InputError(
                f"{self.path}: not a readable CSV file; expected comma-separated values with "
                "a header row",
                path=str(self.path),
            ) from None
        finally:
            with contextlib.suppress(duckdb.TransactionException):  # already aborted
                con.execute("SET preserve_insertion_order = false")
        found = con.execute(
            """
            SELECT line_byte_position, min(error_type), min(error_message), min(csv_line)
            FROM _csv_rejects GROUP BY line_byte_position ORDER BY line_byte_position
            """
        ).fetchall()
        if any("ENCODING" in kind or "UNICODE" in kind for _, kind, _, _ in found):
            raise _not_utf8(self.path)
        self.rejects = self._placed(found)
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def _placed(self, found: list[tuple]) -> list[tuple[int, str, str]]:
        """DuckDB's rejected records as (line, reason, raw): DuckDB counts records, not lines
        (values hold newlines), so lines come from the byte where each record starts."""
        kept = [row for row in found if (row[3] or "").strip()]  # blank lines are no records
        # line_byte_position counts from 1 and may sit on blank lines before the record.
        starts = [
            position - 1 + len(text) - len(text.lstrip("\r\n")) for position, _, _, text in kept
        ]
        lines = _lines_at(self.path, starts)
        return [
            (line, self._reason(kind, message), text.strip("\r\n")[:MAX_RAW_CHARS])
            for line, (_, kind, message, text) in zip(lines, kept, strict=True)
        ]

    def _reason(self, kind: str, message: str) -> str:
        if "COLUMNS" in kind:
            found = re.search(r"Found: (\d+)", message or "")
            cells = found.group(1) if found else "another number"
            return f"expected {self.width} columns, found {cells}"
        if "LINE SIZE" in kind:
            return f"a line longer than {MAX_LINE_BYTES:,} bytes"
        if "QUOTE" in kind or "UNQUOTED" in kind:
            return (
                "a quote that is never closed or sits inside an unquoted value; expected "
                'quoted values with inner quotes doubled ("")'
            )
        return "not a CSV record; expected comma-separated values"

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
        if not wanted:
            return found
        refused = {line for line, _, _ in self.rejects}
        row = 0
        for line, record in _records(self.path):
            if line in refused or not _is_data(record, self.width):
                continue
            if row in wanted:
                found[row] = line
                if len(found) == len(wanted):
                    break
            row += 1
        return found

    def ragged_rows(self) -> list[tuple[int, str, str]]:
        """(line, reason, raw) of every record the reader refused, in file order."""
        return self.rejects

    def raw_row(self, frame: pd.DataFrame, row: int) -> str:
        """Data row `row` of `frame` re-written as one CSV record in the original column order."""
        return _as_csv(frame.at[row, f"c{i}"] for i in range(self.width))


def _lines_at(path: Path, offsets: list[int]) -> list[int]:
    """The line (from 1) on which each byte offset (ascending) of the file lies."""
    lines: list[int] = []
    seen = newlines = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            while len(lines) < len(offsets) and offsets[len(lines)] < seen + len(chunk):
                lines.append(newlines + chunk[: offsets[len(lines)] - seen].count(b"\n") + 1)
            newlines += chunk.count(b"\n")
            seen += len(chunk)
    return lines + [newlines + 1] * (len(offsets) - len(lines))


def _first_words(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _read_header(path: Path) -> list[str] | None:
    require_regular_file(path)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(_bounded_lines(handle, path)), None)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except csv.Error:
        raise InputError(
            f"{path}:1: header: not a CSV record (an unbalanced quote?); expected the "
            "export's column names",
            path=str(path),
            line=1,
            column="header",
        ) from None


# How much of a header a refusal repeats: enough to recognise the file, never a wall of text
# (a header cell may be a whole paragraph, or hold newlines, when the file is not an export).
MAX_NAME_CHARS = 40
MAX_NAMES_CHARS = 300


def _named(header: list[str]) -> str:
    """The header's names on one line: blanks squeezed to one space, each name and the whole
    list cut with an ellipsis."""
    names = []
    for cell in header:
        name = " ".join(cell.split())
        names.append(name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…")
    text = ", ".join(names)
    return text if len(text) <= MAX_NAMES_CHARS else text[: MAX_NAMES_CHARS - 1] + "…"


def open_source(path: Path, spec: CsvSpec) -> CsvSource:
    """Read and check the header of `path` for `spec`: the file is empty, unreadable, not a
    regular file, too wide or lacks a required column -> one clear InputError."""
    first = _read_header(path)
    if not first or not any(cell.strip() for cell in first):
        raise InputError(f"{path}:1: the file is empty; expected a header row", path=str(path))
    if len(first) > MAX_COLUMNS:
        raise InputError(
            f"{path}:1: header: {len(first):,} columns; expected at most {MAX_COLUMNS} "
            f"(a {spec.kind} export has {len(spec.columns)})",
            path=str(path),
            line=1,
            column="header",
        )
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
            f"{path}:1: {spec.kind} header is missing {wanted} (found: {_named(header)})",
            path=str(path),
            line=1,
        )
    return CsvSource(path, spec, header, mapping)


def read_all(con: duckdb.DuckDBPyConnection, source: CsvSource) -> pd.DataFrame:
    """Every row of a small export in one frame (sync status, series, permissions): canonical
    string columns ('' when empty or absent) plus the original cells as c0..cN, indexed by data
    row number. Parsed by the same DuckDB reader as large exports, so lines match; staged on
    the import's own connection (`con`), whose temporary tables go with it (a connection of its
    own would cost a DuckDB instance, about 12 ms, for each import)."""
    source.stage(con, "_staged")
    sql = f"SELECT {source.columns_sql()} FROM _staged ORDER BY _row"
    frame = con.execute(sql).df().set_index("_row")
    con.execute("DROP TABLE _staged")
    frame.index.name = None
    if frame.empty:  # a header without rows: typed as text like any other file's columns
        frame = frame.astype(str)
    return frame
