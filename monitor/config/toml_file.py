"""Reading the TOML files the monitor is configured by (monitor.toml, .streamlit/secrets.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError


def read_toml(path: Path) -> dict[str, Any]:
    """The file's tables; a file that is not TOML is a ConfigError naming it (the parser's
    message quotes no values, only the position, so a secrets file is safe to name)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
