"""Which consumers of the Salesforce API pool grow fastest: the latest day's share of the
counted calls against the same consumer's average share of the days before it (0 on a day it
made no call). Read from the ApiTotalUsage event logs (api_consumers_daily), for api_budget."""

from __future__ import annotations

from typing import Any

import pandas as pd

TOP = 3  # consumers named in a finding


def growing_consumers(consumers: pd.DataFrame, top: int = TOP) -> list[dict[str, Any]] | None:
    """The `top` consumers whose latest-day share rose most over their earlier days' average,
    biggest rise first; None without a latest day and at least one day before it."""
    if consumers.empty:
        return None
    days = pd.to_datetime(consumers["day"]).dt.date
    latest = days.max()
    earlier_days = sorted(set(days) - {latest})
    if not earlier_days:
        return None
    shares = consumers.assign(day=days).pivot_table(
        index=["consumer", "kind"], columns="day", values="share", aggfunc="sum", fill_value=0.0
    )
    calls = consumers.assign(day=days)
    latest_calls = calls[calls["day"] == latest].set_index("consumer")["calls"]
    usual = shares[earlier_days].mean(axis=1)
    now = shares[latest] if latest in shares.columns else 0.0
    rise = (now - usual).sort_values(ascending=False)
    grown = []
    for (consumer, kind), change in rise.items():
        if change <= 0 or len(grown) == top:
            break
        grown.append(
            {
                "consumer": consumer,
                "kind": kind,
                "day": str(latest),
                "calls": int(latest_calls.get(consumer, 0)),
                "share": round(float(now[(consumer, kind)]), 4),
                "usual_share": round(float(usual[(consumer, kind)]), 4),
                "earlier_days": len(earlier_days),
            }
        )
    return grown


def growth_text(grown: list[dict[str, Any]] | None) -> str:
    """One sentence naming the fastest growing consumers, or '' when none grew."""
    if not grown:
        return ""
    named = ", ".join(
        f"{g['consumer']} {g['share']:.0%} of the day's calls ({g['calls']:,}; usually "
        f"{g['usual_share']:.0%})"
        for g in grown
    )
    return (
        f" Growing fastest on {grown[0]['day']} (UTC, from the event logs; against the "
        f"{grown[0]['earlier_days']} days before): {named}."
    )
