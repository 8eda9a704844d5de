"""Marketo's API usage and error statistics as `api_usage` rows (source 'marketo').

`/rest/v1/stats/usage.json` gives today's calls (Marketo's day: US Central time) per API user,
`/rest/v1/stats/errors.json` today's errors per code. Each read is one sample at the time it
was taken, so the day's curve builds up sample by sample. Metric names:

    daily_api_calls                          every API user's calls today; quota = the
                                             subscription's daily quota (what api_budget judges)
    daily_api_calls_by_monitor:<user>        the monitor's own API-only user (the owner of
                                             MARKETO_CLIENT_ID, the token's scope)
    daily_api_calls_by_user:<user>           every other API user: the integrations
    daily_api_errors                         errors today, every code
    daily_api_errors_by_code:<code>          errors today with that code (606, 607, 615 ...)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from monitor.vocabulary import (
    MARKETO_DAILY_API,
    MARKETO_DAILY_API_BY_MONITOR,
    MARKETO_DAILY_API_BY_USER,
)

SOURCE = "marketo"
# Marketo's default daily quota; subscriptions can buy more (Admin > Web Services shows it).
DAILY_QUOTA = 50_000.0
DAILY_CALLS = MARKETO_DAILY_API
BY_MONITOR = MARKETO_DAILY_API_BY_MONITOR
BY_USER = MARKETO_DAILY_API_BY_USER
DAILY_ERRORS = "daily_api_errors"
BY_CODE = "daily_api_errors_by_code:"
COLUMNS = ["instance", "ts", "source", "metric", "used", "quota"]


def _today(body: dict[str, Any]) -> dict[str, Any]:
    """The entry of the latest date (the endpoints answer today; be robust to more)."""
    days = [day for day in body.get("result") or [] if isinstance(day, dict)]
    return max(days, key=lambda day: str(day.get("date", ""))) if days else {}


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _frame(
    rows: list[tuple[str, float, float | None]], instance: str, ts: datetime
) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["metric", "used", "quota"])
    frame = frame.groupby("metric", as_index=False).agg({"used": "sum", "quota": "max"})
    return frame.assign(instance=instance, ts=ts, source=SOURCE)[COLUMNS]


def usage_rows(
    body: dict[str, Any], *, instance: str, ts: datetime, monitor_user: str
) -> pd.DataFrame:
    """api_usage rows of one /stats/usage.json answer, the monitor's own user set apart."""
    today = _today(body)
    rows: list[tuple[str, float, float | None]] = [
        (DAILY_CALLS, _number(today.get("total")), DAILY_QUOTA)
    ]
    for user in today.get("users") or []:
        name = str(user.get("userId", "")).strip()
        if not name:
            continue
        is_monitor = bool(monitor_user) and name.lower() == monitor_user.lower()
        rows.append(
            ((BY_MONITOR if is_monitor else BY_USER) + name, _number(user.get("count")), None)
        )
    return _frame(rows, instance, ts)


def error_rows(body: dict[str, Any], *, instance: str, ts: datetime) -> pd.DataFrame:
    """api_usage rows of one /stats/errors.json answer."""
    today = _today(body)
    rows: list[tuple[str, float, float | None]] = [
        (DAILY_ERRORS, _number(today.get("total")), None)
    ]
    for error in today.get("errors") or []:
        code = str(error.get("errorCode", "")).strip()
        if code:
            rows.append((BY_CODE + code, _number(error.get("count")), None))
    return _frame(rows, instance, ts)
