"""One colour per severity, error category, object and spike transition, shared by the
dashboard and the report: the same thing is the same colour wherever a reader meets it."""

from __future__ import annotations

import zlib

SEVERITY_COLORS = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}
CATEGORY_COLORS = {
    "permission": "#9467bd",
    "validation": "#ff7f0e",
    "data_quality": "#17becf",
    "locking": "#8c564b",
    "limits": "#d62728",
    "auth": "#e377c2",
    "unknown": "#7f7f7f",
}
OBJECT_COLORS = {
    "Lead": "#1f77b4",
    "Contact": "#2ca02c",
    "Account": "#ff7f0e",
    "Opportunity": "#9467bd",
    "Campaign": "#8c564b",
    "CampaignMember": "#e377c2",
    "Task": "#bcbd22",
    "Event": "#17becf",
}
# Objects not named above (custom objects): a stable colour from the name, never one above.
EXTRA_COLORS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354")
OPENING_COLOR = "#d62728"
RESOLVED_COLOR = "#2ca02c"
EXPECTED_BAND_COLOR = "rgba(127, 127, 127, 0.18)"


def object_color(name: str) -> str:
    return OBJECT_COLORS.get(name) or EXTRA_COLORS[zlib.crc32(name.encode()) % len(EXTRA_COLORS)]


def object_colors(names) -> dict[str, str]:
    """{object: colour} for Plotly's color_discrete_map."""
    return {name: object_color(str(name)) for name in names}


def transition_color(transition: str) -> str:
    """A finding opening (red) or resolving (green) on a chart."""
    return OPENING_COLOR if transition in ("opened", "reopened", "escalated") else RESOLVED_COLOR
