"""Writing a report: HTML, CSV (one file per table, zipped) or PDF; and the weekly job's files."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from monitor.config import Config
from monitor.errors import ReportError
from monitor.report import text
from monitor.report.build import build_report
from monitor.report.html import render_html
from monitor.report.model import Bullets, Figures, Report, Table, safe_name
from monitor.report.pdf import print_pdf
from monitor.report.spreadsheet import to_csv_bytes
from monitor.store import Store

FORMATS = {"html": ".html", "csv": ".zip", "pdf": ".pdf"}
MIME_TYPES = {"html": "text/html", "csv": "application/zip", "pdf": "application/pdf"}
# Zip entries carry a fixed time: the same report zips to the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """List cells as `a, b` (a spreadsheet cannot read a Python list)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: (
                    text.joined(v) if isinstance(v, list | tuple) or hasattr(v, "tolist") else v
                )
            )
    return out


def _tables(report: Report) -> list[tuple[str, pd.DataFrame]]:
    """(file name, frame) of every table in the report; lists and figures become tables too."""
    found = [("instances.csv", report.fleet.frame)]
    for instance in report.instances:
        folder = safe_name(instance.instance)
        for section in instance.sections:
            for block in section.blocks:
                name = f"{folder}/{section.key}-{getattr(block, 'key', '')}.csv"
                if isinstance(block, Table):
                    found.append((name, block.frame))
                elif isinstance(block, Bullets):
                    found.append((name, pd.DataFrame({block.title: block.items})))
                elif isinstance(block, Figures):
                    found.append(
                        (name, pd.DataFrame(block.items, columns=["figure", "value", "change"]))
                    )
    return found


def csv_zip(report: Report) -> bytes:
    """Every table as a CSV file (formula-like cells neutralised: report/spreadsheet.py), zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in _tables(report):
            entry = zipfile.ZipInfo(f"{report.file_stem}/{name}", date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, to_csv_bytes(_csv_frame(frame)))
    return buffer.getvalue()


def report_bytes(report: Report, fmt: str) -> bytes:
    """The report in `fmt` (html, csv or pdf) as bytes."""
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "csv":
        return csv_zip(report)
    if fmt == "pdf":
        return print_pdf(render_html(report, for_print=True))
    raise ReportError(f"unknown report format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def target_path(report: Report, fmt: str, out: Path) -> Path:
    """`out` itself, or the report's stable file name inside `out` when it is a folder."""
    if fmt not in FORMATS:
        raise ReportError(f"unknown report format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    if out.is_dir():
        return out / f"{report.file_stem}{FORMATS[fmt]}"
    if not out.suffix:
        # A name without a suffix means a folder; an existing file of that name is not one.
        if out.exists():
            raise ReportError(
                f"{out}: exists and is not a folder; name a folder or a file such as "
                f"{out}{FORMATS[fmt]}"
            )
        return out / f"{report.file_stem}{FORMATS[fmt]}"
    return out


def write_report(report: Report, fmt: str, out: Path) -> Path:
    """Write the report as `fmt` to `out` (a file, or a folder for the stable file name) and
    return the path written. The file is replaced whole: a reader never sees half of it.
    A folder or file that cannot be written is a ReportError naming the path."""
    path = target_path(report, fmt, Path(out))
    content = report_bytes(report, fmt)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"{path.parent}: cannot create the report's folder: {_reason(exc)}"
        ) from None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise ReportError(f"{path}: cannot write the report: {_reason(exc)}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ReportError(f"{path}: cannot write the report: {_reason(exc)}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _reason(exc: OSError) -> str:
    """Why the file system refused, as the end of one sentence."""
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return "part of the path is a file, not a folder"
    return (exc.strerror or str(exc)).lower()


def write_weekly_report(store: Store, config: Config, now: datetime) -> list[Path]:
    """The scheduled job: the last complete week before `now`, every instance, as HTML and as
    a CSV zip in `config.report_dir`, under stable names (a rerun replaces the files)."""
    report = build_report(store, week=None, instance=None, now=now, check_overrides=config.checks)
    folder = Path(config.report_dir)
    return [write_report(report, fmt, folder) for fmt in ("html", "csv")]
