"""Can the store be trusted? Damage, schema versions, and a disk that filled up mid-write.

Every open looks at two cheap things (measured: no difference against a bare open of ~35 ms):
the file is long enough for every block in use (a copy cut short, a disk that filled up while the
file was copied), and every schema version it records is one this code knows. `init` also reads
every table once, which checks every block's checksum (70 ms for a 16 MB store). A query that
meets damage later names it the same way, so no verb ends in DuckDB's own words or a traceback.

A write that fills the disk is rolled back by DuckDB, but the blocks it had already appended
stay at the end of the file, unreferenced, filling the disk: they are cut off again, under the
database's own lock, so nothing half-written remains.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import duckdb

from monitor.errors import DiskFullError, StoreDamagedError, StoreTooNewError
from monitor.store import attach

# DuckDB's file starts with three 4 KiB headers; its blocks follow (storage/storage_info.hpp).
HEADER_BYTES = 3 * 4096
DAMAGE_SIGNS = ("Corrupt database file", "not a valid DuckDB database file", "checksum")
FULL_SIGNS = ("No space left on device", "Disk quota exceeded", "File too large")
WAY_OUT = (
    "restore it from a backup, or move it aside and run `python -m monitor init` to start an "
    "empty one"
)


def is_damage(exc: BaseException, path: Path) -> bool:
    """DuckDB's words for a store file that is cut short or corrupt."""
    text = str(exc)
    return any(sign in text for sign in DAMAGE_SIGNS) or (
        "Could not read enough bytes" in text and str(path) in text
    )


def raise_if_damaged(exc: BaseException, path: Path) -> None:
    """Raise the one line for a damaged store when `exc` is DuckDB meeting one; else return
    (for handlers that keep going past other failures)."""
    if isinstance(exc, duckdb.Error) and is_damage(exc, path):
        raise damaged(path, str(exc)) from None


def is_disk_full(exc: BaseException) -> bool:
    return any(sign in str(exc) for sign in FULL_SIGNS)


def damaged(path: Path, detail: str) -> StoreDamagedError:
    """The one line for a store that cannot be trusted: what is wrong and the way out."""
    detail = " ".join(detail.split()).replace(f'file "{path}"', "the file")
    return StoreDamagedError(f"{path}: the store is damaged ({detail}); {WAY_OUT}")


def file_bytes(path: Path) -> int:
    """The size of the store file, 0 when it does not exist."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _blocks(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """(blocks in use, blocks the header counts, block size) of the open store."""
    return con.execute(
        "SELECT used_blocks, total_blocks, block_size FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchone()


def least_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """A file shorter than this misses blocks in use. (Not the header's count of blocks: a
    checkpoint cuts free blocks off the end of the file and the count keeps them.)"""
    used, _, block_size = _blocks(con)
    return HEADER_BYTES + used * block_size if used else 0


def counted_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """The file's length as the header counts its blocks: anything beyond is unreferenced."""
    _, total, block_size = _blocks(con)
    return HEADER_BYTES + total * block_size


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The schema versions recorded in the store (none in a new file)."""
    try:
        rows = con.execute("SELECT version FROM schema_version").fetchall()
    except duckdb.CatalogException:
        return set()
    return {row[0] for row in rows}


def inspect_store(con: duckdb.DuckDBPyConnection, path: Path, known: frozenset[int]) -> set[int]:
    """Refuse a store cut short or written by a newer monitor; return its applied versions."""
    try:
        needed = least_bytes(con)
        applied = applied_versions(con)
    except duckdb.Error as exc:
        if is_damage(exc, path):
            raise damaged(path, str(exc)) from None
        raise
    present = file_bytes(path)
    if present < needed:
        raise damaged(path, f"the file holds {present:,} of the {needed:,} bytes it should")
    unknown = sorted(applied - known)
    if unknown:
        version, newest = unknown[-1], max(known)
        which = (
            f"newer than this monitor knows (up to {newest})"
            if version > newest
            else "which this monitor does not know (written by another version)"
        )
        raise StoreTooNewError(
            f"{path}: the store has schema version {version}, {which}; upgrade the monitor, or "
            "set MONITOR_DB to a store it can read"
        )
    return applied


def read_every_table(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read every column of every table once: DuckDB checks each block's checksum on reading."""
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    ]
    for table in tables:
        try:
            con.execute(f'SELECT sum(hash(COLUMNS(*))) FROM "{table}"').fetchall()
        except duckdb.Error as exc:
            if is_damage(exc, path):
                raise damaged(path, f"table {table}: {exc}") from None
            raise


def _size(count: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def disk_full(path: Path, needed: int) -> DiskFullError:
    """The one line for a full disk: where, how much is free, about how much the write needs."""
    folder = path.resolve().parent
    free = shutil.disk_usage(folder).free if folder.exists() else 0
    return DiskFullError(
        f"{path}: the disk is full ({_size(free)} free in {folder}) and this write needs about "
        f"{_size(needed)} more; nothing of it was stored: free space there or set MONITOR_DB to "
        "a larger disk, then retry"
    )


def tidy_after_full_disk(path: Path, open_read_only) -> int:
    """Cut off what a write that filled the disk appended and drop an emptied log; return the
    bytes the failed write had appended. `open_read_only(path)` opens under DuckDB's lock, so no
    writer can be extending the file meanwhile."""
    wal = path.with_name(path.name + ".wal")
    try:
        con = open_read_only(path)
    except Exception:  # noqa: BLE001 - held by someone else: they will see the same disk
        return 0
    try:
        counted = counted_bytes(con)
        appended = file_bytes(path) - counted
        if appended > 0:
            os.truncate(path, counted)
        if wal.exists() and wal.stat().st_size == 0:
            wal.unlink()  # DuckDB emptied it when the commit failed
        return max(appended, 0)
    finally:
        attach.close(con)


def remove_new_file(path: Path) -> None:
    """Remove a store file this process was creating when the disk filled up."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
