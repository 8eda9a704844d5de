"""Configuration: defaults < monitor.toml < MONITOR_* environment variables.

Secrets never live here: they are read from the environment (or Streamlit secrets) by the
collector that needs them, at the moment it needs them.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.errors import ConfigError

DEFAULT_DB = "data/monitor.duckdb"
DEFAULT_CONFIG = "monitor.toml"


@dataclass(frozen=True)
class Setting:
    """One top-level configuration key, documented where it is defined."""

    name: str
    default: Any
    help: str


SETTINGS = [
    Setting("db", DEFAULT_DB, "Path of the DuckDB file (MONITOR_DB)."),
    Setting("instance", "default", "Instance name that imports and collectors write to."),
    Setting("timezone", "UTC", "Timezone of Marketo admin exports when --tz is not given."),
    Setting(
        "memory_limit",
        "2GB",
        "DuckDB memory limit of each write, e.g. 512MB; a large import spills to disk beyond it.",
    ),
]
DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


@dataclass(frozen=True)
class Config:
    """The resolved configuration; `checks` holds per-check setting overrides."""

    db: str = DEFAULTS["db"]
    instance: str = DEFAULTS["instance"]
    timezone: str = DEFAULTS["timezone"]
    memory_limit: str = DEFAULTS["memory_limit"]
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.timezone, "timezone")


def load_zone(name: str, where: str) -> ZoneInfo:
    """Return the IANA zone `name`, or a ConfigError naming `where` it came from."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: unknown timezone {name!r} (expected an IANA name such as America/Chicago)"
        ) from None


def load_config(environ: dict[str, str] | None = None) -> Config:
    """Read monitor.toml (MONITOR_CONFIG) and apply MONITOR_* overrides."""
    env = os.environ if environ is None else environ
    path = Path(env.get("MONITOR_CONFIG", DEFAULT_CONFIG))
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    elif "MONITOR_CONFIG" in env:
        raise ConfigError(f"{path}: MONITOR_CONFIG names a file that does not exist")

    known = {s.name for s in SETTINGS} | {"checks"}
    for key in data:
        if key not in known:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    for setting in SETTINGS:
        variable = f"MONITOR_{setting.name.upper()}"
        if variable in env:
            data[setting.name] = env[variable]

    checks = data.get("checks", {})
    if not isinstance(checks, dict) or not all(isinstance(v, dict) for v in checks.values()):
        raise ConfigError(f"{path}: [checks.<id>] sections must be tables of settings")
    config = Config(
        **{name: str(data.get(name, default)) for name, default in DEFAULTS.items()},
        checks=checks,
        path=str(path) if path.exists() else "",
    )
    config.zone  # noqa: B018 - validate the timezone early, with the file named
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", config.memory_limit):
        raise ConfigError(
            f"memory_limit: {config.memory_limit!r} is not a size such as 512MB or 2GB"
        )
    return config
