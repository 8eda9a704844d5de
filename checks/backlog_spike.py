"""Backlog spikes: a backlog far above what is normal for that object, direction and hour,
held for several cycles. A nightly batch that recurs at the same hour is normal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from checks.base import MARKETO_ADMIN, Finding, Input, NotEvaluated, Setting, cause_key
from monitor.vocabulary import DIRECTION_LABELS

ID = "backlog_spike"
TITLE = "Sync backlog spike"
SEVERITY = "warning"
OWNER = MARKETO_ADMIN
RUNBOOK = """
Why it matters: the sync works through its queue one object at a time (roughly 10,000 record
updates per hour per object). When a mass update floods the queue, every other change waits
behind it: new leads reach sales hours late, and campaigns run on stale data.

How to fix (Marketo admin, with the Salesforce admin): look at the likely cause in the
evidence (who changed the records and which field). If it is a one-off mass update, let it
drain and ask its owner to run such jobs off-hours. If a field that changes often (a score,
a "last activity" stamp) keeps flooding the queue, hide it from the sync user or bucket its
values (0-25, 26-50, ...) so it changes less often. If the backlog grows without a cause,
check Admin > Salesforce > Sync Status for failing or stuck steps.
"""
SETTINGS = [
    Setting("training_days", 14, "Days of history the baseline learns from."),
    Setting("min_history_days", 7, "Days of history needed before the check judges a series."),
    Setting(
        "min_days_per_bucket",
        5,
        "Distinct days that must have samples in the hour being judged.",
    ),
    Setting(
        "seasonality",
        "hour_of_day",
        "Baseline from the same time of the day (hour_of_day) or of the week (hour_of_week; "
        "give it training_days of 35 or more).",
    ),
    Setting(
        "bucket_minutes",
        15,
        "Width of a baseline time slot; neighbouring slots count too, so a batch may start a "
        "little early or late.",
    ),
    Setting("recent_hours", 24, "Hours judged against the baseline (left out of training)."),
    Setting("sensitivity_z", 3.0, "Robust z-score (median/MAD) a sample must reach."),
    Setting("min_ratio", 1.5, "A sample must be at least this multiple of the baseline."),
    Setting("spike_min_records", 500, "A sample must exceed the baseline by this many records."),
    Setting("for_cycles", 2, "Consecutive spiking samples needed before the check fires."),
    Setting(
        "critical_records",
        10000,
        "Backlog (records) at which an open spike becomes critical (about an hour of sync).",
    ),
]
# Judged as of the newest sync_stats data (checks/base.py, "Judging time").
ANCHOR = "sync_stats"
INPUTS = {
    "backlog": Input("backlog_series", "training_days", anchor="sync_stats"),
    "changes": Input("changes_recent", "recent_hours", anchor="sync_stats"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "direction": "sfdc_to_marketo or marketo_to_sfdc",
    "start": "first spiking sample (UTC)",
    "peak": "highest backlog of the episode (records)",
    "peak_at": "time of the peak (UTC)",
    "current": "latest backlog (records)",
    "baseline": "the usual backlog at this time of day or week (records)",
    "robust_z": "how far above the baseline, in robust standard deviations",
    "samples_spiking": "consecutive spiking samples",
    "seasonality": "hour_of_day or hour_of_week",
    "likely_cause": (
        "who changed most records since the spike began: modifier, field, changes, share (or null)"
    ),
    "cause_key": (
        "mass_update:<modifier>|<field>|<day the spike began>, when a likely cause is known: "
        "the same person changing the same field that day is one mass update (one incident)"
    ),
}


def _slots(settings: dict[str, Any]) -> int:
    """Number of baseline slots in one seasonal period."""
    per_day = 1440 // settings["bucket_minutes"]
    return per_day * 7 if settings["seasonality"] == "hour_of_week" else per_day


def _bucket(ts: pd.Series, settings: dict[str, Any]) -> pd.Series:
    """The seasonal slot of each sample: time of day (or of week) in bucket_minutes steps."""
    slot = (ts.dt.hour * 60 + ts.dt.minute) // settings["bucket_minutes"]
    if settings["seasonality"] == "hour_of_week":
        return ts.dt.day_of_week * (1440 // settings["bucket_minutes"]) + slot
    return slot


def _with_neighbours(stats: pd.DataFrame, slots: int) -> pd.DataFrame:
    """Each slot's baseline is the highest of itself and its two neighbours: a recurring batch
    that starts a few minutes early or late, or is shorter than a slot, stays normal."""
    full = stats.reindex(range(slots))
    tolerant = full.copy()
    for column in ("median", "scale"):
        values = full[column].to_numpy()
        # np.roll wraps around: the last slot of the period neighbours the first one.
        stacked = np.vstack([values, np.roll(values, 1), np.roll(values, -1)])
        tolerant[column] = np.where(np.isnan(stacked), -np.inf, stacked).max(axis=0)
    return tolerant.loc[stats.index]


def _baseline(train: pd.DataFrame, settings: dict[str, Any]) -> pd.DataFrame:
    """Median, robust scale and distinct days per bucket, after leaving out past incidents."""

    def stats(frame: pd.DataFrame) -> pd.DataFrame:
        grouped = frame.groupby("bucket")["value"]
        median = grouped.median()
        mad = (
            frame["value"].sub(frame["bucket"].map(median)).abs().groupby(frame["bucket"]).median()
        )
        days = frame.groupby("bucket")["day"].nunique()
        raw = pd.DataFrame(
            {"median": median, "scale": (mad * 1.4826).clip(lower=1.0), "days": days}
        )
        return _with_neighbours(raw, _slots(settings))

    first = stats(train)
    # Earlier incidents would inflate the baseline: drop training samples that spike too.
    is_past_spike = _is_spike(
        train["value"],
        train["bucket"].map(first["median"]),
        train["bucket"].map(first["scale"]),
        settings,
    )
    return stats(train[~is_past_spike]) if is_past_spike.any() else first


def _is_spike(value: pd.Series, median: pd.Series, scale: pd.Series, settings: dict) -> pd.Series:
    z = (value - median) / scale
    return (
        (z >= settings["sensitivity_z"])
        & (value >= settings["min_ratio"] * median)
        & (value - median >= settings["spike_min_records"])
    )


def _likely_cause(changes: pd.DataFrame, object_name: str, start: pd.Timestamp) -> dict | None:
    """Who changed the most records of this object since the spike began (if recorded)."""
    if not len(changes):
        return None
    window = changes[
        (changes["object"] == object_name) & (changes["ts"] >= start - timedelta(hours=1))
    ]
    if not len(window) or window["changes"].sum() == 0:
        return None
    by_modifier = (
        window.groupby(["modifier", "field"])["changes"].sum().sort_values(ascending=False)
    )
    (modifier, field), top = by_modifier.index[0], int(by_modifier.iloc[0])
    share = top / float(window["changes"].sum())
    return {"modifier": modifier, "field": field, "changes": top, "share": round(share, 3)}


def _judge_series(
    series: pd.DataFrame,
    changes: pd.DataFrame,
    settings: dict,
    subject: str,
    object_name: str,
    direction: str,
) -> Finding | NotEvaluated | None:
    series = series.sort_values("ts")
    latest = series["ts"].iloc[-1]
    recent_start = latest - timedelta(hours=settings["recent_hours"])
    train = series[series["ts"] <= recent_start]
    recent = series[series["ts"] > recent_start]
    history_days = (latest - series["ts"].iloc[0]).total_seconds() / 86400
    if history_days < settings["min_history_days"] or not len(train):
        return NotEvaluated(
            ID, subject, f"{history_days:.1f} days of history; needs {settings['min_history_days']}"
        )
    baseline = _baseline(train, settings)
    median = recent["bucket"].map(baseline["median"])
    scale = recent["bucket"].map(baseline["scale"])
    days = recent["bucket"].map(baseline["days"]).fillna(0)
    if days.iloc[-1] < settings["min_days_per_bucket"]:
        return NotEvaluated(
            ID,
            subject,
            f"only {int(days.iloc[-1])} days of samples at this hour; "
            f"needs {settings['min_days_per_bucket']}",
        )
    spiking = _is_spike(recent["value"], median, scale, settings).fillna(False).to_numpy()
    # Length of the run of spiking samples that ends at the latest sample.
    run = len(spiking) - int(np.flatnonzero(~spiking)[-1]) - 1 if (~spiking).any() else len(spiking)
    if run < settings["for_cycles"]:
        return None
    episode = recent.iloc[len(recent) - run :]
    peak_at = episode["value"].idxmax()
    current = float(episode["value"].iloc[-1])
    base = float(median.iloc[-1])
    start = episode["ts"].iloc[0]
    cause = _likely_cause(changes, object_name, start)
    severity = "critical" if current >= settings["critical_records"] else SEVERITY
    label = DIRECTION_LABELS.get(direction, direction)
    cause_text = (
        f" Likely cause: {cause['modifier']} changed {cause['changes']:,} {object_name} records"
        + (f" ({cause['field']})" if cause["field"] else "")
        + f", {cause['share']:.0%} of all changes since the spike began."
        if cause
        else ""
    )
    return Finding(
        check=ID,
        subject=subject,
        severity=severity,
        title=(
            f"{object_name} backlog ({label}) at {current:,.0f} records, "
            f"usually {base:,.0f} at this hour"
        ),
        detail=(
            f"The {object_name} backlog ({label}) has been above its usual level for {run} "
            f"samples since {start:%Y-%m-%d %H:%M} UTC: now {current:,.0f} records against a "
            f"baseline of {base:,.0f} for this hour (peak {series.loc[peak_at, 'value']:,.0f})."
            + cause_text
        ),
        owner=OWNER,
        evidence={
            "object": object_name,
            "direction": direction,
            "start": str(start),
            "peak": float(series.loc[peak_at, "value"]),
            "peak_at": str(series.loc[peak_at, "ts"]),
            "current": current,
            "baseline": base,
            "robust_z": round(float((current - base) / scale.iloc[-1]), 2),
            "samples_spiking": run,
            "seasonality": settings["seasonality"],
            "likely_cause": cause,
            **(
                {
                    "cause_key": cause_key(
                        "mass_update", cause["modifier"], cause["field"], f"{start:%Y-%m-%d}"
                    )
                }
                if cause
                else {}
            ),
        },
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """Judge every object/direction backlog series against its seasonal baseline."""
    backlog = data["backlog"]
    changes = data["changes"]
    results: list[Finding | NotEvaluated] = []
    if not len(backlog):
        return [NotEvaluated(ID, "backlog", "no backlog samples collected yet")]
    backlog = backlog.assign(
        bucket=_bucket(backlog["ts"], settings),
        day=backlog["ts"].dt.floor("D"),
    )
    for (object_name, direction), series in backlog.groupby(["object", "direction"], sort=True):
        subject = f"{object_name}/{direction}"
        outcome = _judge_series(series, changes, settings, subject, object_name, direction)
        if outcome is not None:
            results.append(outcome)
    return results


def expected_band(series: pd.DataFrame, settings: dict[str, Any], at: pd.Series) -> pd.DataFrame:
    """The backlog this check calls normal, at each time of `at`: `expected` (the baseline's
    median for that slot) and `spike_above` (the level a sample must pass to count as a spike:
    the robust z, the ratio and the record margin together), learnt as `evaluate` learns it
    from one object's and direction's samples (`series`: ts, value; the training part only).
    NaN where the baseline has no samples for the slot."""
    columns = ["ts", "expected", "spike_above"]
    times = pd.to_datetime(pd.Series(at), utc=True).reset_index(drop=True)
    if not len(series) or not len(times):
        return pd.DataFrame({"ts": times, "expected": np.nan, "spike_above": np.nan})[columns]
    series = series.sort_values("ts")
    ts = pd.to_datetime(series["ts"], utc=True)
    train = series[ts <= ts.iloc[-1] - timedelta(hours=settings["recent_hours"])]
    if not len(train):
        return pd.DataFrame({"ts": times, "expected": np.nan, "spike_above": np.nan})[columns]
    train_ts = pd.to_datetime(train["ts"], utc=True)
    train = pd.DataFrame(
        {
            "value": train["value"].astype(float).to_numpy(),
            "bucket": _bucket(train_ts, settings).to_numpy(),
            "day": train_ts.dt.floor("D").to_numpy(),
        }
    )
    baseline = _baseline(train, settings)
    slots = _bucket(times, settings)
    median = slots.map(baseline["median"]).astype(float)
    scale = slots.map(baseline["scale"]).astype(float)
    spike_above = np.maximum.reduce(
        [
            median + settings["sensitivity_z"] * scale,
            settings["min_ratio"] * median,
            median + settings["spike_min_records"],
        ]
    )
    return pd.DataFrame({"ts": times, "expected": median, "spike_above": spike_above})[columns]
