"""When a daily API pool runs out: today's use so far, plus how the same hours grew on earlier
days, plus today's extra pace over those days (a growing integration keeps growing).

Used by checks/api_budget.py. Pure: samples in, an outlook dict out. Salesforce's pool is a
rolling 24 hours, so its stored totals already net out calls ageing out; the same hours of
earlier days carry that shape too, which is why the earlier days' growth (not a straight line)
is the forecast. Marketo's pool resets at 00:00 US Central time, so its horizon is that reset.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

MARKETO_ZONE = ZoneInfo("America/Chicago")
# A reading stands for the usage until this long after it; older means a gap.
READING_HOLDS = timedelta(minutes=90)


def reset_at(source: str, ts: pd.Timestamp) -> pd.Timestamp:
    """When the pool sampled at `ts` is next reset: Marketo's next 00:00 US Central time; for
    Salesforce's rolling window, every call of `ts` has aged out 24 hours later."""
    if source == "marketo":
        local = ts.tz_convert(MARKETO_ZONE)
        next_day = (local + pd.Timedelta(days=1)).date()
        midnight = datetime(next_day.year, next_day.month, next_day.day, tzinfo=MARKETO_ZONE)
        return pd.Timestamp(midnight).tz_convert("UTC")
    return ts + pd.Timedelta(hours=24)


class _Series:
    """used at any time: the latest reading at or before it, if recent enough."""

    def __init__(self, samples: pd.DataFrame) -> None:
        self.ts = samples["ts"].to_numpy(dtype="datetime64[us]")
        self.used = samples["used"].to_numpy(dtype=float)

    def at(self, when: pd.Timestamp) -> float | None:
        point = np.datetime64(when.tz_convert("UTC").tz_localize(None), "us")
        i = int(np.searchsorted(self.ts, point, side="right")) - 1
        if i < 0 or point - self.ts[i] > np.timedelta64(READING_HOLDS):
            return None
        return float(self.used[i])


def outlook(source: str, history: pd.DataFrame, settings: dict[str, Any]) -> dict[str, Any] | None:
    """When the pool runs out before it resets, forecast from the same hours of up to
    lookback_days earlier days; None with fewer than min_days complete earlier days."""
    history = history.sort_values("ts").reset_index(drop=True)
    latest = history.iloc[-1]
    now, used, quota = latest["ts"], float(latest["used"]), float(latest["quota"])
    series = _Series(history)
    horizon = reset_at(source, now)
    steps = [now + pd.Timedelta(hours=h) for h in range(1, 25)]
    steps = [t for t in steps if t < horizon]
    pace_hours = settings["forecast_hours"]

    growths, paces = [], []
    for k in range(1, settings["lookback_days"] + 1):
        ago = pd.Timedelta(days=k)
        base = series.at(now - ago)
        before = series.at(now - ago - pd.Timedelta(hours=pace_hours))
        later = [series.at(t - ago) for t in steps]
        if base is None or before is None or any(v is None for v in later):
            continue
        growths.append([v - base for v in later])
        paces.append(base - before)
    if len(growths) < settings["min_days"]:
        return None

    typical = np.median(np.array(growths), axis=0) if steps else np.array([])
    earlier = series.at(now - pd.Timedelta(hours=pace_hours))
    today_pace = used - earlier if earlier is not None else float(np.median(paces))
    extra = max(today_pace - float(np.median(paces)), 0.0) / pace_hours
    hours = np.array([(t - now).total_seconds() / 3600 for t in steps])
    expected = used + typical + extra * hours
    runs_out = _crossing(now, used, quota, steps, expected)
    return {
        "basis": f"the same hours of {len(growths)} earlier days, plus today's extra pace",
        "days": len(growths),
        "extra_rate_per_hour": round(extra, 1),
        "expected_at_reset": round(float(expected[-1]), 0) if len(expected) else used,
        "resets_at": str(horizon),
        "runs_out_at": None if runs_out is None else str(runs_out.floor("min")),
        "hours_left": None
        if runs_out is None
        else round((runs_out - now).total_seconds() / 3600, 1),
    }


def _crossing(
    now: pd.Timestamp, used: float, quota: float, steps: list, expected: np.ndarray
) -> pd.Timestamp | None:
    """The first time the expected use reaches the quota, straight between hourly steps."""
    if used >= quota:
        return now
    previous_t, previous = now, used
    for t, value in zip(steps, expected, strict=True):
        if value >= quota:
            share = (quota - previous) / (value - previous)
            return previous_t + (t - previous_t) * share
        previous_t, previous = t, value
    return None
