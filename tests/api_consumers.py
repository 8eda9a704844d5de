"""API consumer shares in the shape a collection stores them (monitor/store/api_consumers.py),
for the dashboard's and the report's tests."""

from __future__ import annotations

from datetime import datetime

import pandas as pd


def consumer_shares(
    day: str, calls: dict[tuple[str, str], int], collected_at: datetime
) -> pd.DataFrame:
    """One day's rows: each (consumer, kind)'s calls and its share of the day's total."""
    total = sum(calls.values())
    rows = [(day, name, kind, n, n / total, collected_at) for (name, kind), n in calls.items()]
    columns = ["day", "consumer", "kind", "calls", "share", "collected_at"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame
