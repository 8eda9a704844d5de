"""Which records a reconciliation sample compares, and the SOQL that finds and reads them.

The sample is stratified: half among records changed in the last `recent_days` (what the sync
moved lately), half among records untouched for `untouched_days` (where a formula field goes
stale: Marketo re-reads a record only when its SystemModstamp moves). Candidates come from
one query per object and stratum (at most POOL ids, the most recently touched first); the
ids are drawn from them with a random generator seeded by instance and day, so a replay of a
day draws the same records."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from simple_salesforce import format_soql

from monitor.collectors.salesforce.soql import checked_object, soql_time

OBJECTS = ("Lead", "Contact")
FILTER_TYPES = {"Lead": "sfdcLeadId", "Contact": "sfdcContactId"}
POOL = 2000  # candidates per object and stratum (Salesforce's largest page)
# Converted leads live on as contacts: Marketo follows the contact.
WHERE_SYNCED = {"Lead": " AND IsConverted = false", "Contact": ""}
STRATA = ("recent", "untouched")


def seed_of(instance: str, now: datetime) -> int:
    """A seed from the instance and the UTC day: the same day draws the same sample."""
    digest = hashlib.sha256(f"{instance}|{now:%Y-%m-%d}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def candidates_soql(
    object_name: str, stratum: str, now: datetime, recent_days: int, untouched_days: int
) -> str:
    """Ids of one stratum: changed since `recent_days` ago, or not since `untouched_days`."""
    if stratum == "recent":
        condition = format_soql(
            "SystemModstamp >= {:literal}", soql_time(now - timedelta(days=recent_days))
        )
    else:
        condition = format_soql(
            "SystemModstamp < {:literal}", soql_time(now - timedelta(days=untouched_days))
        )
    return (
        f"SELECT Id FROM {checked_object(object_name)} WHERE {condition}"
        f"{WHERE_SYNCED[object_name]} ORDER BY SystemModstamp DESC LIMIT {POOL}"
    )


def draw(candidates: dict[str, Sequence[str]], size: int, seed: int) -> list[tuple[str, str]]:
    """(id, stratum) pairs: `size` split evenly over the strata, a stratum short of candidates
    leaving its share to the other; drawn without replacement with a seeded generator."""
    rng = random.Random(seed)
    strata = [s for s in STRATA if candidates.get(s)]
    drawn: list[tuple[str, str]] = []
    taken: set[str] = set()
    left = size
    for index, stratum in enumerate(strata):
        share = left // (len(strata) - index)
        pool = sorted({i for i in candidates[stratum] if i not in taken})
        picked = rng.sample(pool, min(share, len(pool)))
        drawn += [(i, stratum) for i in picked]
        taken.update(picked)
        left -= len(picked)
    # A later stratum that ran short leaves its share to the earlier ones.
    for stratum in strata:
        if left <= 0:
            break
        pool = sorted({i for i in candidates[stratum] if i not in taken})
        picked = rng.sample(pool, min(left, len(pool)))
        drawn += [(i, stratum) for i in picked]
        taken.update(picked)
        left -= len(picked)
    return drawn


def read_soql(object_name: str, fields: Iterable[str], ids: Sequence[str]) -> str:
    """One query for the sampled records with their synced fields (`Id IN (...)`)."""
    names = ["Id", "SystemModstamp", *(f for f in fields if f not in ("Id", "SystemModstamp"))]
    for name in names:
        checked_object(name)  # an API name, put in as a literal
    return format_soql(
        f"SELECT {', '.join(names)} FROM {checked_object(object_name)} WHERE Id IN {{}}",
        list(ids),
    )
