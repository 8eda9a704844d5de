"""A full disk is one line naming the store and about how much space the write needs, and
nothing half-written stays: the store keeps what it had, the file is no longer than before,
no write-ahead log is left behind, and a store being created is removed again.

The disk is a small tmpfs the test mounts, which needs root; elsewhere these tests skip."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from monitor.store import Store
from tests.test_cli import ERRORS_HEADER, monitor

DISK_BYTES = 3 * 1024 * 1024


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 3 MiB tmpfs mounted for this test only."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=False)


def export_of(path: Path, rows: int) -> Path:
    """A Sync Errors export whose messages do not compress (so it needs its own size)."""
    pick = random.Random(rows)
    lines = [ERRORS_HEADER]
    for row in range(rows):
        noise = pick.randbytes(48).hex()
        lines.append(
            f"Record Level,11/20/2026 02:05 PM,Failed to update SFDC,"
            f"UNABLE_TO_LOCK_ROW: {noise},Lead,{row},00Q{row:015d}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_errors(db: Path) -> int:
    with Store(db).read() as con:
        return con.execute("SELECT count(*) FROM sync_errors").fetchone()[0]


def test_an_import_that_fills_the_disk_is_one_line_and_leaves_the_store_as_it_was(
    small_disk, tmp_path
):
    db = small_disk / "monitor.duckdb"
    first = monitor("import", "sync-errors", str(export_of(tmp_path / "a.csv", 200)), db=db)
    assert first.returncode == 0, first.stderr
    size_before = db.stat().st_size
    big = export_of(tmp_path / "big.csv", 40_000)  # about 5 MiB: more than the disk holds

    result = monitor("import", "sync-errors", str(big), db=db)

    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith(f"error: {db}: the disk is full ("), result.stderr
    assert f"free in {small_disk})" in result.stderr
    needed = result.stderr.split("this write needs about ", 1)[1].split(" more", 1)[0]
    assert needed.endswith("MiB") and float(needed.split()[0]) >= big.stat().st_size / 2**20
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert db.stat().st_size == size_before, "the blocks the failed write appended are cut off"
    assert sorted(p.name for p in small_disk.iterdir()) == ["monitor.duckdb"]
    assert stored_errors(db) == 200
    assert monitor("init", db=db).returncode == 0, "the store is sound"


def test_a_new_store_on_a_full_disk_is_one_line_and_leaves_no_file(small_disk):
    filler = small_disk / "filler"
    with filler.open("wb") as handle, pytest.raises(OSError):
        while True:
            handle.write(b"\0" * 65536)
    db = small_disk / "monitor.duckdb"

    result = monitor("init", db=db)

    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith(f"error: {db}: the disk is full ("), result.stderr
    assert "this write needs about 1.2 MiB more" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
