"""The weekly report's files: HTML and CSV that hostile text cannot attack, a store with only
one source, one instance or all, the scheduled job's stable names, and the CLI for each
format (the PDF printed by Debian's Chromium)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.config import Config
from monitor.report import build_report, write_report, write_weekly_report
from monitor.report.html import render_html
from monitor.store import Store
from tests.browser import ensure_chromium
from tests.cli import environment_without, run_monitor
from tests.report.data import (
    FORMULA,
    HOSTILE_ACTOR,
    HOSTILE_MODIFIER,
    HOSTILE_OBJECT,
    REPORT_NOW,
    SCRIPT,
    add_hostile_data,
    import_errors,
)

FORMULA_STARTS = ("=", "+", "-", "@")
MAX_HTML_BYTES = 5_000_000


class Scripts(HTMLParser):
    """The <script> elements of a document: their attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[dict, str]] = []
        self._current: dict | None = None
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag == "script":
            self._current = dict(attrs)
            self.found.append((self._current, ""))

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            attrs, text = self.found[-1]
            self.found[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._current = None


def _scripts(html: str) -> Scripts:
    parser = Scripts()
    parser.feed(html)
    return parser


def _csv_cells(archive: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        return {
            name: list(csv.reader(io.StringIO(files.read(name).decode("utf-8"))))
            for name in files.namelist()
        }


@pytest.fixture
def hostile_store(demo_store: Store, tmp_path: Path) -> Store:
    add_hostile_data(demo_store, tmp_path)
    return demo_store


def test_hostile_text_is_escaped_in_html_and_no_script_of_it_can_run(hostile_store):
    report = build_report(hostile_store, week="2026-W47", instance=None, now=REPORT_NOW)
    html = render_html(report)
    for hostile in (SCRIPT, HOSTILE_OBJECT, HOSTILE_MODIFIER):
        assert hostile not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onmouseover=alert(3)&gt;admin&lt;/b&gt;" in html
    parsed = _scripts(html)
    assert "img" not in parsed.tags and "b" not in parsed.tags
    # Only the report's own scripts: the nonce'd loader, inline data, the packed plotly.js.
    kinds = sorted(attrs.get("type", "nonce") for attrs, _ in parsed.found)
    assert set(kinds) == {"application/json", "application/octet-stream", "nonce"}
    assert kinds.count("nonce") == 1
    nonce = next(a["nonce"] for a, _ in parsed.found if "nonce" in a)
    assert f"script-src 'nonce-{nonce}'" in html
    for attrs, text in parsed.found:
        assert "alert(" not in text or attrs.get("type") == "application/json"
        if attrs.get("type") == "application/json":
            assert "<" not in text  # the hostile object name is \u003c-escaped in chart data
    # In chart labels the markup is entities (Plotly shows them as text), then JSON-escaped.
    assert "\\u0026lt;/script\\u0026gt;\\u0026lt;img src=x onerror=alert(2)\\u0026gt;" in html


def test_hostile_text_is_neutralised_in_every_csv_cell(hostile_store):
    report = build_report(hostile_store, week="2026-W47", instance=None, now=REPORT_NOW)
    archive = (write_report(report, "csv", hostile_store.path.parent / "r.zip")).read_bytes()
    files = _csv_cells(archive)
    cells = [cell for rows in files.values() for row in rows for cell in row]
    assert f"'{FORMULA}" in cells
    assert f"'{HOSTILE_ACTOR}" in cells
    for cell in cells:
        if cell.startswith(FORMULA_STARTS):
            float(cell)  # only numbers (-44) may start so; text is prefixed with a quote
    rules = files["health-report-all-2026-W47/demo/salesforce-validation-rules.csv"]
    assert SCRIPT in [row[rules[0].index("rule")] for row in rules[1:]]  # verbatim in CSV


def test_csv_zip_holds_one_file_per_table(demo_store, tmp_path):
    report = build_report(demo_store, week="2026-W47", instance="demo", now=REPORT_NOW)
    path = write_report(report, "csv", tmp_path)
    assert path == tmp_path / "health-report-demo-2026-W47.zip"
    files = _csv_cells(path.read_bytes())
    tables = {
        f"health-report-demo-2026-W47/demo/{section.key}-{table.key}.csv": table
        for section in report.instances[0].sections
        for table in section.tables
    }
    assert set(tables) <= set(files)
    for name, table in tables.items():
        assert len(files[name]) == len(table.frame) + 1, name  # header + every row
    drift = files["health-report-demo-2026-W47/demo/salesforce-permission-drift.csv"]
    assert drift[0] == ["changed at", "object", "field", "access before", "access after"]


def test_a_store_with_only_imported_sync_errors_says_which_sources_are_missing(store, tmp_path):
    import_errors(
        store,
        tmp_path,
        "acme",
        [
            (
                "2026-11-17 09:00:00",
                "INSUFFICIENT_ACCESS_OR_READONLY: insufficient access rights on object id",
                "Lead",
                "1",
                "00Q000000000001",
            )
        ],
    )
    report = build_report(store, week="2026-W47", instance="acme", now=REPORT_NOW)
    acme = report.instances[0]
    marketo = " ".join(acme.section("marketo").notes)
    assert "Backlog and throughput: none had arrived for this instance" in marketo
    assert "Sync cycles: none had arrived" in marketo
    ops = " ".join(acme.section("ops").notes)
    assert "Salesforce API usage: none had been recorded" in ops
    assert "Marketo API usage: none had been recorded" in ops
    salesforce = " ".join(acme.section("salesforce").notes)
    assert "no snapshot of the sync user's permissions yet" in salesforce
    assert acme.figures["sync_errors"] == 1
    assert acme.figures["peak_backlog"] is None and acme.figures["salesforce_api_peak"] is None
    table = acme.section("salesforce").table("permission-failures").frame
    assert list(table["errors"]) == [1]
    html = render_html(report)
    assert "Marketo API usage: none had been recorded" in html
    # The week after: the source exists, it delivered nothing: 0 errors, not "unknown".
    later = build_report(
        store, week="2026-W48", instance="acme", now=datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert later.instances[0].figures["sync_errors"] == 0


def test_all_instances_get_a_section_each_and_one_instance_only_its_own(demo_store, tmp_path):
    import_errors(
        demo_store,
        tmp_path,
        "acme",
        [("2026-11-17 09:00:00", "UNABLE_TO_LOCK_ROW: busy", "Lead", "1", "00Q000000000001")],
    )
    everyone = build_report(demo_store, week="2026-W47", instance=None, now=REPORT_NOW)
    assert [r.instance for r in everyone.instances] == ["acme", "demo"]
    assert list(everyone.fleet.frame["instance"]) == ["acme", "demo"]
    html = render_html(everyone)
    assert 'id="instance-1-acme"' in html and 'id="instance-2-demo"' in html
    assert "<h2>Instances</h2>" in html
    one = build_report(demo_store, week="2026-W47", instance="acme", now=REPORT_NOW)
    assert [r.instance for r in one.instances] == ["acme"]
    assert one.file_stem == "health-report-acme-2026-W47"
    assert "Demo workspace" not in render_html(one)


def test_html_is_one_self_contained_file_under_five_megabytes(demo_store, tmp_path):
    report = build_report(demo_store, week="2026-W47", instance=None, now=REPORT_NOW)
    path = write_report(report, "html", tmp_path)
    html = path.read_text(encoding="utf-8")
    assert path.stat().st_size < MAX_HTML_BYTES
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "default-src 'none'" in html  # the browser itself refuses any network request
    assert "@page { size: A4" in html
    assert html.count('id="plotly-gzip"') == 1  # plotly.js once, however many charts
    assert html.count('class="chart"') == 3


def test_weekly_job_writes_last_weeks_html_and_csv_under_stable_names(demo_store, tmp_path):
    config = Config(db=str(demo_store.path), report_dir=str(tmp_path / "reports"))
    paths = write_weekly_report(demo_store, config, REPORT_NOW)
    assert [p.name for p in paths] == [
        "health-report-all-2026-W47.html",
        "health-report-all-2026-W47.zip",
    ]
    first = paths[0].read_text(encoding="utf-8")
    again = write_weekly_report(demo_store, config, REPORT_NOW)
    assert again == paths
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == sorted(
        p.name for p in paths
    )  # replaced, no leftovers
    assert "Sync health report · 2026-W47" in first
    assert zipfile.ZipFile(paths[1]).testzip() is None


def _cli(*args: str, db: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = environment_without("MONITOR_")
    environment.update(env or {}, MONITOR_DB=str(db))
    return run_monitor("report", *args, env=environment)


SECRETS = {"SALESFORCE_PASSWORD": "pw-9f8e7d6c", "MARKETO_CLIENT_SECRET": "cs-1a2b3c4d"}


@pytest.mark.parametrize("fmt", ["html", "csv"])
def test_cli_writes_the_report_and_prints_its_path(demo_store, tmp_path, fmt):
    done = _cli(
        "--week",
        "2026-W47",
        "--format",
        fmt,
        "--out",
        str(tmp_path),
        db=demo_store.path,
        env=SECRETS,
    )
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path == tmp_path / f"health-report-all-2026-W47.{'html' if fmt == 'html' else 'zip'}"
    content = path.read_bytes()
    files = zipfile.ZipFile(path).namelist() if fmt == "csv" else []
    texts = [content] + [zipfile.ZipFile(path).read(name) for name in files]
    for secret in SECRETS.values():  # the report holds the store's facts, never a secret
        assert not any(secret.encode() in text for text in texts)
    if fmt == "html":
        assert content.startswith(b"<!DOCTYPE html>") and b"Salesforce admins" in content
    else:
        assert (
            "health-report-all-2026-W47/demo/ops-api-budget.csv" in zipfile.ZipFile(path).namelist()
        )


def test_cli_prints_a_pdf_on_a4_with_chromium(demo_store, tmp_path):
    ensure_chromium()
    out = tmp_path / "weekly.pdf"
    done = _cli(
        "--week",
        "2026-W47",
        "--instance",
        "demo",
        "--format",
        "pdf",
        "--out",
        str(out),
        db=demo_store.path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    assert len(pages) >= 3
    boxes = {
        tuple(float(v) for v in box.split())
        for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)
    }
    assert boxes and all(abs(w - 595) < 2 and abs(h - 842) < 2 for _, _, w, h in boxes)  # A4


def test_cli_refuses_bad_week_text_as_a_usage_error(demo_store):
    done = _cli("--week", "2026-47", db=demo_store.path)
    assert done.returncode == 2
    assert "expected an ISO week such as 2026-W47" in done.stderr
    assert done.stderr.startswith("usage:")


def test_cli_says_in_one_line_that_pdf_needs_chromium_when_it_is_missing(demo_store, tmp_path):
    empty_path, out = tmp_path / "bin", tmp_path / "out"
    empty_path.mkdir()
    done = _cli(
        "--week",
        "2026-W47",
        "--format",
        "pdf",
        "--out",
        str(out),
        db=demo_store.path,
        env={"PATH": str(empty_path)},
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: PDF needs Chromium, which is not installed: install Debian's package with "
        "`apt-get install chromium` (or use --format html)"
    ]
    assert not out.exists()


def test_cli_names_an_unknown_instance_in_one_line(demo_store):
    done = _cli("--week", "2026-W47", "--instance", "nope", db=demo_store.path)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: unknown instance 'nope' (known: demo)"


def test_cli_refuses_in_one_line_an_existing_file_named_as_the_folder(demo_store, tmp_path):
    existing = tmp_path / "notes"  # no suffix: taken for a folder, but it is a file
    existing.write_text("keep me")
    done = _cli("--week", "2026-W47", "--out", str(existing), db=demo_store.path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {existing}: exists and is not a folder; name a folder or a file such as "
        f"{existing}.html"
    ]
    assert existing.read_text() == "keep me"


def test_cli_says_in_one_line_when_a_file_stands_where_the_folder_must_be(demo_store, tmp_path):
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    done = _cli("--week", "2026-W47", "--out", str(existing / "week"), db=demo_store.path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {existing / 'week'}: cannot create the report's folder: "
        "part of the path is a file, not a folder"
    ]
    assert existing.read_text() == "keep me"


UNWRITABLE = Path("/sys/kernel")  # sysfs: nobody, not even root, creates files there


@pytest.mark.skipif(
    not UNWRITABLE.is_dir(), reason="needs Linux sysfs for a folder root cannot write"
)
def test_cli_says_in_one_line_when_the_folder_cannot_be_written(demo_store):
    done = _cli("--week", "2026-W47", "--out", str(UNWRITABLE), db=demo_store.path)
    assert done.returncode == 1
    target = UNWRITABLE / "health-report-all-2026-W47.html"
    assert done.stderr.strip().splitlines() == [
        f"error: {target}: cannot write the report: permission denied"
    ]
