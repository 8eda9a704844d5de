"""The backlog planner: how long a planned mass update will hold up the sync, from the rates
the sync reached while records waited (by weekday and hour), the current backlog and the order
in which Marketo serves the objects. `plan_mass_update` answers; `words` says it for people."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import numpy as np

from monitor.planner.columns import backlog_and_drain, first_row, plain_columns
from monitor.planner.fields import NO_SYNC, field_effect
from monitor.planner.queue import Arrival, QueueRun, simulate_queue
from monitor.planner.rates import RateProfile, build_profile, whole_hour
from monitor.planner.spread import DEFAULT_METHOD, coverage, range_runs, spread

if TYPE_CHECKING:
    from monitor.store import Store

# Days of history the rates come from, the least draining hours that make an estimate, how far
# ahead the best start is looked for and how long after the start a simulation runs.
HISTORY_DAYS = 28
MIN_DRAINING_HOURS = 6
SEARCH_HOURS = 7 * 24
HORIZON_HOURS = 14 * 24
ASSUMPTIONS = (
    "rates are the hourly throughput measured while records waited, at the same hour on the "
    "same kind of day (weekday, weekend); each day ahead runs at the pace of a "
    "past day drawn at random (how fast the sync went that day against those rates), 50 times: "
    "the estimate is the median clear, the range holds 8 in 10 of them",
    "objects of one direction are served in turn, in the configured sync_object_order: "
    "objects after the planned one wait while its records sync",
    "the usual inflow keeps pace as it did while the rates were measured",
)


class PlanOptions(TypedDict, total=False):
    """What a plan may be told besides its object, records and moment, by keyword to
    plan_mass_update and plan_from_frames alike (defaults: PLAN_DEFAULTS): the `start` (a past
    or no start plans from now), the sync `direction`, the configured sync_object_order
    (`order`), the `field_name` changed, whether the best start of the next 7 days is searched
    (`find_best_start`) and how the range is drawn (`range_method`, monitor/planner/spread.py)."""

    start: datetime | None
    direction: str
    order: Sequence[str]
    field_name: str | None
    find_best_start: bool
    range_method: str


PLAN_DEFAULTS: PlanOptions = {
    "start": None,
    "direction": "sfdc_to_marketo",
    "order": (),
    "field_name": None,
    "find_best_start": True,
    "range_method": DEFAULT_METHOD,
}


@dataclass
class Plan:
    """A planner answer; `status` is "estimated" or "unknown" (with `reason`)."""

    instance: str
    object: str
    direction: str
    records: int
    start: datetime
    status: str
    field_name: str | None = None
    reason: str = ""
    # What changing `field_name` does to the sync (monitor/planner/fields.py) and why.
    field_effect: str | None = None
    field_note: str = ""
    synced_at: dict[str, datetime | None] = field(default_factory=dict)
    hours: dict[str, float | None] = field(default_factory=dict)
    ahead: list[dict[str, Any]] = field(default_factory=list)
    waiting_behind: list[dict[str, Any]] = field(default_factory=list)
    best_start: dict[str, Any] | None = None
    basis: list[dict[str, Any]] = field(default_factory=list)
    # The share of past days whose pace clears within the range (None: a range of rate
    # percentiles, whose coverage is not known).
    range_coverage: float | None = None
    assumptions: tuple[str, ...] = ASSUMPTIONS

    def as_json(self) -> dict[str, Any]:
        """The plan as JSON-ready values (times as ISO 8601 UTC, unknown as null)."""

        def clean(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [clean(v) for v in value]
            return value

        return clean(
            {
                "instance": self.instance,
                "object": self.object,
                "direction": self.direction,
                "records": self.records,
                "field": self.field_name,
                "field_effect": self.field_effect,
                "field_note": self.field_note or None,
                "start": self.start,
                "status": self.status,
                "reason": self.reason or None,
                "fully_synced_at": self.synced_at,
                "hours": self.hours,
                "range_coverage": self.range_coverage,
                "served_first": self.ahead,
                "waiting_behind": self.waiting_behind,
                "best_start": self.best_start,
                "basis": self.basis,
                "assumptions": list(self.assumptions),
            }
        )


def sync_order(objects: Sequence[str], configured: Sequence[str]) -> list[str]:
    """`objects` in the configured order; objects it does not name follow, by name."""
    rank = {name: i for i, name in enumerate(configured)}
    return sorted(objects, key=lambda o: (rank.get(o, len(rank)), o))


def _rates(
    profiles: dict[str, RateProfile], base: datetime, hours: int, which: str
) -> dict[str, np.ndarray]:
    """Rates of the hours ahead per object, at one end of the range or its middle."""
    return {name: p.ahead(base, hours, which) for name, p in profiles.items()}


def _hours(value: float) -> float | None:
    return None if not math.isfinite(value) else round(value, 2)


def plan_mass_update(
    store: Store,
    instance: str,
    object_name: str,
    records: int,
    now: datetime,
    *,
    history_days: int = HISTORY_DAYS,
    **options: Unpack[PlanOptions],
) -> Plan:
    """Plan `records` updates of `object_name` starting at `start` (default: now), from what
    the store held at `now` (a past `now` plans as the monitor would have then)."""
    from queries import run_query_arrays

    with store.read() as con:
        latest = run_query_arrays(con, "backlog_latest", instance=instance, until=now)
        measured = run_query_arrays(
            con, "plan_drain_rates", instance=instance, until=now, history_days=history_days
        )
        field_name = options.get("field_name")
        field_row = None
        if field_name:
            field_row = first_row(
                plain_columns(
                    run_query_arrays(
                        con,
                        "plan_field",
                        instance=instance,
                        object=object_name,
                        field=field_name,
                        now=now,
                    )
                )
            )
    return plan_from_frames(
        latest,
        measured,
        instance=instance,
        object_name=object_name,
        records=records,
        now=now,
        field_row=field_row,
        **options,
    )


def plan_from_frames(
    latest: Mapping[str, Any],
    measured: Mapping[str, Any],
    *,
    instance: str,
    object_name: str,
    records: int,
    now: datetime,
    field_row: dict[str, Any] | None = None,
    **options: Unpack[PlanOptions],
) -> Plan:
    """The plan from the backlog_latest and plan_drain_rates columns (DuckDB's fetchnumpy, see
    plan_mass_update); `field_row` is the plan_field row of the options' `field_name`: a
    formula field queues no sync."""
    asked = PLAN_DEFAULTS | options
    direction, field_name = asked["direction"], asked["field_name"]
    start = max(asked["start"] or now, now)
    plan = Plan(instance, object_name, direction, records, start, "unknown", field_name=field_name)
    if field_name:
        effect = field_effect(field_row, object_name, field_name)
        plan.field_effect, plan.field_note = effect.kind, effect.text
        if effect.kind == NO_SYNC:
            plan.status, plan.reason = NO_SYNC, effect.text
            return plan
    latest, measured = plain_columns(latest), plain_columns(measured)
    backlog, drain = backlog_and_drain(latest, direction)
    objects = {str(o) for o in measured["object"][measured["direction"] == direction]}
    objects |= set(backlog) | {object_name}
    names = sync_order(sorted(objects), asked["order"])
    profiles = {
        name: profile
        for name in names
        if (profile := build_profile(measured, name, direction)) is not None
    }
    planned = profiles.get(object_name)
    if planned is None or planned.draining_hours < MIN_DRAINING_HOURS:
        hours = 0 if planned is None else planned.draining_hours
        plan.reason = (
            f"too little history: {hours} hour(s) in which {object_name} records waited "
            f"({direction}) in the last {HISTORY_DAYS} days; at least {MIN_DRAINING_HOURS} "
            "are needed to measure the sync's pace"
        )
        return plan
    # Objects waiting now without measured rates borrow the planned object's (said below).
    borrowed = [n for n in names if n not in profiles and backlog.get(n, 0) > 0]
    for name in borrowed:
        profiles[name] = planned
    names = [n for n in names if n in profiles]
    base = whole_hour(now)
    offset = (start - base).total_seconds() / 3600
    length = int(math.ceil(offset)) + SEARCH_HOURS + HORIZON_HOURS
    arrival = Arrival(object_name, float(records), offset)
    range_method = asked["range_method"]
    outcomes = range_runs(range_method, profiles, backlog, names, base, length, arrival)
    plan.status = "estimated"
    plan.range_coverage = coverage(range_method)
    clears = [run.cleared_at[object_name] for run in outcomes]
    earliest, latest = spread(clears, plan.range_coverage)
    if plan.range_coverage is not None:
        # Drawn from past days' paces, the estimate is the median of those clears (the
        # middle of its range): a weekday's few measured days alone make a noisy median.
        estimate = outcomes[_median_index(clears)]
    else:
        middle = _rates(profiles, base, length, "middle")
        estimate = simulate_queue(backlog, names, middle, arrival)
    for key, cleared in (
        ("estimate", estimate.cleared_at[object_name]),
        ("earliest", earliest),
        ("latest", latest),
    ):
        plan.synced_at[key] = base + timedelta(hours=cleared) if math.isfinite(cleared) else None
        plan.hours[key] = _hours(cleared - offset)
    position = names.index(object_name)
    plan.ahead = [
        {"object": n, "backlog": round(backlog[n])}
        for n in names[:position]
        if backlog.get(n, 0) > 0
    ]
    for name in names[position + 1 :]:
        holds = [_hold(run, object_name, offset) for run in outcomes]
        shortest, longest = spread(holds, plan.range_coverage)
        waits = {
            "estimate": _hours(_hold(estimate, object_name, offset)),
            "shortest": _hours(shortest),
            "longest": _hours(longest),
        }
        plan.waiting_behind.append({"object": name, "waits_hours": waits})
    if asked["find_best_start"]:
        plan.best_start = _best_start(backlog, names, profiles, base, now, object_name, records)
    plan.basis = [profiles[n].basis() | {"borrowed": n in borrowed} for n in names]
    for item, name in zip(plan.basis, names, strict=True):
        item["object"] = name
    for item in plan.basis:
        value = drain.get(item["object"])
        item["drain_hours_now"] = None if value is None else _hours(float(value))
    return plan


def _median_index(values: Sequence[float]) -> int:
    """The index of the median value (the lower of the middle two)."""
    return sorted(range(len(values)), key=lambda i: values[i])[(len(values) - 1) // 2]


def _hold(run: QueueRun, object_name: str, offset: float) -> float:
    """How long the objects after the planned one wait while its records sync."""
    return max(run.cleared_at[object_name] - max(run.arrival_served_from, offset), 0.0)


def _best_start(
    backlog: dict[str, float],
    names: list[str],
    profiles: dict[str, RateProfile],
    base: datetime,
    now: datetime,
    object_name: str,
    records: int,
) -> dict[str, Any] | None:
    """The whole hour of the next 7 days whose start clears the update soonest (with the
    queue served in turn, objects after it wait exactly as long: soonest is also least
    delaying); ties go to the earliest hour."""
    first = int(math.ceil((now - base).total_seconds() / 3600))
    rates = {
        name: values.tolist()
        for name, values in _rates(
            profiles, base, first + SEARCH_HOURS + HORIZON_HOURS, "middle"
        ).items()
    }
    best: tuple[float, int] | None = None
    for hour in range(first, first + SEARCH_HOURS):
        # A start that cannot beat the best so far is abandoned at that point.
        stop = None if best is None else hour + best[0] + 1e-6
        arrival = Arrival(object_name, float(records), hour)
        run = simulate_queue(backlog, names, rates, arrival, horizon=stop)
        duration = run.cleared_at[object_name] - hour
        if math.isfinite(duration) and (best is None or duration < best[0] - 1e-9):
            best = (duration, hour)
    if best is None:
        return None
    duration, hour = best
    return {
        "start": base + timedelta(hours=hour),
        "fully_synced_at": base + timedelta(hours=hour + duration),
        "hours": round(duration, 2),
    }
