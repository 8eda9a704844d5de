"""Quarantine: input that could not be stored, kept verbatim with its reason so that it can be
fixed and replayed (rejected rows of an import, malformed activities, refused webhook bodies)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from monitor.store.facts import insert_frame


@dataclass(frozen=True)
class Rejected:
    """A row that could not be imported, kept verbatim."""

    line: int
    reason: str
    raw: str


def quarantine(
    con: duckdb.DuckDBPyConnection, instance: str, kind: str, origin: str, rejected: list[Rejected]
) -> int:
    """Keep rejected rows (with reason) so they can be fixed and replayed; idempotent."""
    if not rejected:
        return 0
    now = datetime.now(UTC)
    frame = pd.DataFrame(
        {
            "quarantine_id": [
                hashlib.sha256(f"{instance}|{kind}|{origin}|{r.line}|{r.raw}".encode()).hexdigest()
                for r in rejected
            ],
            "instance": instance,
            "kind": kind,
            "origin": origin,
            "line": [r.line for r in rejected],
            "reason": [r.reason for r in rejected],
            "raw": [r.raw for r in rejected],
            "received_at": now,
        }
    )
    insert_frame(con, "quarantine", frame)
    return len(rejected)
