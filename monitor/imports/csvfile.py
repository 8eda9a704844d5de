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
        reader = csv.reader(io.StringIO(self.text))
        lines: list[int] = []
        start = 1
        for index, record in enumerate(reader):
            if index > 0 and record and any(cell != "" for cell in record):
                lines.append(start)
            start = reader.line_num + 1
        return lines

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
        wanted = ", ".join(spec.columns[c][0] for c in missing)
        raise InputError(
            f"{path}:1: {spec.kind} header is missing {wanted} (found: {', '.join(header)})",
            path=str(path),
            line=1,
        )

    ragged: list[tuple[int, str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # With quoted newlines allowed Arrow cannot always number the row: find it in the text.
        at = text.find(row.text)
        line = text.count("\n", 0, at) + 1 if at >= 0 else (row.number or 0)
        reason = f"expected {row.expected_columns} columns, found {row.actual_columns}"
        ragged.append((line, reason, row.text))
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
    for canonical in spec.columns:
        if canonical in mapping:
            frame[canonical] = frame[f"c{mapping[canonical]}"].fillna("").str.strip()
        else:
            frame[canonical] = ""
    return CsvRows(str(path), header, frame, text, ragged)


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
