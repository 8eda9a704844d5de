"""Reading CSV exports: BOM, quoted commas and newlines, header aliases, exact line numbers."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from monitor.errors import InputError

BOM = "\ufeff"


def normalize_header(name: str) -> str:
    """`Date/Time`, ` date time ` and `DATETIME` all become `datetime`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


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

    row: int  # 0-based data row
    column: str
    reason: str


@dataclass
class CsvRows:
    """A parsed export: canonical string columns plus what is needed to report and quarantine."""

    path: str
    header: list[str]
    frame: pd.DataFrame  # canonical columns, strings ('' when empty or absent) + 'c0..cN' originals
    text: str
    ragged: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, raw text)

    def line_numbers(self) -> list[int]:
        """Physical line where each data row starts (values may hold quoted newlines)."""
        return [line for line, record in _records(self.text) if _is_data(record, len(self.header))]

    def raw_row(self, row: int) -> str:
        """The row re-written as one CSV record with the original header order."""
        out = io.StringIO()
        values = [self.frame[f"c{i}"].iat[row] for i in range(len(self.header))]
        csv.writer(out, lineterminator="\n").writerow(values)
        return out.getvalue().rstrip("\n")


def decode(path: Path) -> str:
    """The file's text; UTF-8 with or without BOM, else a clear error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror}", path=str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the export as UTF-8 CSV",
            path=str(path),
            line=line,
        ) from None
    return text[1:] if text.startswith(BOM) else text


def read_rows(path: Path, spec: CsvSpec) -> CsvRows:
    """Parse `path` for `spec`; a missing required column or an unreadable file is an error."""
    text = decode(path)
    first = next(csv.reader(io.StringIO(text)), None)
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

    short_or_long: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        short_or_long.append(row)
        return "skip"

    names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(
        pa.py_buffer(text.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    frame = table.to_pandas()
    # Spreadsheets leave rows of bare commas behind: they are not data.
    blank = (frame[names] == "").all(axis=1)
    frame = frame[~blank].reset_index(drop=True)
    ragged = _ragged_rows(text, len(header)) if short_or_long else []
    for canonical in spec.columns:
        if canonical in mapping:
            frame[canonical] = frame[f"c{mapping[canonical]}"].fillna("").str.strip()
        else:
            frame[canonical] = ""
    return CsvRows(str(path), header, frame, text, ragged)


def _records(text: str) -> list[tuple[int, list[str]]]:
    """(first line, cells) of every record after the header."""
    reader = csv.reader(io.StringIO(text))
    found = []
    start = 1
    for index, record in enumerate(reader):
        if index > 0:
            found.append((start, record))
        start = reader.line_num + 1
    return found


def _is_data(record: list[str], width: int) -> bool:
    """The records Arrow keeps as rows: the right width and not blank."""
    return len(record) == width and any(cell != "" for cell in record)


def _ragged_rows(text: str, width: int) -> list[tuple[int, str, str]]:
    """(line, reason, raw) of records with the wrong number of columns."""
    ragged = []
    for line, record in _records(text):
        if record and len(record) != width and any(cell.strip() for cell in record):
            raw = io.StringIO()
            csv.writer(raw, lineterminator="").writerow(record)
            ragged.append((line, f"expected {width} columns, found {len(record)}", raw.getvalue()))
    return ragged


def first_problem_error(rows: CsvRows, problems: list[Problem]) -> InputError:
    """The strict-mode error for the first invalid row: FILE:LINE: column: reason."""
    problem = min(problems, key=lambda p: p.row)
    line = rows.line_numbers()[problem.row]
    return InputError(
        f"{rows.path}:{line}: {problem.column}: {problem.reason}",
        path=rows.path,
        line=line,
        column=problem.column,
    )
