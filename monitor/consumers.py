"""Derived figures of the Salesforce API use by consumer, the same on the Sources page and in
the weekly report."""

from __future__ import annotations

import pandas as pd

from monitor.vocabulary.api_consumers import CONSUMER_KIND_LABELS


def consumer_table(shares: pd.DataFrame) -> pd.DataFrame:
    """Per consumer of `shares` (rows of queries/api_consumer_shares.sql): its kind in words,
    its calls in the range and its share of them, and its share of the range's last day,
    biggest first."""
    last_day = shares["day"].max()
    total = shares["calls"].sum()
    table = shares.groupby(["consumer", "kind"], as_index=False)["calls"].sum()
    last = shares[shares["day"] == last_day].set_index("consumer")["share"]
    table["share of the range (%)"] = (100 * table["calls"] / total).round(1)
    table["share of the last day (%)"] = (100 * table["consumer"].map(last).fillna(0)).round(1)
    table["kind"] = table["kind"].map(CONSUMER_KIND_LABELS).fillna(table["kind"])
    table = table.sort_values(["calls", "consumer"], ascending=[False, True])
    return table.rename(columns={"calls": "API calls"})
