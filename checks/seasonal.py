"""Seasonal baselines and alarm episodes for a count series (used by backlog_spike).

Two steps, both pure and both computed the same way whether one moment is judged (`evaluate`)
or a year is replayed (`python -m monitor backtest`):

1. `judge_samples`: each sample against the baseline of its UTC day. A day's baseline is learnt
   only from the `training_days` whole days before it (never from the day itself), per time
   slot of the day, or of the week where that slot has enough days, else of the day. Values are
   compared on a log scale (log1p): backlogs are heavy-tailed, a queue of 300 that doubles is as
   unusual as one of 3,000 that doubles, and a median/MAD on the log is robust to the rare huge
   samples a raw MAD lets through. Samples that were spikes against a first baseline are left
   out of a second one (an earlier incident must not teach the baseline that floods are
   normal), and so are planned windows from the business calendar. The last three days of a
   month, its first day and its last business day are also judged against the same day of
   the earlier months (`month_history_days`) once two months show it; where that baseline
   lets more through, it replaces the usual one (a spike must be one against both), so a
   recurring month-end close is learnt and a flood on a month-end is still found.
2. `walk`: an episode opens after `for_cycles` consecutive spiking samples, closes only after
   `close_cycles` samples back inside the band, and no new episode opens within `cooldown` of a
   close. A judged moment walks from the start of the previous UTC day, so its answer depends
   on the data alone (not on when the scheduler happened to run) and a replay can walk each day
   once.

Every day's baseline is computed in one vectorised pass (a sliding window over a day x slot x
sample array), which is what makes a year's replay take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

DAY = np.timedelta64(1, "D")
# At most this many samples per day and slot enter the baseline (1-minute samples, 15-minute
# slots: 15); beyond, the first ones of the slot are kept.
MAX_PER_SLOT = 32
# Smallest spread on the log scale (about 5 %): a flat series must not make every wiggle a spike.
MIN_LOG_SCALE = 0.05
# Days of a month with their own baseline once earlier months show them (`month_position`).
MONTH_POSITIONS = {
    0: "the last day of the month",
    1: "the second-to-last day of the month",
    2: "the third-to-last day of the month",
    3: "the first day of the month",
    4: "the last business day of the month",
}
# Earlier months that must show the same day of the month before it has its own baseline.
MIN_MONTHS = 2


@dataclass(frozen=True)
class Samples:
    """One count series, oldest first: the three arrays every step reads, of equal length."""

    ts: np.ndarray  # datetime64[us] (UTC)
    value: np.ndarray  # float records
    silenced: np.ndarray  # bool: inside a planned window (left out of baselines, never a spike)

    @classmethod
    def of(cls, ts: np.ndarray, value: np.ndarray, silenced: np.ndarray | None = None) -> Samples:
        """The arrays in the units the steps compute in; no `silenced`: nothing is."""
        quiet = np.zeros(len(ts), dtype=bool) if silenced is None else silenced
        return cls(ts.astype("datetime64[us]"), value.astype(float), quiet)


@dataclass
class Judged:
    """Every sample of one series with its baseline: arrays of equal length, sorted by time."""

    ts: np.ndarray  # datetime64[us] (UTC)
    value: np.ndarray
    baseline: np.ndarray  # usual value (records), NaN where unknown
    z: np.ndarray  # robust z on the log scale
    days: np.ndarray  # distinct training days behind the baseline
    spiking: np.ndarray  # bool: judged and unusual on every criterion
    silenced: np.ndarray  # bool: inside a planned window of the business calendar
    # MONTH_POSITIONS key where the baseline is the one of that day in earlier months, else -1
    month_position: np.ndarray
    months: np.ndarray  # earlier months behind a month-position baseline (0 where none)


def _nanmedian(values: np.ndarray) -> np.ndarray:
    """np.nanmedian over the last axis, to the bit (NaN where empty), by one sort: NaN sorts
    last, so the middle of the first `n` sorted values is the median. numpy's own nanmedian
    goes through masked arrays for many short rows, about ten times slower (the backtest's
    largest cost)."""
    ordered = np.sort(values, axis=-1)
    count = np.count_nonzero(~np.isnan(values), axis=-1)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0)[..., None], -1)[..., 0]
    high = np.take_along_axis(ordered, (count // 2)[..., None], -1)[..., 0]
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, (low + high) / 2, np.nan)


def _robust(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and 1.4826 x MAD over the last axis (NaN-aware; NaN where empty)."""
    median = _nanmedian(window)
    with np.errstate(invalid="ignore"):
        mad = _nanmedian(np.abs(window - median[..., None]))
    return median, np.fmax(mad * 1.4826, MIN_LOG_SCALE)


def _neighbours(values: np.ndarray) -> np.ndarray:
    """Each slot takes the highest of itself and its two neighbours (slots on the last axis,
    wrapping around midnight): a batch that starts a little early or late stays normal."""
    return np.fmax(np.fmax(values, np.roll(values, 1, axis=-1)), np.roll(values, -1, axis=-1))


def _is_spike(log_value, log_median, scale, settings: dict[str, Any]) -> np.ndarray:
    value, median = np.expm1(log_value), np.expm1(log_median)
    with np.errstate(invalid="ignore"):
        return (
            ((log_value - log_median) / scale >= settings["sensitivity_z"])
            & (value >= settings["min_ratio"] * median)
            & (value - median >= settings["spike_min_records"])
        )


def _stats(windows: np.ndarray, settings: dict[str, Any]):
    """Median, scale and day count per (day, slot) from windows shaped (day, slot, per, days),
    twice: the second time without the samples the first baseline calls spikes."""
    flat = windows.reshape(*windows.shape[:2], -1)
    median, scale = _robust(flat)
    median, scale = _neighbours(median), _neighbours(scale)
    past_spike = _is_spike(windows, median[..., None, None], scale[..., None, None], settings)
    if past_spike.any():
        kept = np.where(past_spike, np.nan, windows)
        flat = kept.reshape(*windows.shape[:2], -1)
        median, scale = _robust(flat)
        median, scale = _neighbours(median), _neighbours(scale)
        windows = kept
    days = (~np.isnan(windows)).any(axis=2).sum(axis=-1)
    return median, scale, days


@dataclass
class Baselines:
    """Per day (from `first_day`) and time slot: the usual log value, its spread and how many
    training days stand behind it."""

    first_day: np.datetime64
    slot_minutes: int
    log_median: np.ndarray  # (day, slot)
    scale: np.ndarray  # (day, slot)
    days: np.ndarray  # (day, slot)
    # (day, slot): MONTH_POSITIONS key where the day's own month-position baseline replaced the
    # usual one, else -1; and how many earlier months stand behind it
    month_position: np.ndarray
    months: np.ndarray

    def at(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(log median, scale, days) for each time of `ts`; NaN (0 days) outside the days."""
        day_index, slot = _day_and_slot(ts, self.first_day, self.slot_minutes)
        inside = (day_index >= 0) & (day_index < self.log_median.shape[0])
        d, k = np.where(inside, day_index, 0), slot
        nan = np.full(len(ts), np.nan)
        return (
            np.where(inside, self.log_median[d, k], nan),
            np.where(inside, self.scale[d, k], nan),
            np.where(inside, self.days[d, k], 0),
        )

    def month_at(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(month position, months) for each time of `ts`: -1 and 0 where the usual baseline
        holds."""
        day_index, slot = _day_and_slot(ts, self.first_day, self.slot_minutes)
        inside = (day_index >= 0) & (day_index < self.log_median.shape[0])
        d = np.where(inside, day_index, 0)
        return (
            np.where(inside, self.month_position[d, slot], -1),
            np.where(inside, self.months[d, slot], 0),
        )


def _day_and_slot(ts: np.ndarray, first_day, slot_minutes: int) -> tuple[np.ndarray, np.ndarray]:
    ts = ts.astype("datetime64[us]")
    day = ts.astype("datetime64[D]")
    day_index = ((day - first_day) // DAY).astype(np.int64)
    minute = ((ts - day.astype("datetime64[us]")) // np.timedelta64(1, "m")).astype(np.int64)
    return day_index, np.minimum(minute // slot_minutes, 1440 // slot_minutes - 1)


def baselines(
    samples: Samples, settings: dict[str, Any], since: np.datetime64 | None = None
) -> Baselines:
    """Every day's baseline per slot, learnt from the `training_days` whole days before it
    (see the module docstring), for the days from the first sample's to the last one's; with
    `since` (a day), only from that day on (the earlier ones: NaN, 0 days), as a judgement of
    the newest sample needs: each day's baseline is computed on its own, so the days learnt
    are the same either way."""
    ts = samples.ts
    slot_minutes = int(settings["bucket_minutes"])
    slots = 1440 // slot_minutes
    training = int(settings["training_days"])
    first_day = ts[0].astype("datetime64[D]")
    day_index, slot = _day_and_slot(ts, first_day, slot_minutes)
    cell = day_index * slots + slot
    # Position of each sample within its (day, slot) cell.
    starts = np.r_[0, np.flatnonzero(np.diff(cell)) + 1]
    position = np.arange(len(ts)) - np.repeat(starts, np.diff(np.r_[starts, len(ts)]))
    per = int(min(MAX_PER_SLOT, position.max() + 1))
    n_days = int(day_index[-1]) + 1
    log_value = np.log1p(np.clip(samples.value, 0, None))
    grid = np.full((training + n_days, slots, per), np.nan)
    keep = (position < per) & ~samples.silenced
    grid[training + day_index[keep], slot[keep], position[keep]] = log_value[keep]
    # windows[d] holds the `training` days before day d: shape (day, slot, per, training).
    skipped = 0 if since is None else int(np.clip((since - first_day) // DAY, 0, n_days - 1))
    windows = sliding_window_view(grid, training, axis=0)[skipped:n_days]
    median, scale, days = _stats(windows, settings)
    if settings["seasonality"] in ("hour_of_week", "auto"):
        same_weekday = np.arange(training - 7, -1, -7)  # window positions 7, 14, ... days back
        w_median, w_scale, w_days = _stats(windows[..., same_weekday], settings)
        if settings["seasonality"] == "hour_of_week":
            median, scale, days = w_median, w_scale, w_days
        else:  # hour of week where that slot has enough weeks, else hour of day
            enough = w_days >= settings["min_days_per_bucket"]
            median = np.where(enough, w_median, median)
            scale = np.where(enough, w_scale, scale)
            days = np.where(enough, w_days, days)
    month_pos, months = _month_baselines(
        grid[training:], skipped, median, scale, first_day, settings
    )
    if skipped:
        unlearnt = np.full((skipped, slots), np.nan)
        median, scale = np.r_[unlearnt, median], np.r_[unlearnt, scale]
        days = np.r_[np.zeros((skipped, slots), dtype=days.dtype), days]
        month_pos = np.r_[np.full((skipped, slots), -1, dtype=np.int64), month_pos]
        months = np.r_[np.zeros((skipped, slots), dtype=np.int64), months]
    return Baselines(first_day, slot_minutes, median, scale, days, month_pos, months)


def month_position(days: np.ndarray) -> np.ndarray:
    """MONTH_POSITIONS key of each day (datetime64[D]) by calendar day: 0-2 for the last three
    days of its month, 3 for the first day, -1 for the others."""
    month = days.astype("datetime64[M]")
    to_end = ((month + 1).astype("datetime64[D]") - days) // DAY - 1
    first = days == month.astype("datetime64[D]")
    return np.where(to_end <= 2, to_end, np.where(first, 3, -1)).astype(np.int64)


def business_position(days: np.ndarray) -> np.ndarray:
    """4 (MONTH_POSITIONS) for the last Monday-to-Friday of its month (a close that moves to the
    Friday when the month ends on a weekend; holidays are not known here), -1 for the others."""
    month_end = (days.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    last_business = np.busday_offset(month_end, 0, roll="backward")
    return np.where(days == last_business, 4, -1).astype(np.int64)


def _month_baselines(grid, skipped: int, median, scale, first_day, settings: dict[str, Any]):
    """Month-end loads: a day at a MONTH_POSITIONS position (by calendar day, and the last
    business day) is also judged against the same position in the earlier months within
    `month_history_days` (its slot needing MIN_MONTHS of them). Where such a baseline lets
    more through (a recurring close), it replaces the usual one in `median` and `scale` (in
    place): a sample is then a spike only if it is one against every baseline of its day.
    `grid`: (day, slot, per) log values of the days from `first_day`; `median` and `scale`: the
    usual baselines of the days from `skipped` on. Returns (position, months) for those days."""
    position = np.full(median.shape, -1, dtype=np.int64)
    months = np.zeros(median.shape, dtype=np.int64)
    history = int(settings.get("month_history_days", 0))
    if history <= 0:
        return position, months
    days = first_day + np.arange(grid.shape[0])
    padded = np.concatenate([grid, np.full((1, *grid.shape[1:]), np.nan)])
    for day_position in (month_position(days), business_position(days)):
        found = _same_position(day_position, skipped, history)
        if found is None:
            continue
        targets, earlier = found
        # (target day, slot, per, earlier month), as `_stats` takes training windows
        windows = np.moveaxis(padded[earlier], 1, -1)
        m_median, m_scale, m_months = _stats(windows, settings)
        rows = targets - skipped
        usual = spike_threshold(median[rows], scale[rows], settings)
        with np.errstate(invalid="ignore"):
            wider = (m_months >= MIN_MONTHS) & (
                spike_threshold(m_median, m_scale, settings) > usual
            )
        median[rows] = np.where(wider, m_median, median[rows])
        scale[rows] = np.where(wider, m_scale, scale[rows])
        position[rows] = np.where(wider, day_position[targets][:, None], position[rows])
        months[rows] = np.where(wider, m_months, months[rows])
    return position, months


def _same_position(day_position: np.ndarray, skipped: int, history: int):
    """(target days, earlier days) for the days from `skipped` with a position (>= 0) that at
    least MIN_MONTHS earlier days within `history` share: earlier days are the newest ones,
    padded with len(day_position) (an empty day) to a fixed width. None when there are none."""
    n_days = len(day_position)
    deepest = history // 28 + 1  # at most this many earlier months fit in the history
    targets, earlier = [], []
    for day in np.flatnonzero(day_position[skipped:] >= 0) + skipped:
        oldest = max(0, day - history)
        same = np.flatnonzero(day_position[oldest:day] == day_position[day]) + oldest
        if len(same) >= MIN_MONTHS:
            targets.append(day)
            earlier.append(np.r_[same[-deepest:], np.full(deepest, n_days)][:deepest])
    if not targets:
        return None
    return np.array(targets), np.array(earlier)


def spike_threshold(log_median: np.ndarray, scale: np.ndarray, settings: dict[str, Any]):
    """The smallest value (records) `_is_spike` calls a spike against this baseline: above the
    robust z, the ratio and the record margin together."""
    median = np.expm1(log_median)
    return np.fmax.reduce(
        [
            np.expm1(log_median + settings["sensitivity_z"] * scale),
            settings["min_ratio"] * median,
            median + settings["spike_min_records"],
        ]
    )


def judge_samples(
    samples: Samples, settings: dict[str, Any], since: np.datetime64 | None = None
) -> Judged:
    """Each sample against the baseline of its day (see the module docstring); with `since`
    (a day), only the samples from that day on (the earlier ones: unjudged)."""
    ts, silenced = samples.ts, samples.silenced
    learnt = baselines(samples, settings, since)
    log_median, sample_scale, sample_days = learnt.at(ts)
    sample_position, sample_months = learnt.month_at(ts)
    log_value = np.log1p(np.clip(samples.value, 0, None))
    judged = sample_days >= settings["min_days_per_bucket"]
    spiking = judged & ~silenced & _is_spike(log_value, log_median, sample_scale, settings)
    with np.errstate(invalid="ignore"):
        z = (log_value - log_median) / sample_scale
    return Judged(
        ts=ts,
        value=samples.value,
        baseline=np.expm1(log_median),
        z=z,
        days=sample_days,
        spiking=np.asarray(spiking, dtype=bool),
        silenced=silenced,
        month_position=sample_position,
        months=sample_months,
    )


@dataclass
class Episode:
    """Walk state at one sample: open (with the index its episode started at) or not."""

    open: np.ndarray  # bool per walked sample
    start: np.ndarray  # index of the first spiking sample of the open episode, -1 when closed


def walk(
    spiking: np.ndarray, ts: np.ndarray, first: int, last: int, settings: dict[str, Any]
) -> Episode:
    """Episodes over samples first..last (inclusive), starting closed at `first`."""
    k, m = int(settings["for_cycles"]), int(settings["close_cycles"])
    cooldown = np.timedelta64(int(settings["cooldown_minutes"]), "m")
    count = last - first + 1
    is_open = np.zeros(count, dtype=bool)
    start = np.full(count, -1, dtype=np.int64)
    run = inside = 0
    opened = -1
    quiet_until = None
    flags = spiking[first : last + 1].tolist()
    times = ts[first : last + 1]
    for i, spike in enumerate(flags):
        if opened < 0:
            run = run + 1 if spike else 0
            if run >= k and (quiet_until is None or times[i] >= quiet_until):
                opened, inside = first + i - run + 1, 0
        else:
            inside = 0 if spike else inside + 1
            if inside >= m:
                opened, run, quiet_until = -1, 0, times[i] + cooldown
        if opened >= 0:
            is_open[i], start[i] = True, opened
    return Episode(is_open, start)


def walk_start(ts: np.ndarray, index: int) -> int:
    """First sample of the walk that judges sample `index`: the start of the previous UTC day."""
    begin = ts[index].astype("datetime64[D]") - DAY
    return int(np.searchsorted(ts, begin.astype(ts.dtype), side="left"))


def walk_by_day(judged: Judged, settings: dict[str, Any]) -> Episode:
    """The walk state at every sample as a moment judged at that sample would see it: each day's
    samples walked from the start of the day before (what `replay` needs, in one pass a day)."""
    ts = judged.ts
    days = ts.astype("datetime64[D]")
    is_open = np.zeros(len(ts), dtype=bool)
    start = np.full(len(ts), -1, dtype=np.int64)
    bounds = np.r_[0, np.flatnonzero(days[1:] != days[:-1]) + 1, len(ts)]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        first = walk_start(ts, lo)
        state = walk(judged.spiking, ts, first, hi - 1, settings)
        is_open[lo:hi] = state.open[lo - first :]
        start[lo:hi] = state.start[lo - first :]
    return Episode(is_open, start)


def silenced_by(windows: pd.DataFrame | None, ts: np.ndarray, object_name: str) -> np.ndarray:
    """Samples inside a planned window of the business calendar (for all objects or this one)."""
    silenced = np.zeros(len(ts), dtype=bool)
    if windows is None or not len(windows):
        return silenced
    stamps = ts.astype("datetime64[us]")
    for row in windows.itertuples(index=False):
        if row.object and row.object != object_name:
            continue
        start = np.datetime64(pd.Timestamp(row.start).tz_convert("UTC").tz_localize(None), "us")
        end = np.datetime64(pd.Timestamp(row.end).tz_convert("UTC").tz_localize(None), "us")
        silenced |= (stamps >= start) & (stamps < end)
    return silenced
