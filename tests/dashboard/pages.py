"""What the dashboard tests share: the title each page shows (what dashboard/pages/*.py pass to
st.title), and opening a page of app.py in Streamlit's AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

PAGE_TITLES = {  # page file stem -> its st.title
    "overview": "Sync health overview",
    "fleet": "All instances",
    "backlog": "Backlog & throughput",
    "errors": "Sync errors",
    "permissions": "Sync user permissions",
    "schema": "Schema guard",
    "fields": "Synced fields",
    "findings": "Findings",
    "sources": "Sources & imports",
    "rulebook": "Checks",
    "reports": "Weekly health report",
    "alerts": "Alerts",
}


def assert_clean(app: AppTest) -> None:
    """The last run raised nothing and showed no error box."""
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def open_page(app: AppTest, name: str) -> AppTest:
    """Open dashboard/pages/`name`.py as a browser opening its url does (the first run of a
    fresh app goes straight to it: each page's url_path is its file's name, which AppTest
    matches before st.navigation has registered anything) and check it rendered cleanly."""
    app.switch_page(f"dashboard/pages/{name}.py").run()
    assert_clean(app)
    return app
