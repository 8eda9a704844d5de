"""The Reports page through Streamlit's AppTest on a copy of the demo store: pick a week, the
instances and a format, build, preview and download."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from monitor.store import Store
from tests.dashboard.pages import assert_clean, open_page

BUILT_KEY = "_built_report"  # the key dashboard/pages/reports.py keeps the report under


@pytest.fixture
def app(demo_store: Store, dashboard):
    return dashboard(demo_store.path, timeout=120)


def test_reports_page_offers_recent_weeks_and_builds_nothing_until_asked(app):
    open_page(app, "reports")
    assert "Weekly health report" in [t.value for t in app.title]
    weeks = app.selectbox(key="report-week")
    assert weeks.options[0].startswith("2026-W47")  # the demo's data ends in 2026-W47
    assert weeks.value in {w.split(" ")[0] for w in weeks.options}
    assert any("Demo workspace" in i.value for i in app.info)
    assert app.get("download_button") == []
    # Only weeks with data: the demo's 30 days reach back into 2026-W43, not before.
    assert [w.split(" ")[0] for w in weeks.options][-1] == "2026-W43"


def test_building_the_html_report_previews_it_and_offers_the_download(app):
    app.query_params["week"] = "2026-W47"
    open_page(app, "reports")
    assert app.selectbox(key="report-week").value == "2026-W47"
    app.button(key="report-build").click().run()
    assert_clean(app)
    built = app.session_state[BUILT_KEY]
    assert built["file_name"] == "health-report-demo-2026-W47.html"
    html = built["html"]
    assert "Sync health report · 2026-W47" in html
    for audience in ("for everyone", "for Marketo admins", "for Salesforce admins", "for Ops"):
        assert audience in html
    assert built["content"] == html.encode("utf-8")
    (download,) = app.get("download_button")
    assert download.proto.label == "Download health-report-demo-2026-W47.html"
    assert len(app.get("iframe")) == 1  # the preview
    size = next(c.value for c in app.caption if c.value.endswith("· preview:"))
    assert size == f"{len(built['content']) / 1e6:.1f} MB · preview:"  # a 2 MB page with charts


def test_all_instances_as_csv_downloads_a_zip_of_tables(app):
    app.query_params["week"] = "2026-W47"
    open_page(app, "reports")
    app.radio(key="report-scope").set_value("all").run()
    app.radio(key="report-format").set_value("csv").run()
    app.button(key="report-build").click().run()
    assert not app.exception, app.exception
    built = app.session_state[BUILT_KEY]
    assert built["file_name"] == "health-report-all-2026-W47.zip"
    names = zipfile.ZipFile(io.BytesIO(built["content"])).namelist()
    assert "health-report-all-2026-W47/demo/salesforce-permission-failures.csv" in names


def test_changing_the_week_hides_a_report_built_for_another(app):
    app.query_params["week"] = "2026-W47"
    open_page(app, "reports")
    app.button(key="report-build").click().run()
    assert len(app.get("download_button")) == 1
    app.selectbox(key="report-week").set_value("2026-W46").run()
    assert not app.exception
    assert app.get("download_button") == []
    assert app.query_params["week"] == "2026-W46"


def test_pdf_without_chromium_is_one_clear_error_and_no_download(app, tmp_path, monkeypatch):
    # The pdf module finds Chromium on PATH (shutil.which): an empty PATH has none. The
    # ReportError must reach the reader as one message, never as a page exception.
    empty = tmp_path / "bin"
    empty.mkdir()
    app.query_params["week"] = "2026-W47"
    open_page(app, "reports")
    monkeypatch.setenv("PATH", str(empty))
    app.radio(key="report-format").set_value("pdf").run()
    app.button(key="report-build").click().run()
    assert not app.exception, app.exception
    assert [re.sub(r"\\(.)", r"\1", e.value) for e in app.error] == [  # as a reader sees it
        "PDF needs Chromium, which is not installed: install Debian's package with "
        "`apt-get install chromium` (or use --format html)"
    ]
    assert app.get("download_button") == []
    assert BUILT_KEY not in app.session_state
