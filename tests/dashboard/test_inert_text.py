"""External text is inert on the pages: a sync error message holding a Markdown link, HTML and
emphasis reaches the Findings page (the finding's subject, title and detail quote it) and is
rendered as those characters: every Markdown body the page draws escapes it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.collectors.exports import import_file
from monitor.runner import run_checks
from monitor.store import Store
from tests.test_cli import ERRORS_HEADER

PHISH = "[Reset your password](https://evil.example/phish)"
MESSAGE = f"{PHISH} <b>now</b> **urgent** :red[alarm] $x$"
ESCAPED = (
    r"\[Reset your password\]\(https\:\/\/evil\.example\/phish\) \<b\>now\<\/b\> "
    r"\*\*urgent\*\* \:red\[alarm\] \$x\$"
)
# Outside an escape: a link, a tag, bold, a Streamlit colour directive, LaTeX.
LIVE = re.compile(r"(?<!\\)(\]\(|<b>|\*\*urgent|:red\[|\$x)")


def hostile_store(tmp_path: Path) -> Store:
    """Thirty validation errors whose message carries markup, checked into findings."""
    rows = [
        f"Record Level,11/20/2026 02:{minute:02d} PM,Failed to update SFDC,"
        f'"FIELD_CUSTOM_VALIDATION_EXCEPTION: {MESSAGE}: []",Lead,{1000 + minute},'
        f"00Q00000000000{minute:02d}"
        for minute in range(30)
    ]
    export = tmp_path / "errors.csv"
    export.write_text("\n".join([ERRORS_HEADER, *rows]) + "\n", encoding="utf-8")
    store = Store(tmp_path / "monitor.duckdb")
    import_file(store, "sync-errors", export, instance="prod", zone=ZoneInfo("UTC"))
    run_checks(store, "prod", datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    return store


def test_the_findings_page_renders_a_sync_error_message_as_plain_characters(tmp_path, dashboard):
    app = dashboard(hostile_store(tmp_path).path).run()
    app.switch_page("dashboard/pages/findings.py").run()
    assert not app.exception, app.exception
    labels = [expander.label for expander in app.expander]
    bodies = [markdown.value for markdown in app.markdown]
    quoting = [text for text in labels + bodies if "Reset your password" in text]
    assert len(quoting) >= 3, quoting  # the subject (label), the title and the detail
    assert all(ESCAPED in text for text in quoting), quoting
    assert not [text for text in labels + bodies if LIVE.search(text)]


def test_the_overview_incident_cards_render_a_sync_error_message_as_plain_characters(
    tmp_path, dashboard
):
    app = dashboard(hostile_store(tmp_path).path).run()
    assert not app.exception, app.exception
    bodies = [markdown.value for markdown in app.markdown]
    quoting = [text for text in bodies if "Reset your password" in text]
    assert quoting, bodies  # the incident's card names the rule's message
    assert all(ESCAPED in text for text in quoting), quoting
    assert not [text for text in bodies if LIVE.search(text)]
