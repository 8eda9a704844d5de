"""The report as one self-contained HTML file: Jinja2 with autoescape (every piece of external
text is escaped), Plotly charts drawn from inline JSON, plotly.js embedded once.

plotly.js alone is 4.8 MB, nearly the whole 5 MB budget of a report. The HTML file therefore
carries it gzipped and base64-encoded (about 1.9 MB) and unpacks it with the browser's own
DecompressionStream (every major browser since 2023); no network is ever needed. The PDF
variant (`for_print=True`) carries it as is, so that the charts are drawn before the page's
load event, when headless Chromium prints.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.io as pio
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from monitor.report import text
from monitor.report.model import Bullets, Chart, Figures, InstanceReport, Report, Table, safe_name

TEMPLATES = Path(__file__).parent / "templates"
CHART_TEMPLATE = "plotly_white"
HIGHLIGHTED = {"severity": "sev", "open finding": "sev", "trend": "trend"}


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def plotly_gzip_base64() -> str:
    """plotly.js, gzipped and base64-encoded (computed once per process)."""
    packed = gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a <script> element: `<`, `>` and `&` (which can only occur in
    strings) become \\u escapes, so no text can close the element or open a comment."""
    encoded = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    safe = encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # U+2028/2029 are valid in JSON but were line breaks in older JavaScript parsers.
    return Markup(safe.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _chart_view(chart: Chart, number: int) -> dict[str, Any]:
    figure = json.loads(pio.to_json(chart.figure, validate=False))
    # The (7 KB) template is shared by every chart: embedded once, applied in report.js.
    figure["layout"].pop("template", None)
    return {
        "kind": "chart",
        "id": f"chart-{number}",
        "title": chart.title,
        "note": chart.note,
        "json": script_json(figure),
    }


LONG_TEXT = 30  # characters: longer cells may break anywhere (report.css `td.long`)


def _css_class(column: str, value: Any, shown: str, is_number: bool) -> str:
    classes = []
    if is_number:
        classes.append("num")
    elif isinstance(value, datetime | pd.Timestamp):
        classes.append("time")
    elif len(shown) > LONG_TEXT:
        classes.append("long")
    prefix = HIGHLIGHTED.get(column)
    if prefix and isinstance(value, str) and value.isalpha():
        classes.append(f"{prefix}-{value}")
    return " ".join(classes)


def _cell_text(column: str, value: Any) -> str:
    if column == "change" and isinstance(value, int | float) and not text.is_missing(value):
        return text.signed(value, 0 if float(value).is_integer() else 1)
    return text.cell(value)


def _cell(column: str, value: Any, is_number: bool) -> dict[str, str]:
    shown = _cell_text(column, value)
    return {"text": shown, "css": _css_class(column, value, shown, is_number)}


def _table_view(table: Table, anchor: str) -> dict[str, Any]:
    frame = table.frame
    shown = frame.head(table.html_rows)
    names = [str(column) for column in frame.columns]
    numeric = [text.is_numeric_column(frame, column) for column in frame.columns]
    rows = [
        [
            _cell(name, value, is_number)
            for name, value, is_number in zip(names, row, numeric, strict=True)
        ]
        for row in shown.itertuples(index=False, name=None)
    ]
    return {
        "kind": "table",
        "anchor": anchor,
        "title": table.title,
        "columns": [
            {"name": name, "numeric": is_number}
            for name, is_number in zip(names, numeric, strict=True)
        ],
        "rows": rows,
        "more": len(frame) - len(shown),
        "empty": table.empty,
        "note": table.note,
    }


class _Views:
    """Turns blocks into plain dicts for the template, numbering charts across the report."""

    def __init__(self) -> None:
        self.charts = 0

    def block(self, block: Any, anchor: str) -> dict[str, Any]:
        if isinstance(block, Table):
            return _table_view(block, anchor)
        if isinstance(block, Chart):
            self.charts += 1
            return _chart_view(block, self.charts)
        if isinstance(block, Figures):
            return {
                "kind": "figures",
                "items": [
                    {"label": label, "value": value, "change": change}
                    for label, value, change in block.items
                ],
            }
        if isinstance(block, Bullets):
            return {
                "kind": "bullets",
                "key": block.key,
                "title": block.title,
                "items": block.items,
                "empty": block.empty,
            }
        raise TypeError(f"unknown report block {block!r}")

    def instance(self, report: InstanceReport, number: int) -> dict[str, Any]:
        anchor = f"instance-{number}-{safe_name(report.instance)}"
        return {
            "anchor": anchor,
            "name": report.instance,
            "label": report.label,
            "is_demo": report.is_demo,
            "sections": [
                {
                    "key": section.key,
                    "title": section.title,
                    "audience": section.audience,
                    "notes": section.notes,
                    "blocks": [
                        self.block(block, f"{anchor}-{section.key}-{getattr(block, 'key', '')}")
                        for block in section.blocks
                    ],
                }
                for section in report.sections
            ],
        }


def render_html(report: Report, *, for_print: bool = False) -> str:
    """The report as one HTML document (`for_print`: the variant headless Chromium prints)."""
    views = _Views()
    instances = [views.instance(r, n) for n, r in enumerate(report.instances, start=1)]
    template_json = pio.templates[CHART_TEMPLATE].to_plotly_json()
    has_charts = views.charts > 0
    window = report.window
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            week=report.week.label,
            scope=report.scope,
            scope_text=(
                f"all instances ({len(report.instances)})"
                if report.scope == "all"
                else f"instance {report.scope}"
            ),
            since=text.moment(window.since),
            until=text.moment(window.until),
            partial=window.is_partial,
            generated=text.moment(report.generated_at),
            show_fleet=report.scope == "all" and len(report.instances) != 1,
            fleet=views.block(report.fleet, "fleet"),
            instances=instances,
            css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
            script=Markup((TEMPLATES / "report.js").read_text(encoding="utf-8")),
            chart_template=script_json(template_json),
            plotly_plain=Markup(get_plotlyjs()) if has_charts and for_print else "",
            plotly_gzip=plotly_gzip_base64() if has_charts and not for_print else "",
            print=for_print,
            nonce=secrets.token_urlsafe(18),
        )
    )
