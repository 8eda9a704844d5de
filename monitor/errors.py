"""Every error the monitor raises on purpose.

    MonitorError              base: a user-facing, one-sentence problem (never a bug)
    ├── ConfigError           monitor.toml or a MONITOR_* variable is wrong
    ├── StoreError            the DuckDB file cannot be opened or migrated
    │   └── StoreBusyError    another process held the file longer than we waited
    ├── InputError            an imported file or payload is invalid (names file:line: column)
    └── SourceError           a source (Salesforce, Marketo) refused or failed

Only these reach the CLI's one-line reason; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error that is the user's or the environment's, not ours."""


class ConfigError(MonitorError):
    """The configuration file or an environment variable is invalid."""


class StoreError(MonitorError):
    """The store cannot be opened, read or migrated."""


class StoreBusyError(StoreError):
    """Another process kept the database locked for longer than the retry budget."""


class InputError(MonitorError):
    """An input file or payload is invalid; the message names where and why."""

    def __init__(self, message: str, *, path: str = "", line: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column


class SourceError(MonitorError):
    """A data source failed or refused a request."""
