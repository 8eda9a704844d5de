"""The backlog planner's accuracy on past spikes, on a synthetic store with known spikes.

    python bench/bench_plan_accuracy.py [--seed 7] [--seeds 1]

Writes (in bench/out/plan-accuracy.duckdb, rebuilt each run) 10 weeks of 5-minute sync stats
of a queue that serves Account, Contact and Lead in turn (sfdc_to_marketo), each at its own
pace by hour of day and weekday, varied day to day (+-15 %): nightly batches below the spike
size give the planner its measured pace, and 2 to 3 mass updates a week (50,000 to 250,000
records at a random hour) are the spikes. Then monitor/planner/accuracy.py plans each drained
spike again as of its start, once per way of drawing the range (monitor/planner/spread.py:
quartiles, deciles, past_days, resampled_days, resampled_days_90), and prints every spike as
the default method planned it, then per method the mean absolute error (hours), the share of
actual clears within the stated range and the median range width (hours); --seeds N sums N
stores (seeds SEED to SEED+N-1). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from bench.measure import ROOT
from monitor.planner import accuracy
from monitor.planner.accuracy import accuracy_summary, check_past_spikes
from monitor.planner.spread import DEFAULT_METHOD, METHODS
from monitor.planner.words import accuracy_line, accuracy_rows
from monitor.store import Store
from monitor.store.facts import ensure_instance, insert_frame

INSTANCE = "bench"
ORDER = ("Account", "Contact", "Lead")
# Nominal records per hour, weekday daytime (08:00-20:00 UTC) and otherwise.
PACE = {"Account": (10_000, 6_000), "Contact": (12_000, 8_000), "Lead": (14_000, 9_000)}
WEEKS = 10
END = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday
STEP = timedelta(minutes=5)
PATH = ROOT / "bench" / "out" / "plan-accuracy.duckdb"


def capacity(name: str, moment: datetime, day_factor: float) -> float:
    busy = moment.weekday() < 5 and 8 <= moment.hour < 20
    return PACE[name][0 if busy else 1] * day_factor / 12


def world(seed: int) -> tuple[pd.DataFrame, list[tuple[datetime, str, int]]]:
    """The samples of the queue and its known spikes (start, object, records)."""
    rng = np.random.default_rng(seed)
    first = END - timedelta(weeks=WEEKS)
    days = (END - first).days
    factors = {name: rng.uniform(0.85, 1.15, days) for name in ORDER}
    spikes = []
    # The first three weeks stay quiet (history to learn from); then 2-3 spikes a week.
    for week in range(3, WEEKS):
        for _ in range(rng.integers(2, 4)):
            hour = int(rng.integers(0, 7 * 24))
            start = first + timedelta(weeks=week, hours=hour)
            spikes.append((start, str(rng.choice(ORDER)), int(rng.integers(50, 251)) * 1_000))
    arriving: dict[tuple[datetime, str], float] = {}
    for start, name, records in spikes:
        arriving[(start, name)] = arriving.get((start, name), 0) + records
    backlog = dict.fromkeys(ORDER, 0.0)
    rows = []
    moment = first
    while moment < END:
        day = (moment - first).days
        for name in ORDER:
            backlog[name] += arriving.get((moment, name), 0.0)
            if (moment.hour, moment.minute) == (1, 0):
                backlog[name] += float(rng.integers(3_000, 9_000))
        # Served in turn: the first object of the order with records waiting, at its pace.
        current = next((n for n in ORDER if backlog[n] > 0), None)
        for name in ORDER:
            served = 0.0
            if name == current:
                served = min(backlog[name], capacity(name, moment, factors[name][day]))
                backlog[name] -= served
            rows.append((moment, name, "throughput", served))
            rows.append((moment, name, "backlog", backlog[name]))
        moment += STEP
    frame = pd.DataFrame(rows, columns=["ts", "object", "metric", "value"])
    frame = frame.assign(instance=INSTANCE, direction="sfdc_to_marketo", provenance="reported")
    return frame, spikes


def measure(seed: int) -> dict[str, list]:
    """Write the store of `seed`, print its spikes as the default method planned them, and
    return each method's checks."""
    frame, spikes = world(seed)
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.unlink(missing_ok=True)
    store = Store(PATH)
    store.init()
    with store.write() as con:
        ensure_instance(con, INSTANCE, label="benchmark planner accuracy")
        insert_frame(con, "sync_stats", frame)
    by_method = {
        method: check_past_spikes(
            store, INSTANCE, END, order=ORDER, days=WEEKS * 7, range_method=method
        )
        for method in METHODS
    }
    checks = by_method[DEFAULT_METHOD]
    print(f"store: {PATH} ({len(frame):,} sync_stats rows, seed {seed})")
    print(
        f"spikes written: {len(spikes)}; drained single spikes found: {len(checks)} "
        f"(at most {accuracy.MAX_SPIKES}, the latest; overlapping episodes are left out)"
    )
    shown = pd.DataFrame(accuracy_rows(checks))
    if len(shown):
        print(shown.to_string(index=False))
    print(accuracy_line(accuracy_summary(checks)))
    return by_method


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--seeds", type=int, default=1, help="stores to measure: seeds SEED to SEED+N-1"
    )
    args = parser.parse_args()
    by_method: dict[str, list] = {method: [] for method in METHODS}
    for seed in range(args.seed, args.seed + args.seeds):
        for method, found in measure(seed).items():
            by_method[method] += found
        print()
    seeds = f"seed {args.seed}" + (f" to {args.seed + args.seeds - 1}" if args.seeds > 1 else "")
    print(f"per way of drawing the range ({seeds}):")
    print(f"{'range method':<16} {'MAE (h)':>8} {'within range':>16} {'median width (h)':>17}")
    for method, found in by_method.items():
        summary = accuracy_summary(found)
        if summary["mean_absolute_error_hours"] is None:
            print(f"{method:<16} {'unknown':>8}")
            continue
        inside = sum(bool(c.is_within_range) for c in found if c.error_hours is not None)
        widths = [c.range_hours for c in found if c.range_hours is not None]
        width = float(np.median(widths)) if widths else float("nan")
        print(
            f"{method + (' *' if method == DEFAULT_METHOD else ''):<16} "
            f"{summary['mean_absolute_error_hours']:>8.2f} "
            f"{summary['share_within_range']:>5.0%} ({inside:>3} of {summary['estimated']:>3}) "
            f"{width:>17.1f}"
        )
    print("(* the planner's default)")


if __name__ == "__main__":
    main()
