"""Every instance at a glance (the dashboard's "All instances" page): per instance its open
incidents, how fresh its data is and its health, judged exactly as its own Overview judges it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from monitor.health import FRESHNESS_CHECKS, Health, health_state
from monitor.incidents import by_severity, finding_records, group_findings
from monitor.store import Store


@dataclass(frozen=True)
class InstanceHealth:
    """One row of the fleet: what its Overview's headline, cards and freshness table say."""

    instance: str
    is_demo: bool
    health: Health
    critical: int
    warning: int
    incidents: int
    worst: str | None  # the title of its first incident card
    newest_data: datetime | None
    stale_sources: tuple[str, ...]


def fleet(store: Store, now: datetime) -> list[InstanceHealth]:
    """Every instance of the store, judged at `now` (a demo at the end of its simulation)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rows = []
    for instance in store.query("instances").itertuples(index=False):
        name = instance.instance
        moment = now
        if pd.notna(instance.simulated_until):
            moment = min(now, instance.simulated_until.to_pydatetime())
        incidents = group_findings(finding_records(store.query("findings_open", instance=name)))
        counts = by_severity(incidents)
        freshness = store.query("source_freshness", instance=name, now=moment)
        stopped = store.query(
            "findings_open_subjects", instance=name, checks=list(FRESHNESS_CHECKS)
        )
        stale = tuple(sorted(set(stopped["subject"])))
        newest = freshness["newest"].max() if len(freshness) else pd.NaT
        data_end = store.query("data_end", instance=name)["data_end"].iloc[0]
        has_data = bool(len(freshness)) or pd.notna(data_end)
        rows.append(
            InstanceHealth(
                instance=name,
                is_demo=bool(instance.is_demo),
                health=health_state(counts, has_data, list(stale)),
                critical=counts.get("critical", 0),
                warning=counts.get("warning", 0),
                incidents=len(incidents),
                worst=incidents[0].title if incidents else None,
                newest_data=None if pd.isna(newest) else newest.to_pydatetime(),
                stale_sources=stale,
            )
        )
    return rows
