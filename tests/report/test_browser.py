"""The weekly report's HTML in a real browser (Debian's headless Chromium through Playwright):
opened from a file with no network, every chart drawn, no console error, no hostile script run,
a screenshot for screen and for print under tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route

from monitor.report import build_report, write_report
from monitor.store import Store
from tests.browser import chromium
from tests.conftest import REPO
from tests.report.data import (
    HOSTILE_MODIFIER,
    HOSTILE_OBJECT,
    REPORT_NOW,
    SCRIPT,
    add_hostile_data,
)

# One worker runs the browser tests: they share a Streamlit server and Chromium per module,
# and two Chromiums at once on two cores only slow each other down.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ARTIFACTS = REPO / "tests" / "artifacts"
DRAW_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_report_opens_offline_draws_every_chart_and_runs_no_hostile_script(
    browser: Browser, demo_store: Store, tmp_path: Path
) -> None:
    add_hostile_data(demo_store, tmp_path)
    report = build_report(demo_store, week="2026-W47", instance=None, now=REPORT_NOW)
    path = write_report(report, "html", tmp_path / "report.html")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def refuse_network(route: Route) -> None:
        # Anything but the file itself would be the network: record it and refuse it.
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", refuse_network)
    page = context.new_page()
    console, uncaught, dialogs, requests = [], [], [], []
    page.on("console", lambda message: console.append(message))
    page.on("pageerror", lambda error: uncaught.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_selector("html[data-charts]", state="attached", timeout=DRAW_TIMEOUT_MS)
        assert page.evaluate("document.documentElement.dataset.charts") == "drawn"
        charts = page.locator("div.chart")
        assert charts.count() == 3
        for index in range(charts.count()):
            assert charts.nth(index).locator("svg.main-svg").count() > 0
        assert page.locator("h1").inner_text() == "Sync health report · 2026-W47"
        for text in ("What got worse", "Permission failures by object and field", "Week over week"):
            assert page.get_by_text(text, exact=False).first.is_visible()
        # The hostile text is on screen as text, not as markup.
        assert page.locator("td", has_text=SCRIPT).count() > 0
        assert page.locator("td", has_text=HOSTILE_MODIFIER).count() > 0
        assert page.locator("img").count() == 0
        # In a chart legend too: Plotly shows the object's name as the characters it is.
        legend = page.locator("svg text.legendtext", has_text=HOSTILE_OBJECT)
        assert legend.count() == 1

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "report.png", full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path=ARTIFACTS / "report-print.png", full_page=True)
    finally:
        context.close()

    assert uncaught == []
    assert dialogs == []
    assert outside == []
    assert all(url.startswith("file://") for url in requests), requests
    assert [m.text for m in console if m.type == "error"] == []
