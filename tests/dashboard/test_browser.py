"""The real app in a real browser: `streamlit run app.py` on the demo workspace, every page
opened in headless Debian Chromium, no exception, no error box,
no console error, the page's own title and its key content on screen, a screenshot each.
Then the import widget of the Sources page driven end to end: kind, instance, upload, Import,
the message on screen and the rows in the store file."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from monitor.store import Store
from tests.browser import chromium
from tests.conftest import REPO
from tests.sync_errors import ERRORS_HEADER

# One worker runs the browser tests: they share a Streamlit server and Chromium per module,
# and two Chromiums at once on two cores only slow each other down.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ROOT = REPO
ARTIFACTS = ROOT / "tests" / "artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
DOCS_PAGES = {"overview", "backlog", "permissions", "findings"}
# The README's screenshots are refreshed only on request, so a test run leaves the clone clean:
#   UPDATE_DOCS_SCREENSHOTS=1 python -m pytest tests/dashboard/test_browser.py
UPDATE_DOCS = os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1"
VIEWPORT = {"width": 1400, "height": 900}
STARTUP_SECONDS = 90
RENDER_TIMEOUT_MS = 60_000
SOURCE_PREFIXES = ("SALESFORCE_", "MARKETO_")

# url path -> (the page's st.title, texts that must be on screen). Titles are the ones the
# dashboard/*.py modules pass to st.title.
PAGES = {
    "overview": ("Sync health overview", ["Health score", "Critical incidents"]),
    "backlog": ("Backlog & throughput", ["Now", "Who changed the records"]),
    "errors": ("Sync errors", ["By code and object", "Error records"]),
    "permissions": (
        "Sync user permissions",
        ["Permission gaps", "Sync user access (latest snapshot)"],
    ),
    "fields": ("Synced fields", ["Formula fields", "Lead.Lead_Age_Days__c"]),
    "findings": ("Findings", ["Sync user lacks access it needs · Lead.Lead_Score__c"]),
    "sources": ("Sources & imports", ["What the store holds for 'demo'", "Import Marketo"]),
    "rulebook": ("Checks", ["permission_failures — Sync user lacks access it needs"]),
}
# Cells of st.dataframe are drawn on a canvas; the text of the rows in view lives in the grid's
# (hidden) accessibility table, so it is checked there while the grid itself is visible. The
# grid is virtualised: only rows near the top qualify (the fields page's formula fields are
# checked in its visible warning instead).
GRID_TEXTS = {"permissions": "Lead_Score__c"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[dict]:
    """`streamlit run app.py` on a copy of the run's demo workspace (the first start on an
    empty store, which builds it, is tests/dashboard/test_pages.py's); yields its base url and
    log paths."""
    folder = tmp_path_factory.mktemp("browser")
    shutil.copy(demo_template, folder / "m.duckdb")
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "MONITOR_CONFIG" and not key.startswith(SOURCE_PREFIXES)
    }
    env["MONITOR_DB"] = str(folder / "m.duckdb")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    stdout_path, stderr_path = folder / "streamlit.out", folder / "streamlit.err"
    # Logs go to files: a pipe nobody drains would block the server once it fills.
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _is_healthy(url):
            if process.poll() is not None:
                pytest.fail(
                    f"streamlit exited {process.returncode} before answering /_stcore/health:\n"
                    + stderr_path.read_text(errors="replace")
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer /_stcore/health within {STARTUP_SECONDS} s:\n"
                    + stderr_path.read_text(errors="replace")
                )
            time.sleep(0.25)
        yield {
            "url": url,
            "process": process,
            "stderr": stderr_path,
            "stdout": stdout_path,
            "db": Path(env["MONITOR_DB"]),
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _is_ignorable(message: ConsoleMessage, page_path: str) -> bool:
    """Console errors that say nothing about our app.

    - Opening a page's URL directly makes Streamlit's frontend probe `/<page>/_stcore/health`
      and `/<page>/_stcore/host-config` first (it cannot tell a page from a base URL path),
      which 404s before it falls back to `/_stcore/...` (streamlit/streamlit#7074).
    - Requests to hosts other than our loopback server fail on machines without network;
      the app needs none, so such failures are the blocked network, not the app.
    """
    url = message.location.get("url", "")
    if page_path and url.rstrip("/").endswith(
        (f"/{page_path}/_stcore/health", f"/{page_path}/_stcore/host-config")
    ):
        return "404" in message.text
    host = urlparse(url).hostname
    return bool(host) and host != "127.0.0.1" and "net::ERR_" in message.text


def _wait_until_idle(page: Page) -> None:
    """Wait for the script run to end: no status widget ("Running…"), no stale element and no
    spinner seen for a few consecutive polls. The count starts afresh on every call, so a
    wait right after an interaction cannot pass on the quiet polls of an earlier one."""
    page.evaluate("() => { window.__quietPolls = 0; }")
    page.wait_for_function(
        """() => {
            const busy = document.querySelector(
                '[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSpinner"]');
            window.__quietPolls = busy ? 0 : (window.__quietPolls || 0) + 1;
            return window.__quietPolls >= 4;
        }""",
        polling=250,
        timeout=RENDER_TIMEOUT_MS,
    )


def _wait_for_charts(page: Page) -> None:
    """Wait until every Plotly chart on the page has drawn its SVG."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(chart => chart.querySelector('.main-svg'))""",
        timeout=RENDER_TIMEOUT_MS,
    )


def _wait_until_rendered(page: Page, title: str) -> None:
    """Wait for the page's h1, for the script run to end and for every chart to be drawn."""
    expect(page.locator("h1", has_text=title)).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    _wait_until_idle(page)
    _wait_for_charts(page)
    page.wait_for_timeout(500)  # let canvases (data grids, sparklines) paint


def _save_screenshots(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if UPDATE_DOCS and name in DOCS_PAGES:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS_SCREENSHOTS / f"{name}.png")
    # Streamlit scrolls inside its main container, so a "full page" shot of the document is
    # one viewport tall: grow the viewport to the content instead.
    height = page.evaluate(
        """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stSidebarContent"]']
                 .map(s => document.querySelector(s)?.scrollHeight || 0))"""
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
    # Content that was below the fold is drawn only now: wait for its charts, then for two
    # frames and a moment more, so that the canvases (data grids, sparklines) have painted.
    _wait_for_charts(page)
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    page.wait_for_timeout(400)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@contextmanager
def _watched(browser: Browser, page_path: str) -> Iterator[Page]:
    """A page in a context of its own whose uncaught errors and console errors (but those
    `_is_ignorable` for `page_path`) fail the test once the block is done."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    console: list[ConsoleMessage] = []
    uncaught: list[str] = []
    page.on("console", lambda message: console.append(message))
    page.on("pageerror", lambda error: uncaught.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert uncaught == []
    reported = [
        f"{message.text} ({message.location.get('url', '')})"
        for message in console
        if message.type == "error" and not _is_ignorable(message, page_path)
    ]
    assert reported == []


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_cleanly_in_chromium(server: dict, browser: Browser, name: str) -> None:
    title, texts = PAGES[name]
    path = "" if name == "overview" else name
    with _watched(browser, path) as page:
        page.goto(f"{server['url']}/{path}", wait_until="domcontentloaded")
        _wait_until_rendered(page, title)

        assert page.locator('[data-testid="stException"]').count() == 0
        errors = page.locator('[data-testid="stAlertContentError"]')
        assert errors.count() == 0, errors.all_inner_texts()
        main = page.locator('[data-testid="stMain"]')
        assert main.locator("h1").first.inner_text().strip() == title
        for text in texts:
            expect(main.get_by_text(text, exact=False).first).to_be_visible()
        if name in GRID_TEXTS:
            expect(main.locator('[data-testid="stDataFrame"]').first).to_be_visible()
            cells = main.locator('[data-testid^="glide-cell"]', has_text=GRID_TEXTS[name])
            # The grid fills its accessibility table after it paints: on a loaded machine that
            # comes later than the page's idle state, so wait for the cell, not a fixed time.
            expect(cells.first).to_be_attached(timeout=RENDER_TIMEOUT_MS)

        _save_screenshots(page, name)


# The import widget of the Sources page. The module's store is shared, so these tests import
# into instances of their own and the demo workspace stays as the page tests saw it.
PERMISSION_DETAILS = (
    '"INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: Lead_Score__c. '
    'Please check the security settings of this field"'
)
GOOD_EXPORT = [
    ERRORS_HEADER,
    "Record Level,11/20/2026 02:05 PM,Failed to update SFDC,"
    + PERMISSION_DETAILS
    + ",Lead,7100001,00Q7100000000001",
    "Record Level,11/20/2026 02:06 PM,Failed to update SFDC,"
    "{UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record},"
    "Lead,7100002,00Q7100000000002",
    "Record Level,11/20/2026 02:07 PM,Failed to create SFDC,"
    "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName],"
    "Contact,7100003,0037100000000003",
]
BAD_EXPORT = [
    ERRORS_HEADER,
    "Record Level,11/20/2026 02:05 PM,Failed to update SFDC,{UNABLE_TO_LOCK_ROW: busy},"
    "Lead,7200001,00Q7200000000001",
    "Record Level,yesterday,Failed to update SFDC,{UNABLE_TO_LOCK_ROW: busy},"
    "Lead,7200002,00Q7200000000002",
    "Record Level,11/20/2026 02:07 PM,Failed to update SFDC,{UNABLE_TO_LOCK_ROW: busy},"
    "Lead,7200003,00Q7200000000003",
]
ALL_TIME = {
    "since": datetime(1970, 1, 1, tzinfo=UTC),
    "until": datetime(2100, 1, 1, tzinfo=UTC),
}


def _write_csv(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def _import_through_page(
    page: Page, base_url: str, instance: str, path: Path, kind: str = "sync-errors"
) -> tuple[list[str], list[str]]:
    """Open the Sources page in a fresh session, choose `kind`, type `instance`, upload `path`
    and press Import; return the texts of the success and of the error boxes it shows."""
    page.goto(f"{base_url}/sources", wait_until="domcontentloaded")
    _wait_until_rendered(page, "Sources & imports")
    main = page.locator('[data-testid="stMain"]')

    # st.selectbox is an ARIA combobox: open it, pick the option, and the input shows it.
    kind_box = main.get_by_role("combobox", name="Kind", exact=True)
    kind_box.click()
    page.get_by_role("listbox", name="Kind").get_by_role(
        "option", name=re.compile(rf"^{re.escape(kind)} — ")
    ).click()
    expect(kind_box).to_have_value(re.compile(rf"^{re.escape(kind)} — "))
    _wait_until_idle(page)

    instance_box = main.locator('[data-testid="stTextInput"]').get_by_role(
        "textbox", name="Instance", exact=True
    )
    instance_box.fill(instance)
    instance_box.press("Enter")  # commits the value (a rerun)
    _wait_until_idle(page)
    expect(instance_box).to_have_value(instance)

    uploader = main.locator('[data-testid="stFileUploader"]').filter(has_text="Files")
    uploader.locator("input[type=file]").set_input_files(path)
    expect(uploader.get_by_text(path.name, exact=True)).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    button = main.locator('[data-testid="stButton"]').get_by_role("button", name="Import")
    expect(button).to_be_enabled(timeout=RENDER_TIMEOUT_MS)
    _wait_until_idle(page)

    alerts = main.locator(
        '[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]'
    )
    assert alerts.count() == 0, alerts.all_inner_texts()
    button.click()
    expect(alerts.first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    _wait_until_idle(page)

    assert page.locator('[data-testid="stException"]').count() == 0
    successes = main.locator('[data-testid="stAlertContentSuccess"]').all_inner_texts()
    errors = main.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    return [text.strip() for text in successes], [text.strip() for text in errors]


def _only(messages: list[str]) -> str:
    """The one message of its kind that the page showed."""
    assert len(messages) == 1, messages
    return messages[0]


def _stored_errors(db: Path, instance: str) -> list[tuple]:
    """The instance's sync errors as the Errors page reads them (named query, read-only)."""
    records = Store(db).query(
        "errors_latest", instance=instance, object="", category="", code="", limit=1000, **ALL_TIME
    )
    return sorted(
        records[
            ["marketo_id", "sfdc_id", "object", "error_code", "category", "fields", "source"]
        ].itertuples(index=False, name=None)
    )


def _count(db: Path, sql: str, **params) -> int:
    with Store(db).read() as con:
        return con.execute(sql, params).fetchone()[0]


@pytest.fixture
def watched_page(browser: Browser) -> Iterator[Page]:
    """The Sources page's tab: its uncaught errors and console errors fail the test."""
    with _watched(browser, "sources") as page:
        yield page


Upload = Callable[[str, list[str], str], tuple[list[str], list[str]]]


@pytest.fixture
def upload(server: dict, watched_page: Page, tmp_path: Path) -> Upload:
    """upload(name, lines, instance): write an export of `lines` as tmp_path/`name` and import
    it for `instance` through the Sources page (a fresh session each time); the texts of the
    success and of the error boxes the page shows."""

    def upload_export(name: str, lines: list[str], instance: str) -> tuple[list[str], list[str]]:
        export = _write_csv(tmp_path, name, lines)
        return _import_through_page(watched_page, server["url"], instance, export)

    return upload_export


def test_upload_of_a_sync_errors_export_imports_it_and_says_so(
    server: dict, upload: Upload
) -> None:
    instance = "e2e"

    successes, errors = upload("sync_errors.csv", GOOD_EXPORT, instance)
    assert errors == []
    success = _only(successes)
    assert "3 rows read, 3 new" in success
    assert success.startswith("sync_errors.csv: sync-errors: "), success

    stored = _stored_errors(server["db"], instance)
    assert [row[:3] for row in stored] == [
        ("7100001", "00Q7100000000001", "Lead"),
        ("7100002", "00Q7100000000002", "Lead"),
        ("7100003", "0037100000000003", "Contact"),
    ]
    permission = stored[0]
    assert permission[3] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert permission[5] == "Lead_Score__c"
    assert {row[6] for row in stored} == {"sync_errors_export"}

    # The same export once more, through a fresh session: nothing new, nothing doubled.
    successes, errors = upload("sync_errors.csv", GOOD_EXPORT, instance)
    assert errors == []
    assert "3 rows read, 0 new, 3 already stored" in _only(successes)
    assert _stored_errors(server["db"], instance) == stored


def test_upload_of_a_bad_export_shows_file_line_and_column_and_stores_nothing(
    server: dict, watched_page: Page, tmp_path: Path, upload: Upload
) -> None:
    instance = "e2e-bad"

    successes, errors = upload("bad.csv", BAD_EXPORT, instance)
    assert successes == []
    error = _only(errors)
    # The page drops its temporary folder: the message names the file as it was uploaded.
    assert error.startswith("bad.csv:3: Date/Time:"), error
    assert str(tmp_path) not in error and "/tmp" not in error
    assert "Traceback" not in watched_page.locator('[data-testid="stMain"]').inner_text()

    assert _stored_errors(server["db"], instance) == []
    assert (
        _count(
            server["db"],
            "SELECT count(*) FROM sync_errors WHERE marketo_id LIKE '72000_'",
        )
        == 0
    )
    assert (
        _count(
            server["db"],
            "SELECT count(*) FROM quarantine WHERE instance = $instance",
            instance=instance,
        )
        == 0
    )


def test_server_logged_no_traceback(server: dict) -> None:
    """Runs after the page and import tests (file order): every render and every import above
    left a clean server log."""
    assert server["process"].poll() is None, "streamlit died during the browser tests"
    log = server["stderr"].read_text(errors="replace") + server["stdout"].read_text(
        errors="replace"
    )
    assert "Traceback" not in log, log
