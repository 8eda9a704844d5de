"""PDF from the report's HTML with Debian's headless Chromium (apt-get install chromium)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from monitor.errors import ReportError

CHROMIUM_NAMES = ("chromium", "chromium-browser")
PRINT_TIMEOUT_SECONDS = 180
# Headless, no sandbox (containers run as root), nothing that phones home, no header or footer
# (Chromium's would print the temporary file's path).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
]


def find_chromium() -> str:
    """Path of the chromium binary, or a ReportError that names the package to install."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ReportError(
        "PDF needs Chromium, which is not installed: install Debian's package with "
        "`apt-get install chromium` (or use --format html)"
    )


def print_pdf(html: str) -> bytes:
    """Print an HTML document to PDF (A4, as its print CSS asks) and return the PDF's bytes."""
    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        target = Path(folder) / "report.pdf"
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired:
            raise ReportError(
                f"Chromium did not print the report within {PRINT_TIMEOUT_SECONDS} s"
            ) from None
        except OSError as exc:
            raise ReportError(f"Chromium could not be started ({chromium}): {exc}") from None
        if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            tail = " / ".join((done.stderr or done.stdout).strip().splitlines()[-2:])
            raise ReportError(
                f"Chromium failed to print the report (exit {done.returncode}): {tail}"
            )
        return target.read_bytes()
