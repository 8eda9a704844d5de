"""An alert's body in each channel's own format.

messages.py writes a small Markdown: `- ` list items, lines indented by two spaces continuing
them, `**bold**`, and external text (subjects, titles, record values) escaped by
vocabulary.text.alert_literal, so that it renders as the words it is. A channel that takes
Markdown (Slack, Teams, Discord) gets it as written, and apprise translates it into the
service's dialect, escapes included (Slack's mrkdwn: `&`, `<`, `>` as entities); a JSON webhook
gets it as written. A channel that takes HTML (email) gets it converted here, every character of
text HTML-escaped: a general Markdown-to-HTML conversion would pass raw HTML on.
"""

from __future__ import annotations

import html
import re

# A CommonMark escape (backslash + ASCII punctuation) or the bold marker.
INLINE = re.compile(r"\\([!-/:-@\[-`{-~])|\*\*")


def _inline(text: str) -> str:
    """One line: escapes resolved, `**` as <b>, everything else HTML-escaped."""
    out, is_bold, position = [], False, 0
    for match in INLINE.finditer(text):
        out.append(html.escape(text[position : match.start()] + (match.group(1) or "")))
        if match.group(1) is None:
            out.append("</b>" if is_bold else "<b>")
            is_bold = not is_bold
        position = match.end()
    out.append(html.escape(text[position:]))
    if is_bold:
        out.append("</b>")
    return "".join(out)


def to_html(body: str) -> str:
    """The body as an HTML fragment: list items with their continuation lines, paragraphs."""
    parts: list[str] = []
    item: list[str] | None = None

    def close_item() -> None:
        nonlocal item
        if item is not None:
            parts.append("<li>" + "<br>".join(item) + "</li>")
            item = None

    in_list = False
    for line in body.split("\n"):
        if line.startswith("- "):
            close_item()
            if not in_list:
                parts.append("<ul>")
                in_list = True
            item = [_inline(line[2:])]
        elif line.startswith("  ") and item is not None:
            item.append(_inline(line.strip()))
        else:
            close_item()
            if in_list:
                parts.append("</ul>")
                in_list = False
            if line.strip():
                parts.append("<p>" + _inline(line) + "</p>")
    close_item()
    if in_list:
        parts.append("</ul>")
    return "\n".join(parts)
