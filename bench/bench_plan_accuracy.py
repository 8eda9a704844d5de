"""The backlog planner's accuracy on past spikes, on a synthetic store with known spikes.

    python bench/bench_plan_accuracy.py [--seed 7]

Writes (in bench/out/plan-accuracy.duckdb, rebuilt each run) 10 weeks of 5-minute sync stats
of a queue that serves Account, Contact and Lead in turn (sfdc_to_marketo), each at its own
pace by hour of day and weekday, varied day to day (+-15 %): nightly batches below the spike
size give the planner its measured pace, and 2 to 3 mass updates a week (50,000 to 250,000
records at a random hour) are the spikes. Then monitor/planner/accuracy.py plans each drained
spike again as of its start and prints every spike, the mean absolute error (hours) and the
share of actual clears within the plan's stated range. Nothing is asserted.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    frame, spikes = world(args.seed)
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.unlink(missing_ok=True)
    store = Store(PATH)
    store.init()
    with store.write() as con:
        ensure_instance(con, INSTANCE, label="benchmark planner accuracy")
        insert_frame(con, "sync_stats", frame)
    checks = check_past_spikes(store, INSTANCE, END, order=ORDER, days=WEEKS * 7)
    print(f"store: {PATH} ({len(frame):,} sync_stats rows, seed {args.seed})")
    print(
        f"spikes written: {len(spikes)}; drained single spikes found: {len(checks)} "
        f"(at most {accuracy.MAX_SPIKES}, the latest; overlapping episodes are left out)"
    )
    shown = pd.DataFrame(accuracy_rows(checks))
    if len(shown):
        print(shown.to_string(index=False))
    summary = accuracy_summary(checks)
    print(accuracy_line(summary))
    mae = summary["mean_absolute_error_hours"]
    share = summary["share_within_range"]
    if mae is not None:
        print(f"mean absolute error: {mae:.2f} h; share within the stated range: {share:.0%}")


if __name__ == "__main__":
    main()
