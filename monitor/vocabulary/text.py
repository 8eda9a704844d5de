"""External text made inert: what Salesforce, Marketo or a file says is shown as the words it
is, never as markup (a `[Reset your password](https://evil.example/phish)` in a sync error must
not become a link on a page or in an alert).

CommonMark lets a backslash escape any ASCII punctuation, and renders the escape as the plain
character: escaping all of it leaves no link, emphasis, code, HTML, heading or list to form, nor
Streamlit's own `:red[...]`, `:material/...:` and `$LaTeX$`. Pages use `markdown_literal`.

Escapes do not stop GFM's autolink literals, though: Streamlit (remark-gfm) finds e-mail
addresses and `www.`/`http(s)://` URLs in the text *after* escapes are resolved, so an escaped
`j.smith@acme.example` still becomes a `mailto:` link. Those runs go in a code span instead: a
code span is never autolinked, and it holds the characters as they are (a copy gives exactly
the address). Seen in Streamlit 1.67's bundled mdast-util-gfm-autolink-literal (a find-and-
replace over text nodes) and reported upstream: https://github.com/remarkjs/remark-gfm/issues/33.

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
# A superset of what GFM autolinks in text (mdast-util-gfm-autolink-literal: a URL from
# `http(s)://` or `www.` to the next whitespace; local@domain.tld), without backticks, which
# cannot sit inside a single-backtick code span.
AUTOLINKABLE = re.compile(r"(?:https?://|www\.)[^\s`]*|[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.IGNORECASE)


def markdown_literal(text: object) -> str:
    """`text` as Markdown that renders exactly as the text, on one line (addresses and URLs
    in a code span, so that they are not links)."""
    text = " ".join(str(text).split())
    parts, start = [], 0
    for match in AUTOLINKABLE.finditer(text):
        parts.append(ASCII_PUNCTUATION.sub(r"\\\1", text[start : match.start()]))
        parts.append(f"`{match.group()}`")
        start = match.end()
    parts.append(ASCII_PUNCTUATION.sub(r"\\\1", text[start:]))
    return "".join(parts)


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
