"""Store files attached, one burst at a time, to a DuckDB instance that stays up.

Starting a DuckDB instance builds its catalog of functions and its thread pool: 12–16 ms on a
two-core machine, for a 1 MB store as for `:memory:`, and most of what a short-lived connection
cost. The store may not keep a connection (it would hold the file's lock and shut out the other
process, see monitor/store/__init__.py), so it paid that start on every open. Attaching the file
to an instance that is already up takes and releases the same lock and costs about 1 ms: a file
is attached when the first connection of a burst asks for it and detached, which checkpoints
it, when the last one closes, so between bursts this process holds nothing, as before.

There is one instance per process for reads and one for writes, as there were separate
instances for read-only and read-write connections: a write sets instance-wide options
(`memory_limit`, `preserve_insertion_order`) that reads must not inherit, and a file attached
for writing cannot be attached for reading meanwhile (DuckDB refuses the second handle; the
caller waits, as it waited for the other mode before).
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)


@dataclass
class _Attached:
    alias: str
    users: int = 0


_LOCK = threading.Lock()
_INSTANCES: dict[bool, duckdb.DuckDBPyConnection] = {}  # read_only -> the instance's connection
_FILES: dict[tuple[bool, str], _Attached] = {}  # (read_only, absolute path) -> its attachment
# id of a handed-out connection -> its file and the attachment it counts in (a connection of an
# attachment that was dropped must not count down a later one of the same file)
_USERS: dict[int, tuple[tuple[bool, str], _Attached]] = {}
_ALIASES = itertools.count(1)
# Instances a forked child inherited: kept referenced, never used or closed from the child
# (closing checkpoints the parent's files). Nothing in the monitor forks; this is a guard.
_INHERITED: list[duckdb.DuckDBPyConnection] = []


def _forget_after_fork() -> None:
    global _LOCK
    _LOCK = threading.Lock()
    _INHERITED.extend(_INSTANCES.values())
    _INSTANCES.clear()
    _FILES.clear()
    _USERS.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _instance(read_only: bool, path: str) -> duckdb.DuckDBPyConnection:
    instance = _INSTANCES.get(read_only)
    if instance is None:
        # An in-memory instance spills to ./.tmp by default; a file's own instance spilled next
        # to the file, and a process serves one store: keep spilling there (the first store's
        # folder, for a process that opens several).
        instance = duckdb.connect(":memory:", config={"temp_directory": f"{path}.tmp"})
        _INSTANCES[read_only] = instance
    return instance


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to `path` of its own (its own transactions): the file is attached if no
    other connection of this process has it in this mode. Raises what `duckdb.connect` raises
    for a file that is locked, damaged or missing. Give it back with `close`."""
    key = (read_only, os.path.abspath(path))
    with _LOCK:
        instance = _instance(read_only, key[1])
        attached = _FILES.get(key)
        if attached is None:
            alias = f"store_{next(_ALIASES)}"
            mode = " (READ_ONLY)" if read_only else ""
            instance.execute(f"ATTACH {_literal(key[1])} AS {alias}{mode}")
            attached = _FILES[key] = _Attached(alias)
        con = instance.cursor()
        _USERS[id(con)] = (key, attached)
        attached.users += 1
    try:
        con.execute(f"USE {attached.alias}")
    except BaseException:
        close(con)
        raise
    return con


def close(con: duckdb.DuckDBPyConnection) -> None:
    """Close a connection from `connect`; the last one of its file detaches the file (DuckDB
    checkpoints it and lets go of its lock)."""
    try:
        con.close()
    finally:
        with _LOCK:
            _release(con)


def _release(con: duckdb.DuckDBPyConnection) -> None:
    key, attached = _USERS.pop(id(con), (None, None))
    if key is None or _FILES.get(key) is not attached:
        return  # not ours, or its attachment was dropped with its instance
    attached.users -= 1
    if attached.users:
        return
    instance = _INSTANCES[key[0]]
    try:
        instance.execute(f"DETACH {attached.alias}")
    except BaseException as exc:
        # A file left attached would keep its lock: end the instance, which lets go of every
        # file (a failed checkpoint leaves the log, replayed on the next open).
        log.warning("%s: could not detach the store (%s); restarting DuckDB", key[1], exc)
        del _INSTANCES[key[0]]
        for other in [k for k in _FILES if k[0] == key[0]]:
            del _FILES[other]
        instance.close()
        if not isinstance(exc, duckdb.Error):
            raise
    else:
        del _FILES[key]
