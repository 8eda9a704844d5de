"""The inbox: a folder where people (or a sync job) drop Marketo admin exports to be imported.

Each file is recognised by its header (Sync Status or Sync Errors export), imported strictly
(as `python -m monitor import` does), then moved to `processed/`; a file that cannot be imported
goes to `rejected/` with `<name>.reason.txt` beside it, one line saying why. A file is moved only
after its import committed, so a crash in between leaves it in the inbox and the next look
imports it again, which adds nothing (imports are idempotent): every row is stored exactly once.

Files still being written are left alone: names starting with `.` or ending in a temporary
suffix (`.part`, `.tmp`, `.crdownload`...), and files modified in the last SETTLE_SECONDS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.collectors.exports import import_file
from monitor.collectors.exports import sync_errors as sync_errors_import
from monitor.collectors.exports import sync_status as sync_status_import
from monitor.collectors.exports.common import ImportResult
from monitor.collectors.exports.csvfile import open_source
from monitor.errors import InputError, StoreError
from monitor.store import Store

log = logging.getLogger(__name__)

PROCESSED = "processed"
REJECTED = "rejected"
REASON_SUFFIX = ".reason.txt"
# A copy in progress keeps touching the file; one untouched this long is taken as complete.
SETTLE_SECONDS = 5.0
TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart")
SPECS = {"sync-status": sync_status_import.SPEC, "sync-errors": sync_errors_import.SPEC}


@dataclass
class InboxResult:
    """What one look into the inbox did."""

    folder: Path
    imported: list[ImportResult] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # file name -> reason
    waiting: list[str] = field(default_factory=list)  # still being written

    @property
    def rows_added(self) -> int:
        return sum(result.rows_added for result in self.imported)

    @property
    def is_idle(self) -> bool:
        """Nothing was imported or rejected."""
        return not self.imported and not self.rejected

    def summary(self) -> str:
        parts = [f"{len(self.imported)} imported ({self.rows_added} new rows)"]
        if self.rejected:
            parts.append(f"{len(self.rejected)} rejected")
        if self.waiting:
            parts.append(f"{len(self.waiting)} still being written")
        return f"inbox {self.folder}: " + ", ".join(parts)


def inbox_folder(inbox_dir: str | Path, instance: str, *, several: bool) -> Path:
    """`inbox_dir` itself with one instance; `inbox_dir/<instance>/` with several."""
    return Path(inbox_dir) / instance if several else Path(inbox_dir)


def recognise_kind(path: Path) -> str:
    """`sync-status` or `sync-errors` from the file's header; InputError naming what it found."""
    if path.suffix.lower() != ".csv":
        raise InputError(f"{path.name}: expected a .csv export (Sync Status or Sync Errors)")
    matches = []
    for kind, spec in SPECS.items():
        try:
            source = open_source(path, spec)
        except InputError as exc:
            if "header is missing" not in str(exc):
                raise  # empty, unreadable or not UTF-8: the same for every kind
            continue
        matches.append((kind, source.header))
    if len(matches) != 1:
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            header = handle.readline().strip()[:200]
        raise InputError(
            f"{path.name}:1: not a Marketo Sync Status export (Started At, Object, Operation, "
            f"Status) nor a Sync Errors export (Failed On, Date/Time, Error Type, Error "
            f"Details); header: {header}"
        )
    return matches[0][0]


def _is_in_progress(path: Path, now: datetime, settle_seconds: float) -> bool:
    name = path.name.lower()
    if name.startswith(".") or name.endswith("~") or name.endswith(TEMPORARY_SUFFIXES):
        return True
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return now - modified < timedelta(seconds=settle_seconds)


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `name-2`, `name-3`... when an earlier file had the same name."""
    target = folder / name
    number = 2
    while target.exists() or target.with_name(target.name + REASON_SUFFIX).exists():
        stem, suffix = Path(name).stem, Path(name).suffix
        target = folder / f"{stem}-{number}{suffix}"
        number += 1
    return target


REASON_CHARACTERS = 500  # a reason quoting a cell must not grow with the file


def _one_line(reason: str, path: Path) -> str:
    """The reason as one line, naming the file by its name (it is about to move)."""
    text = " ".join(reason.split()).replace(str(path), path.name)
    return text if len(text) <= REASON_CHARACTERS else text[: REASON_CHARACTERS - 1] + "…"


def process_inbox(
    store: Store,
    folder: Path,
    *,
    instance: str,
    zone: ZoneInfo,
    now: datetime,
    settle_seconds: float = SETTLE_SECONDS,
    date_order: str = "mdy",
) -> InboxResult:
    """Import every complete file in `folder` into `instance` once and move it away; a file
    modified less than `settle_seconds` before `now` (aware) is still being written."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    result = InboxResult(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        try:
            if _is_in_progress(path, now, settle_seconds):
                result.waiting.append(path.name)
                continue
            kind = recognise_kind(path)
            imported = import_file(
                store, kind, path, instance=instance, zone=zone, date_order=date_order
            )
        except StoreError:
            raise  # the store's failure, not the file's: every file waits for the next look
        except InputError as exc:
            _reject(folder, path, _one_line(str(exc), path), result)
            continue
        except Exception as exc:  # noqa: BLE001 - an importer's bug must not jam the inbox
            if not path.exists():
                continue  # taken away meanwhile (another look, a person): nothing to reject
            reason = f"the importer failed on this file ({type(exc).__name__}: {exc})"
            # The traceback is for whoever fixes the importer; the job log keeps one line.
            log.debug("inbox: importer crash on %s", path.name, exc_info=True)
            _reject(folder, path, _one_line(reason, path), result)
            continue
        target = _free_name(folder / PROCESSED, path.name)
        target.parent.mkdir(exist_ok=True)
        path.replace(target)
        imported.path = path.name
        result.imported.append(imported)
        log.info("inbox: %s", imported.summary())
    return result


def _reject(folder: Path, path: Path, reason: str, result: InboxResult) -> None:
    """Move `path` to rejected/ with its one-line reason beside it (a file that vanished
    meanwhile is only reported)."""
    result.rejected[path.name] = reason
    log.warning("inbox: rejected %s: %s", path.name, reason)
    try:
        target = _free_name(folder / REJECTED, path.name)
        target.parent.mkdir(exist_ok=True)
        path.replace(target)
        target.with_name(target.name + REASON_SUFFIX).write_text(reason + "\n", "utf-8")
    except OSError as exc:
        # Left in place it is rejected again at the next look; the others still go on.
        log.warning("inbox: cannot move %s to %s/: %s", path.name, REJECTED, exc.strerror)
