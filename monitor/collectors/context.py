"""What every step of one collection shares: the cycle context.

A collector's functions take one `Cycle` instead of passing the store, the client, the
instance, the clock, the watermarks and the report from function to function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.config import Config
from monitor.store import Store
from monitor.store.runs import CollectionReport
from monitor.store.watermarks import read_watermarks


@dataclass
class Cycle:
    """One collection: where to write, whom to ask, for which instance and at what moment;
    where the source's watermarks stood when it began, and what it did so far."""

    store: Store
    client: Any
    config: Config
    instance: str
    now: datetime
    marks: dict[str, str] = field(default_factory=dict)
    report: CollectionReport | None = None

    def read_marks(self, prefix: str) -> dict[str, str]:
        """Read the instance's watermarks named `prefix...` (one short read) and keep them."""
        self.marks = read_watermarks(self.store, self.instance, prefix)
        return self.marks
