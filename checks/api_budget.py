"""API budget: daily API use near its quota, in Salesforce (DailyApiRequests) and in Marketo
(daily_api_calls), with a simple forecast of when the quota runs out at the current rate, and
an outlook from the same hours of earlier days that warns before the pool runs out
(checks/api_outlook.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from checks.api_growth import growing_consumers, growth_text
from checks.api_outlook import outlook
from checks.base import MARKETO_ADMIN, SALESFORCE_ADMIN, Finding, Input, NotEvaluated, Setting
from monitor.vocabulary import DAILY_API_METRICS, MARKETO_DAILY_API, SALESFORCE_DAILY_API

ID = "api_budget"
TITLE = "Daily API use near its quota"
SEVERITY = "warning"
# Findings about Marketo's quota name the Marketo admin (see OWNERS); this is the default.
OWNER = SALESFORCE_ADMIN
RUNBOOK = """
Why it matters: every call the sync makes to Salesforce as the sync user counts against the
org's DailyApiRequests, shared with every other integration. Once it is used up, Salesforce
refuses calls with REQUEST_LIMIT_EXCEEDED and the sync stops in both directions until usage
falls back under the limit. Salesforce counts a rolling 24 hours, not a calendar day: calls
made yesterday afternoon still count this morning. Marketo's REST API has its own daily quota
(daily_api_calls, 50,000 by default) shared by every integration (webinar and enrichment
connectors, scripts); once used up, calls fail with error 607 until the quota resets at 00:00
US Central time (05:00 or 06:00 UTC, with daylight saving).

The forecast is deliberately simple: it assumes usage keeps rising at its average rate over
the last forecast_hours hours of the same UTC day (since usage last fell, e.g. at a reset),
and looks no further than the end of that UTC day. For Salesforce's rolling window it is on
the safe side (old calls also age out); for Marketo the real reset comes later than midnight
UTC.

The outlook looks further: today's use, plus how much the same hours grew on each of the last
lookback_days days (the median, so one odd day does not count), plus today's pace above those
days' pace over the last forecast_hours (an integration that is growing keeps growing). When
that reaches the quota before the pool resets (Salesforce: 24 hours on; Marketo: the next
00:00 US Central), the check warns even below warn_share: the sync would stop before the
quota frees up. It needs min_days earlier days with readings at those hours; with fewer it
says nothing more than the share.

With the ApiTotalUsage event logs (read once a day by the Salesforce collector), a Salesforce
finding names the consumers growing fastest: the latest logged day's share of the calls
against each consumer's average share of the days before.

How to fix: find who uses the calls and slow them down before the quota runs out.
Salesforce admin (salesforce DailyApiRequests): Setup > Company Information shows "API
Requests, Last 24 Hours"; the administrative report "API Calls Made Within Last 7 Days" lists
them per user and client. Pause or throttle the heaviest integration, move mass updates
off-hours, hide frequently changing fields from the sync user so fewer records sync, and ask
Salesforce for a higher limit if the growth is real. Marketo admin (marketo daily_api_calls):
Admin > Web Services > API Call Information shows calls per API user; reschedule or throttle
the heaviest integration, use the bulk export APIs for large extracts, or ask Adobe for a
higher daily quota.
"""
SETTINGS = [
    Setting("recent_hours", 24, "Only a sample younger than this many hours is judged."),
    Setting("warn_share", 0.5, "Share of the daily quota used (0-1) that makes a warning."),
    Setting("critical_share", 0.75, "Share of the daily quota used (0-1) that is critical."),
    Setting(
        "forecast_hours",
        3,
        "Hours of same-day samples whose average rate forecasts when the quota runs out.",
    ),
    Setting(
        "lookback_days",
        7,
        "Earlier days whose same hours forecast the rest of today's use (the outlook).",
    ),
    Setting(
        "min_days",
        3,
        "Fewest earlier days with readings at the same hours for an outlook to be made.",
    ),
    Setting(
        "metrics",
        [SALESFORCE_DAILY_API, MARKETO_DAILY_API],
        "Metrics judged; other stored limits (e.g. DailyBulkApiBatches) are not checked.",
    ),
]
# Judged as of the newest api_usage data (checks/base.py, "Judging time").
ANCHOR = "api_usage"
INPUTS = {
    "usage": Input(
        "api_budget_samples", "recent_hours", anchor="api_usage", lookback_hours="forecast_hours"
    ),
    "history": Input("api_budget_history", "lookback_days", "forecast_hours", anchor="api_usage"),
    # Who used the Salesforce pool per day (ApiTotalUsage event logs, read once a day).
    "consumers": Input("api_consumer_recent", "lookback_days", anchor="api_usage"),
}
# What a finding's evidence holds (readers rely on it: tests/test_evidence.py).
EVIDENCE = {
    "source": "salesforce or marketo",
    "metric": "the quota metric (DailyApiRequests, daily_api_calls)",
    "used": "calls used today at the latest sample",
    "quota": "the daily quota",
    "share": "used / quota (0 to 1)",
    "sampled_at": "time of the latest sample (UTC)",
    "resets": "when the quota resets (UTC)",
    "forecast": "when the quota runs out at the recent rate, with the rate (or null)",
    "outlook": (
        "from the same hours of earlier days: runs_out_at (UTC, or null), hours_left, "
        "resets_at, expected_at_reset, extra_rate_per_hour, days, basis (or null)"
    ),
    "growing_consumers": (
        "Salesforce only, from the ApiTotalUsage event logs: the consumers whose share of the "
        "latest logged day's calls rose most over their average of the earlier days, each "
        "{consumer, kind, day, calls, share, usual_share, earlier_days}; [] when none rose, "
        "null without consumer data of two days"
    ),
}
OWNERS = {"salesforce": SALESFORCE_ADMIN, "marketo": MARKETO_ADMIN}
RESETS = {
    "salesforce": "rolling 24 hours",
    "marketo": "daily at 00:00 US Central time (America/Chicago)",
}
# Where a metric with no sample at all comes from; other limits come from Salesforce /limits.
METRIC_SOURCES = {metric: source for source, metric in DAILY_API_METRICS.items()}


def forecast(samples: pd.DataFrame, settings: dict[str, Any]) -> dict[str, Any] | None:
    """Rate per hour over the last forecast_hours of the latest sample's UTC day, and when the
    quota runs out at that rate if before the end of that day; None without a rising rate."""
    latest = samples.iloc[-1]
    day_start = latest["ts"].floor("D")
    window = samples[
        (samples["ts"] >= latest["ts"] - timedelta(hours=settings["forecast_hours"]))
        & (samples["ts"] >= day_start)
    ]
    # Usage that fell (a Marketo reset, calls ageing out of Salesforce's rolling window)
    # starts a new run: measure only the run that ends at the latest sample.
    fell = (window["used"].diff() < 0).to_numpy().nonzero()[0]
    if len(fell):
        window = window.iloc[fell[-1] :]
    hours = (latest["ts"] - window["ts"].iloc[0]).total_seconds() / 3600
    if len(window) < 2 or hours <= 0:
        return None
    rate = (latest["used"] - window["used"].iloc[0]) / hours
    if rate <= 0:
        return None
    left = max(latest["quota"] - latest["used"], 0.0)
    exhausted_at = latest["ts"] + timedelta(hours=left / rate)
    is_today = exhausted_at < day_start + timedelta(days=1)
    return {
        "rate_per_hour": round(float(rate), 1),
        "window_start": str(window["ts"].iloc[0]),
        "window_end": str(latest["ts"]),
        "window_hours": round(hours, 2),
        "samples": len(window),
        "exhausted_at": str(exhausted_at.floor("min")) if is_today else None,
        "exhausted_hour_utc": int(exhausted_at.hour) if is_today else None,
        "assumption": (
            f"usage keeps rising at its average rate of the last {hours:.1f} h; "
            "horizon: the end of the UTC day"
        ),
    }


def _forecast_text(prediction: dict[str, Any] | None, share: float) -> str:
    if share >= 1:
        return "The quota is used up: calls are refused until usage falls back under it."
    if prediction is None:
        return "Usage is not rising over the last hours, so no forecast."
    rate = (
        f"At the rate of the last {prediction['window_hours']:.1f} h "
        f"({prediction['rate_per_hour']:,.0f} calls/h)"
    )
    if prediction["exhausted_at"] is None:
        return f"{rate} the quota lasts past the end of the day (UTC)."
    return f"{rate} the quota runs out at about {prediction['exhausted_at'][11:16]} UTC."


def _outlook_text(ahead: dict[str, Any] | None) -> str:
    if ahead is None or ahead["runs_out_at"] is None or ahead["hours_left"] == 0:
        return ""
    extra = (
        f", and today runs {ahead['extra_rate_per_hour']:,.0f} calls/h above them"
        if ahead["extra_rate_per_hour"]
        else ""
    )
    return (
        f" Going by the same hours of the last {ahead['days']} days{extra}, the pool runs out "
        f"at about {ahead['runs_out_at'][:16]} UTC, before it resets "
        f"({ahead['resets_at'][:16]} UTC): the sync would stop until then."
    )


def _judge(
    source: str,
    metric: str,
    samples: pd.DataFrame,
    history: pd.DataFrame,
    settings: dict[str, Any],
    consumers: pd.DataFrame,
) -> Finding | None:
    latest = samples.iloc[-1]
    share = latest["used"] / latest["quota"]
    ahead = outlook(source, history, settings) if len(history) else None
    runs_out = ahead is not None and ahead["runs_out_at"] is not None
    if share < settings["warn_share"] and not runs_out:
        return None
    severity = "critical" if share >= settings["critical_share"] else "warning"
    prediction = forecast(samples, settings)
    grown = growing_consumers(consumers) if source == "salesforce" else None
    subject = f"{source} {metric}"
    if share >= settings["warn_share"]:
        title = f"{subject}: {share:.0%} of the daily API quota used"
    else:
        title = f"{subject}: forecast to run out at {ahead['runs_out_at'][11:16]} UTC"
    return Finding(
        check=ID,
        subject=subject,
        severity=severity,
        title=title,
        detail=(
            f"{latest['used']:,.0f} of {latest['quota']:,.0f} calls ({share:.0%}) used as of "
            f"{latest['ts']:%Y-%m-%d %H:%M} UTC; the quota resets {RESETS.get(source, '?')}. "
            + _forecast_text(prediction, share)
            + _outlook_text(ahead)
            + growth_text(grown)
        ),
        owner=OWNERS.get(source, OWNER),
        evidence={
            "source": source,
            "metric": metric,
            "used": float(latest["used"]),
            "quota": float(latest["quota"]),
            "share": round(float(share), 4),
            "sampled_at": str(latest["ts"]),
            "resets": RESETS.get(source),
            "forecast": prediction,
            "outlook": ahead,
            "growing_consumers": grown,
        },
    )


def evaluate(data: dict[str, pd.DataFrame], settings: dict[str, Any], now: datetime) -> list:
    """One finding per judged (source, metric) whose latest recent sample is near its quota."""
    usage = data["usage"]
    history = data.get("history", usage.iloc[0:0])
    consumers = data.get("consumers", pd.DataFrame(columns=["day", "consumer", "kind", "calls"]))
    results: list[Finding | NotEvaluated] = []
    since = pd.Timestamp(now) - timedelta(hours=settings["recent_hours"])
    for metric in settings["metrics"]:
        rows = usage[usage["metric"] == metric].sort_values("ts")
        sources = sorted(set(rows["source"])) or [METRIC_SOURCES.get(metric, "salesforce")]
        for source in sources:
            samples = rows[rows["source"] == source]
            if not len(samples) or samples["ts"].iloc[-1] <= since:
                results.append(
                    NotEvaluated(
                        ID,
                        f"{source} {metric}",
                        f"no {metric} sample with a quota in the last {settings['recent_hours']} h",
                    )
                )
                continue
            earlier = history[(history["metric"] == metric) & (history["source"] == source)]
            # The history must end at the judged sample (the runner reads both as of one time).
            earlier = earlier[earlier["ts"] <= samples["ts"].iloc[-1]]
            finding = _judge(
                source, metric, samples.reset_index(drop=True), earlier, settings, consumers
            )
            if finding is not None:
                results.append(finding)
    return results
