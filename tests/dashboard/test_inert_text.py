"""External text is inert on the pages: a sync error message holding a Markdown link, HTML and
emphasis reaches the Findings page (the finding's subject, title and detail quote it) and is
rendered as those characters: every Markdown body the page draws escapes it. E-mail addresses
and bare URLs, which GFM links even when escaped, are put in code spans: never a mailto link."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.collectors.exports import import_file
from monitor.runner import run_checks
from monitor.store import Store
from monitor.vocabulary.text import ASCII_PUNCTUATION as ASCII_ESCAPED
from monitor.vocabulary.text import markdown_literal
from tests.test_cli import ERRORS_HEADER

PHISH = "[Reset your password](https://evil.example/phish)"
MESSAGE = f"{PHISH} <b>now</b> **urgent** :red[alarm] $x$ ask j.smith@acme.example"
ESCAPED = (
    r"\[Reset your password\]\(`https://evil.example/phish)` \<b\>now\<\/b\> "
    r"\*\*urgent\*\* \:red\[alarm\] \$x\$ ask `j.smith@acme.example`"
)
# Outside an escape: a link, a tag, bold, a Streamlit colour directive, LaTeX.
LIVE = re.compile(r"(?<!\\)(\]\(|<b>|\*\*urgent|:red\[|\$x)")
# What GFM autolinks in the text it is left with once escapes are resolved (remark-gfm, as
# Streamlit renders markdown): an address or a URL. Code spans are never autolinked.
AUTOLINK = re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+|https?://|www\.", re.IGNORECASE)


def autolinks(markdown: str) -> list[str]:
    """The autolinks the markdown renders: what is left outside code spans, unescaped."""
    text = re.sub(r"\\(.)", r"\1", re.sub(r"`[^`]*`", " ", markdown))
    return [match.group() for match in AUTOLINK.finditer(text)]


def test_an_address_or_url_in_external_text_renders_in_a_code_span_not_as_a_link():
    for text in [MESSAGE, "Owner: j.smith@acme.example.", "see www.evil.example/x or ops@a.b.c"]:
        rendered = markdown_literal(text)
        assert autolinks(rendered) == [], rendered
        assert autolinks(ASCII_ESCAPED.sub(r"\\\1", text)), text  # escaping alone did link
    assert markdown_literal("mail j.smith@acme.example!") == r"mail `j.smith@acme.example`\!"


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
    assert not [text for text in labels + bodies if autolinks(text)]


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
    assert not [text for text in bodies if autolinks(text)]


def test_the_demo_overview_shows_the_mass_updaters_address_as_text_not_a_mailto_link(
    demo_store, dashboard
):
    app = dashboard(demo_store.path).run()
    assert not app.exception, app.exception
    bodies = [markdown.value for markdown in app.markdown]
    quoting = [text for text in bodies if "ops.admin@acme.example" in text]
    assert quoting, bodies  # the mass update incident names who did it
    assert all("`ops.admin@acme.example`" in text for text in quoting), quoting
    assert not [text for text in bodies if autolinks(text)]
