"""The demo workspace's Marketo activity log: a sample of leads, written through the same
activity_frame/store_activities path as the REST collector and the Data Streams receiver.

Story (times relative to `now`):
- all along: Sync Lead to SFDC, Sync Lead Updates to SFDC and Push Lead to Marketo in the
  business-hours rhythm; a few SFDC Activity tasks (interesting moments for sales) and events;
  Lead Status and Behavior Score changes (Change Data Value) of normal size and frequency;
- the last 10 days: an account-scoring integration rewrites "Account Score" through the web
  service API every ~4 hours on 150 leads, moving it by one point (score_churn fires);
- the last 10 days: a nurture program logs every email send and open as a Salesforce Task,
  about 2,100 a day (task_volume fires); the sync user's Task writes follow them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

STORY_DAYS = 10
CHURN_LEADS = 150
CHURN_EVERY_MINUTES = 240
SCORE_FIELD = "Account Score"
SCORING_SOURCE = "Web service API"
NURTURE_TASKS_PER_DAY = 2_100
NURTURE_SUBJECTS = (
    ("Was Sent Email: Weekly Product Digest", 0.65),
    ("Opened Email: Weekly Product Digest", 0.35),
)
# (activity type id, per day) all along; the attributes are those Marketo sends.
ROUTINE = (
    (19, 30, [{"name": "Assign To", "value": "Lead Queue"}]),  # Sync Lead to SFDC
    (28, 120, []),  # Sync Lead Updates to SFDC
    (145, 40, [{"name": "Source", "value": "API"}]),  # Push Lead to Marketo
)
SALES_TASKS = (  # (subject, per day): what sales acts on, created by smart campaigns
    ("Interesting Moment: Visited the pricing page", 15),
    ("Interesting Moment: Filled out the Demo Request form", 9),
    ("Call back: Webinar attendee", 6),
)
SALES_EVENTS_PER_DAY = 6
STATUSES = ("Open", "Working", "Nurture", "Qualified")
LEAD_IDS = 40_000  # Marketo lead ids 1000001.. (as the demo's sync errors use)


def _moments(
    rng: np.random.Generator, grid: pd.DatetimeIndex, weight: np.ndarray, count: int
) -> pd.DatetimeIndex:
    """`count` moments within the cycles of `grid` (the five minutes up to each), more where
    `weight` is high."""
    if count <= 0 or not len(grid):
        return pd.DatetimeIndex([], tz="UTC")
    cycles = rng.choice(len(grid), size=count, p=weight / weight.sum())
    return grid[cycles] - pd.to_timedelta(rng.integers(0, 300, size=count), unit="s")


def _leads(rng: np.random.Generator, count: int) -> np.ndarray:
    return 1_000_001 + rng.integers(0, LEAD_IDS, size=count)


def _records(
    kind: str,
    type_id: int,
    leads: Iterable[int],
    when: Iterable[pd.Timestamp],
    primaries: Iterable[Any],
    attributes: Iterable[list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """REST-shaped activity records (activityDate as a timestamp, which activity_frame reads)."""
    return [
        {
            "marketoGUID": f"demo-{kind}-{index}",
            "leadId": int(lead),
            "activityDate": at,
            "activityTypeId": type_id,
            "primaryAttributeValue": primary,
            "attributes": attrs,
        }
        for index, (lead, at, primary, attrs) in enumerate(
            zip(leads, when, primaries, attributes, strict=True)
        )
    ]


def _sfdc_activity_attributes(subject: str, *, is_task: bool) -> list[dict[str, Any]]:
    return [
        {"name": "Is Task", "value": is_task},
        {"name": "Subject", "value": subject},
        {"name": "Status", "value": "Completed" if is_task else "Scheduled"},
        {"name": "Priority", "value": "Normal"},
        {"name": "Activity Owner", "value": "Dana Whitfield"},
    ]


def _value_attributes(old: Any, new: Any, source: str) -> list[dict[str, Any]]:
    return [
        {"name": "New Value", "value": new},
        {"name": "Old Value", "value": old},
        {"name": "Reason", "value": source},
        {"name": "Source", "value": source},
    ]


def _routine(rng, grid, rhythm, days: float) -> list[dict[str, Any]]:
    records = []
    for type_id, per_day, attributes in ROUTINE:
        when = _moments(rng, grid, rhythm, int(per_day * days))
        n = len(when)
        records += _records(
            f"t{type_id}", type_id, _leads(rng, n), when, [None] * n, [attributes] * n
        )
    return records


def _sfdc_activities(rng, grid, rhythm, now: datetime, days: float) -> list[dict[str, Any]]:
    recent = grid > now - timedelta(days=STORY_DAYS)
    plan = [(subject, per_day * days, np.ones(len(grid), bool)) for subject, per_day in SALES_TASKS]
    plan += [
        (subject, NURTURE_TASKS_PER_DAY * share * min(days, STORY_DAYS), recent)
        for subject, share in NURTURE_SUBJECTS
    ]
    records = []
    for number, (subject, count, cycles) in enumerate(plan):
        when = _moments(rng, grid[cycles], rhythm[cycles], int(count))
        n = len(when)
        attributes = _sfdc_activity_attributes(subject, is_task=True)
        records += _records(
            f"task{number}", 26, _leads(rng, n), when, [subject] * n, [attributes] * n
        )
    when = _moments(rng, grid, rhythm, int(SALES_EVENTS_PER_DAY * days))
    meeting = "Meeting: Discovery call"
    attributes = _sfdc_activity_attributes(meeting, is_task=False)
    n = len(when)
    return records + _records("event", 26, _leads(rng, n), when, [meeting] * n, [attributes] * n)


def _normal_changes(rng, grid, rhythm, days: float) -> list[dict[str, Any]]:
    """A status moves on now and then; behaviour scoring adds 5 to 15 points."""
    when = _moments(rng, grid, rhythm, int(20 * days))
    steps = rng.integers(0, len(STATUSES) - 1, size=len(when))
    source = "Smart campaign: Lead Lifecycle"
    records = _records(
        "status",
        13,
        _leads(rng, len(when)),
        when,
        ["Lead Status"] * len(when),
        [_value_attributes(STATUSES[s], STATUSES[s + 1], source) for s in steps],
    )
    when = _moments(rng, grid, rhythm, int(30 * days))
    old = rng.integers(0, 80, size=len(when))
    new = old + rng.choice([5, 10, 15], size=len(when))
    source = "Smart campaign: Behavior Scoring"
    return records + _records(
        "behavior",
        13,
        _leads(rng, len(when)),
        when,
        ["Behavior Score"] * len(when),
        [_value_attributes(int(o), int(n), source) for o, n in zip(old, new, strict=True)],
    )


def _score_churn(rng, start: datetime, now: datetime) -> list[dict[str, Any]]:
    """Each scored lead is rewritten every ~4 hours, one point up or down (0-100)."""
    begin = pd.Timestamp(max(start, now - timedelta(days=STORY_DAYS)))
    steps = int((pd.Timestamp(now) - begin) / pd.Timedelta(minutes=CHURN_EVERY_MINUTES)) + 1
    leads = 1_000_001 + rng.choice(LEAD_IDS, size=CHURN_LEADS, replace=False)
    gaps = CHURN_EVERY_MINUTES + rng.integers(-20, 21, size=(CHURN_LEADS, steps))
    gaps[:, 0] = rng.integers(0, CHURN_EVERY_MINUTES, size=CHURN_LEADS)
    minutes = np.cumsum(gaps, axis=1)
    walk = rng.integers(10, 90, size=(CHURN_LEADS, 1)) + np.cumsum(
        rng.choice([-1, 1], size=(CHURN_LEADS, steps + 1)), axis=1
    )
    values = np.clip(walk, 0, 100)
    old, new = values[:, :-1], values[:, 1:]
    when = begin + pd.to_timedelta(minutes.ravel(), unit="min")
    keep = (when <= pd.Timestamp(now)) & (old.ravel() != new.ravel())
    return _records(
        "score",
        13,
        np.repeat(leads, steps)[keep],
        when[keep],
        [SCORE_FIELD] * int(keep.sum()),
        [
            _value_attributes(int(o), int(n), SCORING_SOURCE)
            for o, n in zip(old.ravel()[keep], new.ravel()[keep], strict=True)
        ],
    )


def simulate_activities(
    seed: int, grid: pd.DatetimeIndex, rhythm: Any, start: datetime, now: datetime
) -> list[dict[str, Any]]:
    """REST-shaped activity records of the demo (see the module docstring), deterministic for
    a seed. `grid` is the demo's 5-minute cycle grid and `rhythm` its edit rhythm."""
    rng = np.random.default_rng([seed, 26])  # its own stream: the other demo data stay put
    rhythm = np.asarray(rhythm, dtype=float)
    days = (now - start).total_seconds() / 86400
    return (
        _routine(rng, grid, rhythm, days)
        + _sfdc_activities(rng, grid, rhythm, now, days)
        + _normal_changes(rng, grid, rhythm, days)
        + _score_churn(rng, start, now)
    )


def task_writes(records: list[dict[str, Any]], grid: pd.DatetimeIndex) -> pd.DataFrame:
    """The sync user's Task writes per cycle (every demo task is Marketo's), as sync_stats rows
    of Task in the Marketo -> Salesforce direction: the queue drains within its cycle."""
    tasks = pd.DatetimeIndex(
        [
            r["activityDate"]
            for r in records
            if r["activityTypeId"] == 26 and r["attributes"][0]["value"] is True
        ]
    )
    # A cycle's figure counts what happened in the five minutes up to its time.
    per_cycle = pd.Series(1, index=tasks.ceil("5min")).groupby(level=0).sum()
    written = per_cycle.reindex(grid, fill_value=0).to_numpy(dtype=float)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "ts": grid,
                    "object": "Task",
                    "direction": "marketo_to_sfdc",
                    "metric": metric,
                    "value": values,
                    "provenance": "demo",
                }
            )
            for metric, values in (
                ("inflow", written),
                ("backlog", np.zeros(len(grid))),
                ("throughput", written),
            )
        ],
        ignore_index=True,
    )
