"""The sync queue of one direction, simulated hour by hour: Marketo serves the objects in
turn (in `order`), so while one object has records waiting the objects after it wait too."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Arrival:
    """Records added to an object's queue at `at` hours after the simulation's start."""

    object: str
    records: float
    at: float


@dataclass(frozen=True)
class QueueRun:
    """When each object's queue last emptied (hours after the start; inf: not within the
    horizon) and when the served object changed to the arrival's object after it arrived."""

    cleared_at: dict[str, float]
    arrival_served_from: float


def simulate_queue(
    backlog: Mapping[str, float],
    order: Sequence[str],
    rates: Mapping[str, np.ndarray | list[float]],
    arrival: Arrival | None = None,
    horizon: float | None = None,
) -> QueueRun:
    """Serve `backlog` (records waiting at hour 0) in `order`, each object at its rate of the
    hour (records/hour, one array entry per hour), the first object of the order with records
    waiting first; `arrival` joins its object's queue when it comes. The run ends with the
    rates, or at `horizon` hours (what still waits then is not cleared: inf)."""
    length = min(len(r) for r in rates.values())
    horizon = length if horizon is None else min(horizon, length)
    # Plain lists: indexing them is several times faster than indexing numpy arrays.
    rates = {name: r.tolist() if hasattr(r, "tolist") else r for name, r in rates.items()}
    waiting = {name: float(backlog.get(name, 0.0)) for name in order}
    cleared = {name: (0.0 if waiting[name] <= 0 else math.inf) for name in order}
    pending = arrival
    served_from = math.inf
    t = 0.0
    while t < horizon:
        if pending is not None and pending.at <= t:
            waiting[pending.object] += pending.records
            cleared[pending.object] = math.inf
            pending = None
        current = next((name for name in order if waiting[name] > 0), None)
        if current is None:
            if pending is None:
                break
            t = pending.at
            continue
        if arrival is not None and pending is None and current == arrival.object:
            served_from = min(served_from, t)
        hour = int(t)
        end = float(hour + 1)
        if pending is not None and t < pending.at < end:
            end = pending.at
        rate = rates[current][hour]
        if rate <= 0:
            t = end
            continue
        capacity = rate * (end - t)
        if waiting[current] <= capacity:
            t += waiting[current] / rate
            waiting[current] = 0.0
            cleared[current] = t
        else:
            waiting[current] -= capacity
            t = end
    return QueueRun(cleared_at=cleared, arrival_served_from=served_from)
