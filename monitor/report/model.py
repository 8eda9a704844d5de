"""What a weekly report holds, independent of its format (HTML, CSV, PDF).

Report
├── fleet: Table (one row per instance)
└── instances: [InstanceReport]
    ├── health: Health (score at the end of the week and of the week before)
    └── sections: [Section]  summary | marketo | salesforce | ops
        ├── notes: sentences (a missing source, an empty week)
        └── blocks: [Table | Chart | Figures | Bullets]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from monitor.report.weeks import Week, Window


@dataclass
class Table:
    """A table of the report; `frame` keeps typed values, the renderers format them."""

    key: str  # file-name slug: "backlog-by-object"
    title: str
    frame: pd.DataFrame
    empty: str  # what the report says when the table has no rows
    note: str = ""
    html_rows: int = 25  # rows shown in HTML; the CSV always holds them all

    @property
    def is_empty(self) -> bool:
        return self.frame.empty


@dataclass
class Chart:
    """A Plotly chart (HTML and PDF only)."""

    key: str
    title: str
    figure: go.Figure
    note: str = ""


@dataclass
class Figures:
    """Headline numbers shown side by side: (label, value, change text)."""

    key: str
    items: list[tuple[str, str, str]]


@dataclass
class Bullets:
    """A list of sentences (what got better, what got worse)."""

    key: str
    title: str
    items: list[str]
    empty: str


Block = Table | Chart | Figures | Bullets


@dataclass
class Section:
    """One audience's part of an instance's report."""

    key: str  # summary | marketo | salesforce | ops
    title: str
    audience: str
    notes: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def table(self, key: str) -> Table:
        """The table with this key (KeyError when absent)."""
        for block in self.blocks:
            if isinstance(block, Table) and block.key == key:
                return block
        raise KeyError(f"section {self.key} has no table {key!r}")

    @property
    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]

    @property
    def charts(self) -> list[Chart]:
        return [block for block in self.blocks if isinstance(block, Chart)]


@dataclass
class Health:
    """Health score (monitor.health.health_score) at the end of the week and the week before."""

    score: int
    previous_score: int
    open_by_severity: dict[str, int]
    previous_open_by_severity: dict[str, int]

    @property
    def change(self) -> int:
        return self.score - self.previous_score


@dataclass
class InstanceReport:
    """The report of one instance for one week."""

    instance: str
    label: str
    is_demo: bool
    has_data: bool  # any fact in the week at all
    health: Health
    better: list[str]
    worse: list[str]
    figures: dict[str, float | None]  # the week's headline figures (week-over-week table)
    previous_figures: dict[str, float | None]
    sections: list[Section]

    def section(self, key: str) -> Section:
        """The section with this key (KeyError when absent)."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r}")


@dataclass
class Report:
    """A weekly health report for one instance or all of them."""

    window: Window
    previous: Window
    scope: str  # an instance name, or "all"
    generated_at: datetime
    instances: list[InstanceReport]
    fleet: Table

    @property
    def week(self) -> Week:
        return self.window.week

    @property
    def file_stem(self) -> str:
        """Stable file name (no extension): rewriting the same week replaces the file."""
        return f"health-report-{safe_name(self.scope)}-{self.week.label}"


def safe_name(text: str) -> str:
    """`text` usable in a file name: letters, digits, dot, dash and underscore."""
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in text).strip("._")
    return cleaned or "instance"
