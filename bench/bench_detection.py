"""Detection quality of backlog_spike on synthetic labelled scenarios, next to the usual rules.

    python bench/bench_detection.py [--series 12] [--weeks 8] [--seed 15] [--set key=value ...]
    python bench/bench_detection.py --timing [--timing-series 10] [--timing-days 365]

Each scenario is a 5-minute backlog series with a daily and weekly rhythm and heavy-tailed noise
(lognormal, with Pareto bursts), and some of: a nightly batch, single-sample blips, month-end
loads (normal: planned work), and labelled incidents: floods of different sizes and durations,
slow ramps. Every series is written to a store and replayed through `monitor.backtest.backtest`
at every 5-minute cycle, as the scheduler runs the check. An incident is found when an episode
opens between its start and its end (delay: from its start); an episode that opens outside
every incident is a false alarm. The baseline rules run in the same process over the same
series, evaluated at every cycle too, an episode being a run of alarming cycles.

--timing: a year of 5-minute samples for 10 series in a store, replayed by `backtest` (one
vectorised pass) next to the naive replay (the runner's evaluate at every cycle, timed over
one day of cycles and scaled to the span).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.backtest import backtest  # noqa: E402
from monitor.store import Store  # noqa: E402
from monitor.store.facts import ensure_instance, insert_frame  # noqa: E402

STEP = timedelta(minutes=5)
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
INSTANCE = "bench"


@dataclass
class Scenario:
    name: str
    frame: pd.DataFrame  # ts, value
    incidents: list[tuple[pd.Timestamp, pd.Timestamp]]
    # Windows of a recurring month-end load with two earlier months behind them: must be silent
    learnt_loads: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)


def _series(
    rng: np.random.Generator, weeks: int, level: float
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    ts = pd.date_range(START, periods=weeks * 7 * 288, freq="5min", tz="UTC")
    hour = np.asarray(ts.hour + ts.minute / 60)
    daily = 1 + 0.6 * np.sin((hour - 9) / 24 * 2 * np.pi)
    weekly = np.where(np.asarray(ts.day_of_week) >= 5, 0.4, 1.0)
    noise = rng.lognormal(0, 0.35, len(ts))
    bursts = np.where(rng.random(len(ts)) < 0.01, rng.pareto(2.5, len(ts)) + 1, 1.0)
    return ts, level * daily * weekly * noise * bursts


def scenario(index: int, weeks: int, seed: int) -> Scenario:
    rng = np.random.default_rng(seed + index)
    level = float(rng.choice([40, 300, 2000]))
    ts, value = _series(rng, weeks, level)
    minute = np.asarray(ts.hour * 60 + ts.minute)
    parts = []
    if index % 2 == 0:  # nightly batch 02:00-03:00
        value = value + np.where((minute >= 120) & (minute < 180), 8 * level + 2000, 0)
        parts.append("nightly")
    if index % 3 == 0:  # single-sample blips
        at = rng.choice(len(ts), size=weeks, replace=False)
        value[at] += 20 * level + 5000
        parts.append("blips")
    if index % 4 == 1:  # month-end loads: last day of the month, 18:00-22:00
        last_day = np.asarray((ts + pd.Timedelta(days=1)).day == 1)
        value = value + np.where(last_day & (minute >= 1080) & (minute < 1320), 4 * level + 1500, 0)
        parts.append("month-end")
    incidents = []
    # Labelled incidents after two weeks of history: floods, and a slow ramp every other series.
    for week in range(2, weeks):
        if rng.random() < 0.5:
            continue
        begin = int(week * 7 * 288 + rng.integers(0, 7 * 288 - 300))
        hours = float(rng.choice([0.5, 1, 3, 8, 24]))
        size = float(rng.choice([3, 6, 15])) * level + float(rng.choice([800, 3000, 10000]))
        length = int(hours * 12)
        ramp = (index % 2 == 1) and rng.random() < 0.3
        shape = np.linspace(0.1, 1, length) if ramp else np.ones(length)
        value[begin : begin + length] += size * shape
        incidents.append((ts[begin], ts[min(begin + length, len(ts) - 1)]))
        parts.append("ramp" if ramp else f"flood {hours:g}h")
    frame = pd.DataFrame({"ts": ts, "value": value})
    return Scenario(f"s{index:02d} level {level:g}: " + ", ".join(parts), frame, incidents)


def month_end_scenario(index: int, weeks: int, seed: int) -> Scenario:
    """A real recurring month-end batch (the last day, the last two days or the last business
    day of every month, in the evening or all day) on a series with the usual rhythm and
    noise, and labelled floods: ordinary ones, and one on a month-end day that already has two
    earlier months of the batch behind it (on top of the batch for even series, at another
    hour for odd ones)."""
    rng = np.random.default_rng(seed + 100 + index)
    level = float(rng.choice([40, 300, 2000]))
    ts, value = _series(rng, weeks, level)
    minute = np.asarray(ts.hour * 60 + ts.minute)
    to_end = np.asarray(ts.days_in_month - ts.day)
    last_days = 1 + index % 2
    evening = index % 3 != 2
    hours = (minute >= 1080) & (minute < 1320) if evening else np.ones(len(ts), dtype=bool)
    if index >= 6:  # on the last business day (Friday when the month ends on a weekend)
        day = ts.normalize()
        load = np.asarray(day == day + pd.offsets.BMonthEnd(0)) & hours
        days_text = "last business day"
    else:
        load = (to_end < last_days) & hours
        days_text = f"last {last_days} day(s)"
    value = value + np.where(load, float(rng.choice([4, 8])) * level + 1500, 0)
    parts = [f"month-end batch ({days_text}, {'18-22 h' if evening else 'all day'})"]
    runs = np.flatnonzero(load & ~np.r_[False, load[:-1]])
    ends = np.flatnonzero(load & ~np.r_[load[1:], False])
    months = np.asarray(ts.year * 12 + ts.month)
    month_of_run = months[runs]
    learnt = [
        (ts[b], ts[e])
        for b, e, m in zip(runs, ends, month_of_run, strict=True)
        if len(np.unique(month_of_run[month_of_run < m])) >= 2
    ]
    incidents = []
    for week in range(2, weeks):
        if rng.random() < 0.6:
            continue
        begin = int(week * 7 * 288 + rng.integers(0, 7 * 288 - 300))
        if load[begin : begin + 300].any() or (to_end[begin : begin + 300] < 3).any():
            continue  # ordinary floods stay away from month-ends
        length = int(float(rng.choice([1, 3, 8])) * 12)
        value[begin : begin + length] += float(rng.choice([3, 6, 15])) * level + 3000
        incidents.append((ts[begin], ts[min(begin + length, len(ts) - 1)]))
        parts.append("flood")
    # A genuine flood at the last learnt month-end: on top of the batch, or at 09:00.
    b, _ = learnt[-1]
    begin = (
        int(np.searchsorted(ts, b))
        if index % 2 == 0
        else int(np.searchsorted(ts, b.normalize() + pd.Timedelta(hours=9)))
    )
    length = 3 * 12
    value[begin : begin + length] += 6 * level + 3000
    incidents.append((ts[begin], ts[begin + length]))
    parts.append("flood at month-end " + ("on the batch" if index % 2 == 0 else "at 09:00"))
    frame = pd.DataFrame({"ts": ts, "value": value})
    name = f"m{index:02d} level {level:g}: " + ", ".join(parts)
    return Scenario(name, frame, incidents, learnt)


def _rows(frame: pd.DataFrame, object_name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "instance": INSTANCE,
            "ts": frame["ts"].astype("datetime64[us, UTC]"),
            "object": object_name,
            "direction": "sfdc_to_marketo",
            "metric": "backlog",
            "value": frame["value"],
            "provenance": "reported",
        }
    )


def _store(path: Path, frames: dict[str, pd.DataFrame]) -> Store:
    store = Store(path)
    with store.write() as con:
        ensure_instance(con, INSTANCE)
        for object_name, frame in frames.items():
            insert_frame(con, "sync_stats", _rows(frame, object_name))
    return store


def _runs(alarm: np.ndarray) -> np.ndarray:
    """Indices where a run of alarming cycles begins."""
    alarm = np.asarray(alarm, dtype=bool)
    return np.flatnonzero(alarm & ~np.r_[False, alarm[:-1]])


def baseline_rules(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Opening indices of each usual rule, evaluated at every cycle."""
    value = frame["value"]
    day = 288
    mean = value.rolling(14 * day, min_periods=7 * day).mean().shift(1)
    std = value.rolling(14 * day, min_periods=7 * day).std().shift(1)
    by_slot = value.groupby(frame["ts"].dt.hour)
    hour_mean = by_slot.transform(lambda s: s.rolling(14 * 12, min_periods=7 * 12).mean().shift(1))
    hour_std = by_slot.transform(lambda s: s.rolling(14 * 12, min_periods=7 * 12).std().shift(1))
    week_avg = value.rolling(7 * day, min_periods=7 * day).mean().shift(1)
    six_hours_ago = value.shift(72)
    return {
        "z-score >= 3 over 14 days": _runs((value - mean) / std >= 3),
        "z-score >= 3 at the same hour of day": _runs((value - hour_mean) / hour_std >= 3),
        "2 x the 7-day average + 5": _runs(value > 2 * week_avg + 5),
        '1.5 x its value 6 h ago ("Growing")': _runs(value > 1.5 * six_hours_ago),
    }


@dataclass
class Score:
    found: int = 0
    incidents: int = 0
    false: int = 0
    weeks: float = 0
    delays: list[float] | None = None
    learnt_false: int = 0  # false alarms during a month-end load with two months behind it

    def add(self, scenario: Scenario, opened: list[pd.Timestamp]) -> None:
        self.delays = self.delays or []
        self.incidents += len(scenario.incidents)
        self.weeks += len(scenario.frame) / (7 * 288)
        grace = pd.Timedelta(minutes=30)
        matched = [False] * len(opened)
        for begin, end in scenario.incidents:
            hits = [i for i, t in enumerate(opened) if begin <= t <= end + grace]
            if hits:
                self.found += 1
                self.delays.append((opened[hits[0]] - begin) / pd.Timedelta(minutes=5))
            for i in hits:
                matched[i] = True
        # Episodes opened during an incident are the incident's; only the others are false.
        self.false += matched.count(False)
        self.learnt_false += sum(
            1
            for t, incident in zip(opened, matched, strict=True)
            if not incident and any(b <= t <= e + grace for b, e in scenario.learnt_loads)
        )

    def row(self, name: str) -> str:
        recall = self.found / self.incidents if self.incidents else float("nan")
        delay = float(np.median(self.delays)) if self.delays else float("nan")
        return (
            f"| {name} | {recall:.0%} ({self.found}/{self.incidents}) | "
            f"{self.false / self.weeks:.1f} | {delay:.0f} | {self.learnt_false} |"
        )


def replayed(scenarios: list[Scenario], settings: dict) -> tuple[Score, float]:
    """backlog_spike replayed by `backtest` at every cycle over the scenarios (one store)."""
    score = Score()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        store = _store(
            Path(folder) / "bench.duckdb", {f"Obj{i:02d}": s.frame for i, s in enumerate(scenarios)}
        )
        first = scenarios[0].frame["ts"].iloc[0].to_pydatetime()
        last = scenarios[0].frame["ts"].iloc[-1].to_pydatetime()
        episodes = backtest(
            store,
            INSTANCE,
            first,
            last,
            check_ids=["backlog_spike"],
            overrides={"backlog_spike": settings},
            every=STEP,
        )
    seconds = time.perf_counter() - started
    for i, s in enumerate(scenarios):
        prefix = f"Obj{i:02d}/"
        score.add(s, [pd.Timestamp(e.opened_at) for e in episodes if e.subject.startswith(prefix)])
    return score, seconds


def _table(title: str, rows: list[str]) -> None:
    print(
        f"\n{title}\n\n| detector (every 5-minute cycle) | labelled incidents found | false "
        "alarms per series-week | median delay (cycles) | false alarms during a learnt "
        "month-end load |\n|---|---:|---:|---:|---:|"
    )
    print("\n".join(rows))


def quality(args: argparse.Namespace) -> None:
    sets = dict(args.set or [])
    name = ", ".join(f"{k}={v}" for k, v in sets.items()) or "defaults"
    without = {**sets, "month_history_days": 0}
    groups = [
        (f"{args.series} series x {args.weeks} weeks", [
            scenario(i, args.weeks, args.seed) for i in range(args.series)
        ]),
        (f"{args.month_end_series} month-end series x {args.month_end_weeks} weeks", [
            month_end_scenario(i, args.month_end_weeks, args.seed)
            for i in range(args.month_end_series)
        ]),
    ]  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f}; 5-minute samples")
    for title, scenarios in groups:
        ours, seconds = replayed(scenarios, sets)
        before, _ = replayed(scenarios, without)
        rules: dict[str, Score] = {}
        for s in scenarios:
            for rule, starts in baseline_rules(s.frame).items():
                rules.setdefault(rule, Score()).add(s, [s.frame["ts"].iloc[j] for j in starts])
        print(f"\n{title} (backtest took {seconds:.1f} s):")
        for s in scenarios:
            print(f"  {s.name}")
        rows = [
            before.row(f"backlog_spike ({name}, month_history_days=0: no month-end baseline)"),
            ours.row(f"backlog_spike ({name})"),
            *(score.row(rule) for rule, score in rules.items()),
        ]
        _table(title, rows)


def timing(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(args.seed)
    weeks = args.timing_days // 7 + 1
    frames = {}
    for i in range(args.timing_series):
        ts, value = _series(rng, weeks, 300)
        frames[f"Obj{i:02d}"] = pd.DataFrame({"ts": ts, "value": value}).iloc[
            : args.timing_days * 288
        ]
    with tempfile.TemporaryDirectory() as folder:
        store = _store(Path(folder) / "timing.duckdb", frames)
        first = START + timedelta(days=1)
        last = START + timedelta(days=args.timing_days) - STEP
        started = time.perf_counter()
        fast = backtest(store, INSTANCE, first, last, check_ids=["backlog_spike"], every=STEP)
        fast_seconds = time.perf_counter() - started
        naive_from = last - timedelta(hours=args.naive_hours)
        started = time.perf_counter()
        backtest(
            store, INSTANCE, naive_from, last, check_ids=["backlog_spike"], every=STEP, naive=True
        )
        naive_seconds = (time.perf_counter() - started) * ((last - first) / (last - naive_from))
    print(
        f"load average {os.getloadavg()[0]:.1f}; {args.timing_series} series x "
        f"{args.timing_days} days of 5-minute samples, a cycle every 5 minutes"
    )
    print(f"backtest (vectorised replay): {fast_seconds:.1f} s, {len(fast)} episodes")
    print(
        f"naive (evaluate at every cycle, {args.naive_hours} h timed, scaled): "
        f"{naive_seconds:,.0f} s; ratio {naive_seconds / fast_seconds:,.0f}x"
    )


def _assignment(text: str) -> tuple[str, object]:
    key, _, raw = text.partition("=")
    try:
        value: object = int(raw)
    except ValueError:
        try:
            value = float(raw)
        except ValueError:
            value = raw
    return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=12)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--month-end-series", type=int, default=8)
    parser.add_argument("--month-end-weeks", type=int, default=20)
    parser.add_argument("--set", action="append", type=_assignment, metavar="KEY=VALUE")
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--timing-series", type=int, default=10)
    parser.add_argument("--timing-days", type=int, default=365)
    parser.add_argument("--naive-hours", type=int, default=6)
    args = parser.parse_args()
    timing(args) if args.timing else quality(args)


if __name__ == "__main__":
    main()
