"""The weekly health report: build it for an ISO week, write it as HTML, CSV (zipped) or PDF.

    build_report(store, week=..., instance=..., now=...) -> Report   (monitor/report/build.py)
    write_report(report, "html" | "csv" | "pdf", out) -> Path        (monitor/report/files.py)
    write_weekly_report(store, config, now) -> [Path]                 (the scheduled job)

The numbers come from the dashboard's own named queries and monitor.health, so the report and
the dashboard agree for the same range.
"""

from monitor.errors import ReportError
from monitor.report.build import build_report
from monitor.report.files import (
    FORMATS,
    MIME_TYPES,
    report_bytes,
    write_report,
    write_weekly_report,
)
from monitor.report.model import Report
from monitor.report.weeks import Week, last_complete_week, parse_week, recent_weeks

__all__ = [
    "FORMATS",
    "MIME_TYPES",
    "Report",
    "ReportError",
    "Week",
    "build_report",
    "last_complete_week",
    "parse_week",
    "recent_weeks",
    "report_bytes",
    "write_report",
    "write_weekly_report",
]
