"""Backlog spikes: a backlog far above what is normal for that object, direction and hour,
held for several cycles. A nightly batch that recurs at the same hour is normal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from checks.base import MARKETO_ADMIN, Finding, Input, NotEvaluated, Setting, cause_key
from checks.seasonal import (
    MONTH_POSITIONS,
    Judged,
    Samples,
    baselines,
    judge_samples,
    month_position,
    silenced_by,
    spike_threshold,
    walk,
    walk_by_day,
    walk_start,
)
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
        "auto",
        "Baseline from the same time of the day (hour_of_day), of the week (hour_of_week; give "
        "it training_days of 35 or more), or auto: of the week where that slot has "
        "min_days_per_bucket days, else of the day.",
    ),
    Setting(
        "month_history_days",
        95,
        "Days of history searched for the same day of the month (its last three days, its "
        "first and its last business day): where 2 earlier months show a load there, that day "
        "is judged against them too, so a recurring month-end close stays normal. 0 turns it "
        "off.",
    ),
    Setting(
        "bucket_minutes",
        15,
        "Width of a baseline time slot; neighbouring slots count too, so a batch may start a "
        "little early or late.",
    ),
    Setting("recent_hours", 24, "Hours of Salesforce changes searched for a likely cause."),
    Setting(
        "sensitivity_z",
        3.0,
        "Robust z-score (median/MAD of the log of the backlog) a sample must reach.",
    ),
    Setting("min_ratio", 1.5, "A sample must be at least this multiple of the baseline."),
    Setting("spike_min_records", 500, "A sample must exceed the baseline by this many records."),
    Setting("for_cycles", 2, "Consecutive spiking samples needed before the check fires."),
    Setting(
        "close_cycles",
        2,
        "Consecutive samples back inside the band before an open spike resolves.",
    ),
    Setting(
        "cooldown_minutes",
        360,
        "After a spike resolves, no new spike opens on the same series for this long.",
    ),
    Setting(
        "critical_records",
        10000,
        "Backlog (records) at which an open spike becomes critical (about an hour of sync).",
    ),
]
# Judged as of the newest sync_stats data (checks/base.py, "Judging time").
ANCHOR = "sync_stats"
INPUTS = {
    "backlog": Input("backlog_series", "training_days", "month_history_days", anchor="sync_stats"),
    "changes": Input("changes_recent", "recent_hours", anchor="sync_stats"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "object": "the Salesforce object",
    "direction": "sfdc_to_marketo or marketo_to_sfdc",
    "start": "first spiking sample of the episode (UTC)",
    "peak": "highest backlog of the episode (records)",
    "peak_at": "time of the peak (UTC)",
    "current": "latest backlog (records)",
    "baseline": "the usual backlog at this time of day or week (records)",
    "month_position": (
        "when the baseline is the one of this day of the month in earlier months (a month-end "
        "close): that day, e.g. 'the last day of the month'; else null"
    ),
    "baseline_months": "earlier months behind a month_position baseline (0 when null)",
    "robust_z": "how far above the baseline, in robust standard deviations of the log backlog",
    "samples_spiking": "samples since the episode began",
    "seasonality": "hour_of_day, hour_of_week or auto",
    "likely_cause": (
        "who changed most records since the spike began: modifier, field, changes, share (or null)"
    ),
    "cause_key": (
        "mass_update:<modifier>|<field>|<day the spike began>, when a likely cause is known: "
        "the same person changing the same field that day is one mass update (one incident)"
    ),
}


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


def _judge(
    series: pd.DataFrame, settings: dict, calendar: pd.DataFrame | None, newest_only=False
) -> Judged:
    """Every sample against its baseline; `newest_only`: only the two days the newest sample's
    walk needs (what one judgement reads: the baselines of a long history cost)."""
    ts = series["ts"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    object_name = series["object"].iloc[0]
    silenced = silenced_by(calendar, ts, object_name)
    since = ts[walk_start(ts, len(ts) - 1)].astype("datetime64[D]") if newest_only else None
    return judge_samples(Samples.of(ts, series["value"].to_numpy(), silenced), settings, since)


def _outcome(
    judged: Judged,
    index: int,
    first_loaded: int,
    episode_start: int,
    changes: pd.DataFrame,
    settings: dict,
    subject: str,
) -> Finding | NotEvaluated | None:
    """What a moment whose newest sample is `index` says about one series (`episode_start`: the
    first sample of the open episode, or -1)."""
    ts = judged.ts
    history_days = (ts[index] - ts[first_loaded]) / np.timedelta64(1, "D")
    if history_days < settings["min_history_days"]:
        return NotEvaluated(
            ID, subject, f"{history_days:.1f} days of history; needs {settings['min_history_days']}"
        )
    if judged.silenced[index]:
        return None  # a planned window of the business calendar
    if judged.days[index] < settings["min_days_per_bucket"]:
        return NotEvaluated(
            ID,
            subject,
            f"only {int(judged.days[index])} days of samples at this hour; "
            f"needs {settings['min_days_per_bucket']}",
        )
    if episode_start < 0:
        return None
    object_name, direction = subject.split("/", 1)
    return _finding(
        judged, index, episode_start, changes, settings, subject, object_name, direction
    )


def _stamp(value: np.datetime64) -> pd.Timestamp:
    return pd.Timestamp(value).tz_localize("UTC")


def _finding(
    judged: Judged,
    index: int,
    episode_start: int,
    changes: pd.DataFrame,
    settings: dict,
    subject: str,
    object_name: str,
    direction: str,
) -> Finding:
    values = judged.value[episode_start : index + 1]
    peak_index = episode_start + int(np.argmax(values))
    peak = float(judged.value[peak_index])
    current = float(judged.value[index])
    base = float(judged.baseline[index])
    start = _stamp(judged.ts[episode_start])
    now = _stamp(judged.ts[index])
    samples = index - episode_start + 1
    recent = changes[
        (changes["ts"] > now - timedelta(hours=settings["recent_hours"] + 1))
        & (changes["ts"] <= now)
    ]
    cause = _likely_cause(recent, object_name, start)
    severity = "critical" if current >= settings["critical_records"] else SEVERITY
    position = MONTH_POSITIONS.get(int(judged.month_position[index]))
    months = int(judged.months[index])
    when = f"at this hour on {position}" if position else "at this hour"
    learnt_from = f" (learnt from that day of the {months} months before)" if position else ""
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
            f"{object_name} backlog ({label}) at {current:,.0f} records, usually {base:,.0f} {when}"
        ),
        detail=(
            f"The {object_name} backlog ({label}) has been above its usual level for {samples} "
            f"samples since {start:%Y-%m-%d %H:%M} UTC: now {current:,.0f} records against a "
            f"baseline of {base:,.0f} {when}{learnt_from} (peak {peak:,.0f})." + cause_text
        ),
        owner=OWNER,
        evidence={
            "object": object_name,
            "direction": direction,
            "start": str(start),
            "peak": peak,
            "peak_at": str(_stamp(judged.ts[peak_index])),
            "current": current,
            "baseline": base,
            "month_position": position,
            "baseline_months": months,
            "robust_z": round(float(judged.z[index]), 2),
            "samples_spiking": samples,
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


def _series(backlog: pd.DataFrame):
    """(subject, series sorted by time) for every object and direction."""
    for (object_name, direction), series in backlog.groupby(["object", "direction"], sort=True):
        yield f"{object_name}/{direction}", series.sort_values("ts", kind="stable")


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """Judge every object/direction backlog series at its newest sample: its baseline, and the
    episode walked from the start of the previous day (checks/seasonal.py)."""
    backlog = data["backlog"]
    changes = data["changes"]
    results: list[Finding | NotEvaluated] = []
    if not len(backlog):
        return [NotEvaluated(ID, "backlog", "no backlog samples collected yet")]
    for subject, series in _series(backlog):
        judged = _judge(series, settings, data.get("calendar"), newest_only=True)
        last = len(judged.ts) - 1
        first = walk_start(judged.ts, last)
        state = walk(judged.spiking, judged.ts, first, last, settings)
        outcome = _outcome(judged, last, 0, int(state.start[-1]), changes, settings, subject)
        if outcome is not None:
            results.append(outcome)
    return results


def _history_days(settings: dict[str, Any]) -> int:
    """Whole days a judgement reads before the two days it walks (queries/backlog_series.sql)."""
    return max(int(settings["training_days"]), int(settings["month_history_days"]))


def _first_loaded(ts: np.ndarray, stamps: np.ndarray, training, window) -> np.ndarray:
    """Index of the oldest sample `backlog_series` loads at each moment of `stamps`: every
    sample of the training window, and before it only those on days a month-end baseline
    learns from (within `window`)."""
    recent = np.searchsorted(ts, stamps - training, side="right")
    month_rows = np.flatnonzero(month_position(ts.astype("datetime64[D]")) >= 0)
    older = np.searchsorted(ts[month_rows], stamps - window, side="right")
    older = np.r_[month_rows, len(ts)][older]
    return np.minimum(recent, older)


def replay(
    data: dict[str, pd.DataFrame], settings: dict[str, Any], moments: list[datetime]
) -> dict[str, dict[int, Finding | NotEvaluated]]:
    """What `evaluate` would say at each of `moments` (sorted), given `data` loaded over the
    whole replayed span: subject -> {moment index: outcome}, silent moments left out. The same
    outcomes as calling `evaluate` at every moment with the data available then, computed with
    one baseline pass and one walk per day (tests/checks/test_backlog_spike.py compares both)."""
    backlog = data["backlog"]
    changes = data["changes"]
    stamps = (
        pd.DatetimeIndex(moments).tz_convert("UTC").tz_localize(None).to_numpy("datetime64[us]")
    )
    window = np.timedelta64(_history_days(settings) + 2, "D")
    training = np.timedelta64(int(settings["training_days"]) + 2, "D")
    timelines: dict[str, dict[int, Finding | NotEvaluated]] = {}
    for subject, series in _series(backlog):
        judged = _judge(series, settings, data.get("calendar"))
        state = walk_by_day(judged, settings)
        ts = judged.ts
        newest = np.searchsorted(ts, stamps, side="right") - 1
        first = _first_loaded(ts, stamps, training, window)
        loaded = np.flatnonzero(newest >= first)  # moments with this series' data loaded
        index, first_loaded = newest[loaded], first[loaded]
        # Only moments `_outcome` does not call silent are handed to it (the same tests, on
        # every moment at once): a year of 5-minute cycles is mostly silent.
        young = (ts[index] - ts[first_loaded]) / np.timedelta64(1, "D") < settings[
            "min_history_days"
        ]
        unjudged = judged.days[index] < settings["min_days_per_bucket"]
        speaks = young | (~judged.silenced[index] & (unjudged | (state.start[index] >= 0)))
        timeline = timelines.setdefault(subject, {})
        for m in np.flatnonzero(speaks):
            outcome = _outcome(
                judged,
                int(index[m]),
                int(first_loaded[m]),
                int(state.start[index[m]]),
                changes,
                settings,
                subject,
            )
            if outcome is not None:
                timeline[int(loaded[m])] = outcome
    return timelines


def expected_band(series: pd.DataFrame, settings: dict[str, Any], at: pd.Series) -> pd.DataFrame:
    """The backlog this check calls normal, at each time of `at`: `expected` (the baseline of
    that time's day and slot, in records) and `spike_above` (the level a sample must reach to
    count as a spike: the robust z, the ratio and the record margin together), learnt exactly
    as `evaluate` learns it from one object's and direction's samples (`series`: ts, value).
    NaN where the baseline has too few training days for the slot (the check does not judge)."""
    columns = ["ts", "expected", "spike_above"]
    times = pd.to_datetime(pd.Series(at), utc=True).reset_index(drop=True)
    empty = pd.DataFrame({"ts": times, "expected": np.nan, "spike_above": np.nan})[columns]
    if not len(series) or not len(times):
        return empty
    series = series.sort_values("ts")
    ts = pd.to_datetime(series["ts"], utc=True).dt.tz_localize(None).to_numpy("datetime64[us]")
    value = series["value"].astype(float).to_numpy()
    learnt = baselines(Samples.of(ts, value), settings)
    stamps = times.dt.tz_localize(None).to_numpy("datetime64[us]")
    log_median, scale, days = learnt.at(stamps)
    judged = days >= settings["min_days_per_bucket"]
    expected = np.where(judged, np.expm1(log_median), np.nan)
    above = np.where(judged, spike_threshold(log_median, scale, settings), np.nan)
    return pd.DataFrame({"ts": times, "expected": expected, "spike_above": above})[columns]
