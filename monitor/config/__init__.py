"""Configuration: defaults < monitor.toml < MONITOR_* environment variables.

Secrets never live here: they are read from the environment (or Streamlit secrets) by the
collector that needs them, at the moment it needs them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config.calendar import CalendarEntry, parse_calendar
from monitor.config.toml_file import read_toml
from monitor.errors import ConfigError
from monitor.vocabulary import Setting, instance_name_problem

DEFAULT_DB = "data/monitor.duckdb"
DEFAULT_CONFIG = "monitor.toml"


SETTINGS = [
    Setting("db", DEFAULT_DB, "Path of the DuckDB file (MONITOR_DB)."),
    Setting("instance", "default", "Instance name that imports and collectors write to."),
    Setting("timezone", "UTC", "Timezone of Marketo admin exports when --tz is not given."),
    Setting(
        "date_order",
        "mdy",
        "Order of month and day in exported dates when --date-order is not given: mdy "
        "(11/20/2026, Marketo's US format) or dmy (20/11/2026).",
    ),
    Setting(
        "memory_limit",
        "2GB",
        "DuckDB memory limit of each write, e.g. 512MB; a large import spills to disk beyond it.",
    ),
    Setting(
        "salesforce_objects",
        ["Lead", "Contact", "Account", "Opportunity", "Campaign", "CampaignMember", "Task"],
        "Salesforce objects the Marketo sync covers; the collector watches these.",
    ),
    Setting("salesforce_api_version", "59.0", "Salesforce REST API version to call."),
    Setting(
        "salesforce_interval_minutes", 5, "Minutes between Salesforce collections (sync cycle)."
    ),
    Setting(
        "describe_interval_minutes",
        60,
        "Minutes between describe and permission snapshots (they change rarely).",
    ),
    # Reconciliation sampling (needs both the Salesforce and the Marketo login)
    Setting(
        "reconciliation_interval_hours",
        24,
        "Hours between reconciliation samples (Leads and Contacts read on both sides and "
        "compared field by field); 0 = off.",
    ),
    Setting(
        "reconciliation_sample_size",
        200,
        "Records per reconciliation sample, split over Lead and Contact and over recently "
        "changed and long-untouched records.",
    ),
    Setting(
        "reconciliation_recent_days",
        7,
        "A record changed in this many days is in the 'recently changed' stratum.",
    ),
    Setting(
        "reconciliation_untouched_days",
        90,
        "A record unchanged for this many days is in the 'long untouched' stratum.",
    ),
    Setting(
        "reconciliation_in_flight_minutes",
        60,
        "A sampled record changed this recently is not compared: the sync may not have carried "
        "the change yet (counted as in flight).",
    ),
    # Marketo REST collector
    Setting("marketo_interval_minutes", 5, "Minutes between Marketo REST collections."),
    # Data Streams receiver (serve-streams)
    Setting("streams_host", "127.0.0.1", "Address the Data Streams receiver binds to."),
    Setting("streams_port", 8787, "Port of the Data Streams receiver."),
    Setting(
        "streams_max_body_kb", 1024, "Largest request body the receiver accepts (larger: 413)."
    ),
    Setting(
        "streams_header_timeout_seconds",
        10,
        "Seconds a client has to send a request's headers; slower: 408 and the connection closed.",
    ),
    Setting(
        "streams_body_timeout_seconds",
        30,
        "Seconds a client has to send a request's whole body; slower: 408 and closed.",
    ),
    Setting(
        "streams_max_connections",
        64,
        "Connections the receiver serves at once; requests beyond are answered 503.",
    ),
    # Scheduler (run)
    Setting("inbox_dir", "data/inbox", "Folder watched for Marketo admin exports to import."),
    Setting("inbox_interval_minutes", 1, "Minutes between looks into the inbox folder."),
    Setting("retention_days", 400, "Days of collected facts kept; older rows are deleted."),
    # Alerts
    Setting(
        "alert_group_wait_seconds",
        30,
        "Seconds to wait after a first transition so that others join the same alert.",
    ),
    Setting(
        "alert_group_interval_minutes",
        5,
        "Minutes between two alerts of the same instance (later transitions are batched).",
    ),
    Setting(
        "alert_repeat_interval_hours",
        4,
        "Hours after which a still-open critical finding is alerted again.",
    ),
    Setting(
        "alert_urls",
        [],
        "Apprise URLs alerts go to (Slack, Teams, email, JSON webhook); they hold secrets, so "
        "prefer MONITOR_ALERT_URLS (space-separated).",
    ),
    Setting(
        "alert_marketo_campaign_id",
        0,
        "Marketo smart campaign triggered with each alert (0 = off); needs the MARKETO_* secrets.",
    ),
    Setting(
        "alert_marketo_lead_ids",
        [],
        "Marketo lead ids of the admins that campaign emails (sent 100 per call).",
    ),
    # Weekly report
    Setting("report_dir", "data/reports", "Folder the weekly report job writes its files to."),
    Setting(
        "sync_object_order",
        ["User", "Account", "Lead", "Contact", "Opportunity", "Campaign", "CampaignMember", "Task"],
        "Order in which Marketo serves the objects of a direction in a sync cycle (the backlog "
        "planner: objects after a busy one wait); unnamed objects follow by name.",
    ),
]
DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


@dataclass(frozen=True)
class Config:
    """The resolved configuration; `checks` holds per-check setting overrides."""

    db: str = DEFAULTS["db"]
    instance: str = DEFAULTS["instance"]
    timezone: str = DEFAULTS["timezone"]
    date_order: str = DEFAULTS["date_order"]
    memory_limit: str = DEFAULTS["memory_limit"]
    salesforce_objects: tuple[str, ...] = tuple(DEFAULTS["salesforce_objects"])
    salesforce_api_version: str = DEFAULTS["salesforce_api_version"]
    salesforce_interval_minutes: int = DEFAULTS["salesforce_interval_minutes"]
    describe_interval_minutes: int = DEFAULTS["describe_interval_minutes"]
    marketo_interval_minutes: int = DEFAULTS["marketo_interval_minutes"]
    reconciliation_interval_hours: int = DEFAULTS["reconciliation_interval_hours"]
    reconciliation_sample_size: int = DEFAULTS["reconciliation_sample_size"]
    reconciliation_recent_days: int = DEFAULTS["reconciliation_recent_days"]
    reconciliation_untouched_days: int = DEFAULTS["reconciliation_untouched_days"]
    reconciliation_in_flight_minutes: int = DEFAULTS["reconciliation_in_flight_minutes"]
    streams_host: str = DEFAULTS["streams_host"]
    streams_port: int = DEFAULTS["streams_port"]
    streams_max_body_kb: int = DEFAULTS["streams_max_body_kb"]
    streams_header_timeout_seconds: int = DEFAULTS["streams_header_timeout_seconds"]
    streams_body_timeout_seconds: int = DEFAULTS["streams_body_timeout_seconds"]
    streams_max_connections: int = DEFAULTS["streams_max_connections"]
    inbox_dir: str = DEFAULTS["inbox_dir"]
    inbox_interval_minutes: int = DEFAULTS["inbox_interval_minutes"]
    retention_days: int = DEFAULTS["retention_days"]
    alert_group_wait_seconds: int = DEFAULTS["alert_group_wait_seconds"]
    alert_group_interval_minutes: int = DEFAULTS["alert_group_interval_minutes"]
    alert_repeat_interval_hours: int = DEFAULTS["alert_repeat_interval_hours"]
    alert_urls: tuple[str, ...] = field(default=(), repr=False)  # they hold secrets
    alert_marketo_campaign_id: int = DEFAULTS["alert_marketo_campaign_id"]
    alert_marketo_lead_ids: tuple[int, ...] = ()
    report_dir: str = DEFAULTS["report_dir"]
    sync_object_order: tuple[str, ...] = tuple(DEFAULTS["sync_object_order"])
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Arrays of tables, validated by the modules that use them (monitor/config/instances.py,
    # monitor/alerts/silences.py, monitor/config/calendar.py): [[instances]], [[silences]] and
    # [[calendar]] in monitor.toml.
    instances: tuple[dict[str, Any], ...] = ()
    silences: tuple[dict[str, Any], ...] = ()
    calendar: tuple[dict[str, Any], ...] = ()
    path: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.timezone, "timezone")

    def calendar_entries(self) -> list[CalendarEntry]:
        """The [[calendar]] entries, validated (times read in the configured timezone)."""
        return parse_calendar(self.calendar, self.path or DEFAULT_CONFIG, self.timezone)


# The longest IANA name is about 30 characters; 255 is what a file name may hold.
MAX_ZONE_NAME = 255


def load_zone(name: str, where: str) -> ZoneInfo:
    """Return the IANA zone `name`, or a ConfigError naming `where` it came from."""
    expected = "expected an IANA name such as America/Chicago"
    if len(name) > MAX_ZONE_NAME:  # the operating system refuses such a file name
        raise ConfigError(f"{where}: a timezone of {len(name):,} characters ({expected})")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"{where}: unknown timezone {name!r} ({expected})") from None


def _origin(setting: Setting, env: Mapping[str, str], path: Path) -> str:
    """Where a setting's value came from, for error messages."""
    variable = f"MONITOR_{setting.name.upper()}"
    return variable if variable in env else str(path)


SPACE_SEPARATED = {"alert_urls"}
NUMBER_LISTS = {"alert_marketo_lead_ids"}
ZERO_MEANS_OFF = {"alert_marketo_campaign_id"}
PORTS = {"streams_port"}
MAX_PORT = 65535


def _whole_numbers(setting: Setting, value: Any, origin: str) -> tuple[int, ...]:
    """A list of ids such as Marketo lead ids: TOML integers, or digits from the environment."""
    if isinstance(value, list) and all(
        (isinstance(v, int) and not isinstance(v, bool) and v > 0)
        or (isinstance(v, str) and v.strip().isdigit())
        for v in value
    ):
        return tuple(int(v) for v in value)
    raise ConfigError(f"{origin}: {setting.name}: expected a list of whole numbers (ids)")


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    """The value in the setting's type; environment strings are converted (lists split on
    commas), anything else is a ConfigError naming the key."""
    if isinstance(setting.default, list):
        if isinstance(value, str):
            # Apprise URLs may contain commas: DESIGN §8 has MONITOR_ALERT_URLS space-separated.
            parts = value.split() if setting.name in SPACE_SEPARATED else value.split(",")
            value = [part.strip() for part in parts if part.strip()]
        if setting.name in NUMBER_LISTS:
            return _whole_numbers(setting, value, origin)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{origin}: {setting.name}: expected a list of names")
        return tuple(value)
    if isinstance(setting.default, int):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{origin}: {setting.name}: expected a whole number") from None
        if number < 0 or (number == 0 and setting.name not in ZERO_MEANS_OFF):
            raise ConfigError(f"{origin}: {setting.name}: expected a number above 0")
        if setting.name in PORTS and number > MAX_PORT:
            raise ConfigError(f"{origin}: {setting.name}: expected a port from 1 to {MAX_PORT}")
        return number
    return str(value)


TABLE_ARRAYS = ("instances", "silences", "calendar")


def _table_array(data: dict[str, Any], name: str, path: Path) -> tuple[dict[str, Any], ...]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError(f"{path}: {name} must be written as [[{name}]] tables")
    return tuple(value)


def load_config(environ: dict[str, str] | None = None) -> Config:
    """Read monitor.toml (MONITOR_CONFIG) and apply MONITOR_* overrides."""
    env = os.environ if environ is None else environ
    path = Path(env.get("MONITOR_CONFIG", DEFAULT_CONFIG))
    data: dict[str, Any] = {}
    if path.exists():
        data = read_toml(path)
    elif "MONITOR_CONFIG" in env:
        raise ConfigError(f"{path}: MONITOR_CONFIG names a file that does not exist")

    known = {s.name for s in SETTINGS} | {"checks", *TABLE_ARRAYS}
    for key in data:
        if key not in known:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    for setting in SETTINGS:
        variable = f"MONITOR_{setting.name.upper()}"
        if variable in env:
            data[setting.name] = env[variable]
    values = {
        s.name: _coerce(s, data.get(s.name, s.default), _origin(s, env, path)) for s in SETTINGS
    }

    checks = data.get("checks", {})
    if not isinstance(checks, dict) or not all(isinstance(v, dict) for v in checks.values()):
        raise ConfigError(f"{path}: [checks.<id>] sections must be tables of settings")
    arrays = {name: _table_array(data, name, path) for name in TABLE_ARRAYS}
    config = Config(**values, checks=checks, **arrays, path=str(path) if path.exists() else "")
    config.zone  # noqa: B018 - validate the timezone early, with the file named
    if config.date_order not in ("mdy", "dmy"):
        raise ConfigError(f"date_order: {config.date_order!r}: expected mdy or dmy")
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", config.memory_limit):
        raise ConfigError(
            f"memory_limit: {config.memory_limit!r} is not a size such as 512MB or 2GB"
        )
    config.calendar_entries()  # a bad planned window fails at start, with its entry named
    problem = instance_name_problem(config.instance)
    if problem:
        where = "MONITOR_INSTANCE" if "MONITOR_INSTANCE" in env else f"{path}: instance"
        raise ConfigError(f"{where}: {problem}")
    return config
