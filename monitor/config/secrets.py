"""Secrets: from the environment, else from Streamlit's `.streamlit/secrets.toml`.

They are read when a collector connects and never stored, logged or put in an exception."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from monitor.config.toml_file import read_toml

SECRETS_FILE = Path(".streamlit/secrets.toml")


def load_secrets(
    environ: Mapping[str, str] | None = None, secrets_file: Path = SECRETS_FILE
) -> dict[str, str]:
    """Every secret by name: the file's top-level string keys, overridden by the environment."""
    found: dict[str, str] = {}
    if secrets_file.exists():
        data = read_toml(secrets_file)
        found.update({k: v for k, v in data.items() if isinstance(v, str)})
    found.update(os.environ if environ is None else environ)
    return found
