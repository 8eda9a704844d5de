"""Every error the monitor raises on purpose.

    MonitorError                 base: a user-facing, one-sentence problem (never a bug)
    ├── ConfigError              monitor.toml or a MONITOR_* variable is wrong
    ├── StoreError               the DuckDB file cannot be opened or migrated
    │   ├── StoreBusyError       another process held the file longer than we waited
    │   ├── StoreDamagedError    the file is cut short or corrupt (restore a backup)
    │   ├── StoreTooNewError     a newer monitor wrote it (upgrade this one)
    │   └── DiskFullError        a write filled the disk and was undone
    ├── InputError               an imported file or payload is invalid (names file:line: column)
    │   ├── EventShapeError      a Data Streams body is not JSON events (names the event)
    │   └── ActivityShapeError   a Marketo activity record lacks a field every activity has
    ├── SourceError              a source (Salesforce, Marketo) refused or failed
    │   ├── LimitExceeded        Salesforce's daily API requests are used up
    │   ├── MarketoRefused       Marketo refused one call (the rest of a cycle goes on)
    │   └── DailyQuotaExceeded   Marketo's daily quota is used up (607) until 00:00 Central
    ├── ReportError              a report cannot be built or written as asked
    └── AlreadyRunning           another `python -m monitor run` holds the store

Only these reach the CLI's one-line reason; anything else is a bug and keeps its traceback.
tests/test_errors.py keeps this drawing and the classes the monitor defines the same.
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


class StoreDamagedError(StoreError):
    """The store file is cut short or corrupt: restore it from a backup or start a new one."""


class StoreTooNewError(StoreError):
    """The store records a schema version this code does not know: upgrade the monitor."""


class DiskFullError(StoreError):
    """A write filled the disk; DuckDB undid it and what it had appended was cut off again."""


class InputError(MonitorError):
    """An input file or payload is invalid; the message names where and why."""

    def __init__(self, message: str, *, path: str = "", line: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column


class EventShapeError(InputError):
    """The body is not JSON, or not Data Streams events; `position` is the 1-based event."""

    def __init__(self, reason: str, position: int = 0) -> None:
        super().__init__(f"event {position}: {reason}" if position else reason)
        self.position = position


class ActivityShapeError(InputError):
    """An activity record lacks a field every activity has; the message names the field."""


class SourceError(MonitorError):
    """A data source failed or refused a request."""


class LimitExceeded(SourceError):
    """Salesforce refused the call: the org's daily API requests are used up."""


class MarketoRefused(SourceError):
    """Marketo refused one call; the other parts of a cycle can still be collected."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class DailyQuotaExceeded(SourceError):
    """Marketo answered 607: the subscription's daily API quota is used up until 00:00 US
    Central time."""


class ReportError(MonitorError):
    """A report cannot be built or written as asked (unknown instance, no Chromium, ...)."""


class AlreadyRunning(MonitorError):
    """Another `python -m monitor run` holds the store."""
