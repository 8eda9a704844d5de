"""How the pages say things to people: check titles, directions, local times with the zone
named, thousands separators, "—" for nothing, and evidence as sentences and small tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from monitor.vocabulary import DIRECTION_LABELS

NOTHING = "—"


def is_nothing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def local_time(value: Any, zone: ZoneInfo) -> str:
    """ "2026-11-17 08:00 EST" (the configured zone), or "—"."""
    if is_nothing(value) or value == "":
        return NOTHING
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return stamp.tz_convert(zone).strftime("%Y-%m-%d %H:%M %Z")


def number(value: Any, decimals: int = 0) -> str:
    """12,345 (or 3.5), or "—"."""
    if is_nothing(value) or isinstance(value, bool):
        return NOTHING
    return f"{float(value):,.{decimals}f}"


def file_size(size: int) -> str:
    """ "9 KB", "1.4 MB": a size a reader takes in (never "0.0 MB")."""
    if size < 1000:
        return f"{size:,} bytes"
    if size < 1_000_000:
        return f"{round(size / 1000):,} KB"
    return f"{size / 1_000_000:,.1f} MB"


def direction(value: Any) -> str:
    return DIRECTION_LABELS.get(str(value), NOTHING if is_nothing(value) else str(value))


def subject_text(subject: Any) -> str:
    """A finding's subject for people: "Contact/sfdc_to_marketo" as "Contact (Salesforce →
    Marketo)"; other subjects as they are, "—" for none."""
    if is_nothing(subject) or subject == "":
        return NOTHING
    text = str(subject)
    for key, label in DIRECTION_LABELS.items():
        if f"/{key}" in text:
            head, _, tail = text.partition(f"/{key}")
            return f"{head} ({label}){tail}"
    return text


def text_or_nothing(value: Any) -> str:
    return NOTHING if is_nothing(value) or value == "" else str(value)


def check_title(check_id: str) -> str:
    """A check's title for people ("Sync user lacks access it needs"), its id if unknown."""
    from checks import get_check

    try:
        return get_check(check_id).title
    except KeyError:
        return check_id


def since_text(started: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    """ "since 2026-11-17 08:00 EST (3 days)"."""
    if started is None:
        return NOTHING
    hours = (pd.Timestamp(now) - pd.Timestamp(started)).total_seconds() / 3600
    age = f"{hours:,.1f} h" if hours < 48 else f"{hours / 24:,.1f} days"
    return f"since {local_time(started, zone)} ({age})"


def _value(value: Any, zone: ZoneInfo) -> str:
    if is_nothing(value):
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value, 0 if float(value).is_integer() else 2)
    if isinstance(value, list):
        if not value:
            return NOTHING
        if all(not isinstance(v, dict) for v in value):
            return ", ".join(_value(v, zone) for v in value)
        return f"{len(value):,} entries (below)"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_value(v, zone)}" for k, v in value.items())
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] in " T" and text[13] == ":":
        try:
            return local_time(text, zone)
        except ValueError:
            return text
    return direction(text) if text in DIRECTION_LABELS else text


def evidence_tables(
    evidence: dict[str, Any], meanings: dict[str, str], zone: ZoneInfo
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The evidence as a two-column table (what it means, value) and one small table per list
    of records (audit events, samples): never raw JSON."""
    rows, nested = [], {}
    for key, value in evidence.items():
        if key == "cause_key":
            continue
        label = meanings.get(key, key.replace("_", " "))
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            nested[label] = pd.DataFrame(
                [{k.replace("_", " "): _value(v, zone) for k, v in item.items()} for item in value]
            )
        rows.append({"what": label, "value": _value(value, zone)})
    return pd.DataFrame(rows, columns=["what", "value"]), nested
