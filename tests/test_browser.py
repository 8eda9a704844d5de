"""The real app in a real browser: `streamlit run app.py` on a fresh store (which builds the
demo workspace), every page opened in headless Debian Chromium, no exception, no error box,
no console error, the page's own title and its key content on screen, a screenshot each."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.browser import ensure_chromium, launch_options

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
DOCS_PAGES = {"overview", "backlog", "permissions", "findings"}
# The README's screenshots are refreshed only on request, so a test run leaves the clone clean:
#   UPDATE_DOCS_SCREENSHOTS=1 python -m pytest tests/test_browser.py
UPDATE_DOCS = os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1"
VIEWPORT = {"width": 1400, "height": 900}
STARTUP_SECONDS = 90
RENDER_TIMEOUT_MS = 60_000
SOURCE_PREFIXES = ("SALESFORCE_", "MARKETO_")

# url path -> (the page's st.title, texts that must be on screen). Titles are the ones the
# dashboard/*.py modules pass to st.title.
PAGES = {
    "overview": ("Sync health overview", ["Health score", "Open findings"]),
    "backlog": ("Backlog & throughput", ["Now", "Who changed the records"]),
    "errors": ("Sync errors", ["By code and object", "Error records"]),
    "permissions": ("Sync user permissions", ["Permission gaps", "Sync user access"]),
    "fields": ("Synced fields", ["Formula fields", "Lead.Lead_Age_Days__c"]),
    "findings": ("Findings", ["permission_failures · Lead.Lead_Score__c"]),
    "sources": ("Sources & imports", ["What the store holds for 'demo'", "Import Marketo"]),
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
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """`streamlit run app.py` on an empty store; yields its base url and log paths."""
    folder = tmp_path_factory.mktemp("browser")
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
        yield {"url": url, "process": process, "stderr": stderr_path, "stdout": stdout_path}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = ensure_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**launch_options(executable))
        try:
            yield launched
        finally:
            launched.close()


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


def _wait_until_rendered(page: Page, title: str) -> None:
    """Wait for the page's h1, for the script run to end and for every chart to be drawn."""
    expect(page.locator("h1", has_text=title)).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    # The run is over when no status widget ("Running…") and no stale element has been seen
    # for a few consecutive polls.
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
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(chart => chart.querySelector('.main-svg'))""",
        timeout=RENDER_TIMEOUT_MS,
    )
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
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    page.set_viewport_size(VIEWPORT)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_cleanly_in_chromium(server: dict, browser: Browser, name: str) -> None:
    title, texts = PAGES[name]
    path = "" if name == "overview" else name
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    console: list[ConsoleMessage] = []
    uncaught: list[str] = []
    page.on("console", lambda message: console.append(message))
    page.on("pageerror", lambda error: uncaught.append(str(error)))
    try:
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
            assert cells.count() > 0, f"{GRID_TEXTS[name]} not in any table of {name}"

        _save_screenshots(page, name)
    finally:
        context.close()

    assert uncaught == []
    reported = [
        f"{message.text} ({message.location.get('url', '')})"
        for message in console
        if message.type == "error" and not _is_ignorable(message, path)
    ]
    assert reported == []


def test_server_logged_no_traceback(server: dict) -> None:
    """Runs after the page tests (file order): every render above left a clean server log."""
    assert server["process"].poll() is None, "streamlit died during the browser tests"
    log = server["stderr"].read_text(errors="replace") + server["stdout"].read_text(
        errors="replace"
    )
    assert "Traceback" not in log, log
