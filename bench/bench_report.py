"""A week's health report on the scale store (see bench/scale_store.py: 1 year, 6.3M sync stats,
1M sync errors): build + write HTML, the HTML's size, next to running the report's queries alone.

    python bench/bench_report.py [--week 2026-W46] [--rebuild]

No timing is asserted; the goals (<= 3 s, HTML <= 5 MB) are printed next to the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from bench.measure import ROOT, median_ms
from bench.scale_store import CACHE, END, INSTANCE, print_setting, scale_store
from monitor.report import build_report, write_report
from monitor.report.build import resolve_week
from monitor.report.html import plotly_gzip_base64, render_html
from monitor.report.load import PREVIOUS_WEEK_KEYS, WEEK_QUERIES, load_window
from monitor.report.weeks import window_of
from monitor.store import Store

GOAL_SECONDS = 3.0
GOAL_HTML_MB = 5.0
RUNS = 7
CLI_RUNS = 3


def queries_only(store: Store, week: str | None) -> None:
    """What build_report reads, and nothing else: the week's and the week before's queries."""
    chosen = resolve_week(week, END)
    window, previous = window_of(chosen, END), window_of(chosen.previous(), END)
    with store.read() as con:
        load_window(con, INSTANCE, window)
        load_window(con, INSTANCE, previous, PREVIOUS_WEEK_KEYS)


def run_cli(week: str, out: Path) -> None:
    """The user's view: `python -m monitor report` in a fresh interpreter, HTML."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    subprocess.run(
        [sys.executable, "-m", "monitor", "report", "--week", week, "--out", str(out)],
        cwd=ROOT,
        env={**environment, "MONITOR_DB": str(CACHE)},
        check=True,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", help="ISO week (default: the last complete week before END)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached scale store")
    args = parser.parse_args()

    store = scale_store(CACHE, rebuild=args.rebuild)
    print_setting(store, ("sync_stats", "sync_errors", "change_counts", "findings"))
    queries = len(WEEK_QUERIES) + len(PREVIOUS_WEEK_KEYS)
    print(f"now={END.isoformat()}, {RUNS} warm rounds; {queries} named queries per report")

    started = time.perf_counter()
    plotly_gzip_base64()
    print(f"once per process: gzip plotly.js for the HTML {time.perf_counter() - started:.2f} s")
    build_report(store, week=args.week, instance=None, now=END)  # warm-up (pandas, plotly)

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        steps = {
            "queries only (load_window x 2)": lambda: queries_only(store, args.week),
            "build_report (queries + sections)": lambda: build_report(
                store, week=args.week, instance=None, now=END
            ),
            "build_report + write HTML": lambda: write_report(
                build_report(store, week=args.week, instance=None, now=END), "html", out
            ),
        }
        # Rounds interleave the steps, so that a change of the machine's load (it is shared)
        # touches all of them alike.
        times: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(RUNS):
            for name, step in steps.items():
                times[name].append(median_ms(step, 1))
        path = write_report(
            build_report(store, week=args.week, instance=None, now=END), "html", out
        )
        html_mb = path.stat().st_size / 1e6
        report = build_report(store, week=args.week, instance=None, now=END)
        csv_ms = median_ms(lambda: write_report(report, "csv", out), RUNS)
        plain_mb = len(render_html(report, for_print=True).encode("utf-8")) / 1e6
        cli_ms = median_ms(lambda: run_cli(report.week.label, out), CLI_RUNS)

    median = {name: statistics.median(values) for name, values in times.items()}
    fastest = {name: min(values) for name, values in times.items()}
    base = median["queries only (load_window x 2)"]
    print(
        f"week {report.week.label} ({report.window.since:%Y-%m-%d} to "
        f"{report.window.until:%Y-%m-%d %H:%M} UTC), instance {INSTANCE}, {RUNS} rounds"
    )
    print(f"{'step':<38}{'median ms':>10}{'min ms':>9}{'x queries':>11}")
    for name in steps:
        print(f"{name:<38}{median[name]:>10.0f}{fastest[name]:>9.0f}{median[name] / base:>11.2f}")
    total = median["build_report + write HTML"]
    print(
        f"goal build + write HTML <= {GOAL_SECONDS * 1000:.0f} ms: {total:.0f} ms"
        f"{'   ABOVE GOAL' if total > GOAL_SECONDS * 1000 else '   met'}"
    )
    print(f"{'write CSV zip (report built)':<38}{csv_ms:>10.0f}")
    print(
        f"{'python -m monitor report (new process)':<38}{cli_ms:>10.0f}"
        f"   median of {CLI_RUNS}: interpreter, imports, gzip of plotly.js included"
    )
    print(
        f"HTML size {html_mb:.2f} MB, goal <= {GOAL_HTML_MB:.0f} MB"
        f"{'   ABOVE GOAL' if html_mb > GOAL_HTML_MB else '   met'}; with plotly.js not gzipped "
        f"(the PDF's print variant) {plain_mb:.2f} MB"
    )


if __name__ == "__main__":
    main()
