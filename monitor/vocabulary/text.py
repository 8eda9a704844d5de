"""External text made inert: what Salesforce, Marketo or a file says is shown as the words it
is, never as markup (a `[Reset your password](https://evil.example/phish)` in a sync error must
not become a link on a page or in an alert).

CommonMark lets a backslash escape any ASCII punctuation, and renders the escape as the plain
character: escaping all of it leaves no link, emphasis, code, HTML, heading or list to form, nor
Streamlit's own `:red[...]`, `:material/...:` and `$LaTeX$`. Pages use `markdown_literal`.
Alerts pass through apprise to Slack, Teams and others, where a stray backslash can show: they
use `alert_literal`, which escapes only what can form markup there.
"""

from __future__ import annotations

import re

ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# What can form markup in an alert's markdown (links, emphasis, code, HTML, headings, tables);
# `_` only where it could open or close emphasis: inside a word (Lead_Score__c) it cannot.
ALERT_MARKUP = re.compile(r"[\\`*\[\]()<>#!~|]|_++")
WORD = re.compile(r"[0-9A-Za-z]")


def markdown_literal(text: object) -> str:
    """`text` as Markdown that renders exactly as the text, on one line."""
    return ASCII_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def alert_literal(text: object) -> str:
    """`text` as alert Markdown that renders as the text, on one line, with as few visible
    escapes as possible."""
    return ALERT_MARKUP.sub(_escaped, " ".join(str(text).split()))


def _escaped(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    is_intraword = (
        match.group()[0] == "_"
        and start > 0
        and end < len(text)
        and WORD.match(text[start - 1])
        and WORD.match(text[end])
    )
    return match.group() if is_intraword else "".join("\\" + c for c in match.group())
