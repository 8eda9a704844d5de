"""The inbox on a real folder and a real DuckDB file: exports are recognised by their header,
imported exactly once and moved away; bad files are rejected with their reason; files still
being written are left alone."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.collectors import exports
from monitor.collectors.exports.inbox import (
    PROCESSED,
    REJECTED,
    inbox_folder,
    process_inbox,
    recognise_kind,
)
from monitor.errors import InputError, StoreError
from monitor.store import Store

UTC = ZoneInfo("UTC")
INSTANCE = "prod"
ERRORS = (
    "Failed On,Date/Time,Error Type,Error Details,Object,Marketo ID,Salesforce ID\n"
    "Record Level,11/20/2026 02:05 PM,Failed to update SFDC,"
    "{INSUFFICIENT_ACCESS_OR_READONLY: no access},Lead,1001,00Q000000000001\n"
    "Record Level,11/20/2026 02:10 PM,Failed to update SFDC,"
    "{UNABLE_TO_LOCK_ROW: busy},Lead,1002,00Q000000000002\n"
)
STATUS = (
    "Started At,Ended At,Object,Operation,Status,New,Updated,Deleted,Failed Item,Skipped\n"
    "11/20/2026 02:00 PM,11/20/2026 02:03 PM,Lead,Pull updates,Succeeded,3,40,0,0,1\n"
    "11/20/2026 02:03 PM,11/20/2026 02:04 PM,Lead,Push updates,Succeeded,0,12,0,2,0\n"
)
BAD_DATE = ERRORS.replace("11/20/2026 02:10 PM", "yesterday")


def drop(folder: Path, name: str, text: str, *, age_seconds: float = 60.0) -> Path:
    """Write a file as a finished copy: last modified `age_seconds` ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))
    return path


def count(store: Store, table: str) -> int:
    with store.read() as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def look(store: Store, folder: Path, now: datetime | None = None):
    """One look into the inbox at `now` (the wall clock unless pinned)."""
    return process_inbox(store, folder, instance=INSTANCE, zone=UTC, now=now or datetime.now(UTC))


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "inbox"


def test_inbox_imports_a_dropped_export_exactly_once_and_moves_it_to_processed(store, inbox):
    drop(inbox, "SyncErrors.csv", ERRORS)
    first = look(store, inbox)
    assert [(r.kind, r.path, r.rows_added) for r in first.imported] == [
        ("sync-errors", "SyncErrors.csv", 2)
    ]
    assert not (inbox / "SyncErrors.csv").exists()
    assert (inbox / PROCESSED / "SyncErrors.csv").read_text(encoding="utf-8") == ERRORS
    second = look(store, inbox)
    assert second.is_idle
    assert count(store, "sync_errors") == 2


def test_inbox_the_same_export_dropped_again_adds_nothing_and_keeps_both_files(store, inbox):
    drop(inbox, "SyncErrors.csv", ERRORS)
    look(store, inbox)
    drop(inbox, "SyncErrors.csv", ERRORS)  # the next five-day export, same name
    again = look(store, inbox)
    assert [(r.rows_read, r.rows_added) for r in again.imported] == [(2, 0)]
    assert count(store, "sync_errors") == 2
    assert sorted(p.name for p in (inbox / PROCESSED).iterdir()) == [
        "SyncErrors-2.csv",
        "SyncErrors.csv",
    ]


def test_inbox_recognises_sync_status_and_sync_errors_by_their_header(store, inbox):
    drop(inbox, "a.csv", STATUS)
    drop(inbox, "b.csv", ERRORS)
    result = look(store, inbox)
    assert sorted((r.path, r.kind) for r in result.imported) == [
        ("a.csv", "sync-status"),
        ("b.csv", "sync-errors"),
    ]
    assert (count(store, "sync_cycles"), count(store, "sync_errors")) == (2, 2)
    with store.read() as con:
        assert con.execute("SELECT DISTINCT instance FROM sync_cycles").fetchall() == [(INSTANCE,)]


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        pytest.param(
            "errors.csv",
            BAD_DATE,
            "errors.csv:3: Date/Time: expected ",
            id="an_invalid_row_names_file_line_and_column",
        ),
        pytest.param(
            "leads.csv",
            "Email,First Name\na@example.com,Ann\n",
            "leads.csv:1: not a Marketo Sync Status export (Started At, Object, Operation, "
            "Status) nor a Sync Errors export (Failed On, Date/Time, Error Type, Error "
            "Details); header: Email,First Name",
            id="an_unknown_header_says_what_was_expected",
        ),
        pytest.param(
            "empty.csv", "", "empty.csv:1: the file is empty; expected a header row", id="empty"
        ),
        pytest.param(
            "export.xlsx",
            "PK...",
            "export.xlsx: expected a .csv export (Sync Status or Sync Errors)",
            id="not_a_csv",
        ),
    ],
)
def test_inbox_rejects_a_bad_file_with_its_reason_beside_it(store, inbox, name, text, reason):
    drop(inbox, name, text)
    result = look(store, inbox)
    assert list(result.rejected) == [name]
    assert result.rejected[name].startswith(reason)
    assert not (inbox / name).exists()
    assert (inbox / REJECTED / name).read_text(encoding="utf-8") == text
    written = (inbox / REJECTED / f"{name}.reason.txt").read_text(encoding="utf-8")
    assert written.startswith(reason) and written.count("\n") == 1
    assert str(inbox) not in written, "the reason names the file, not where it was"
    assert count(store, "sync_errors") == 0  # strict: nothing of a rejected file is stored
    assert look(store, inbox).is_idle  # and it is not read again


def test_inbox_rejects_a_bad_file_and_still_imports_the_good_one(store, inbox):
    drop(inbox, "bad.csv", BAD_DATE)
    drop(inbox, "good.csv", STATUS)
    result = look(store, inbox)
    assert [r.path for r in result.imported] == ["good.csv"]
    assert list(result.rejected) == ["bad.csv"]
    assert count(store, "sync_cycles") == 2


@pytest.mark.parametrize(
    "name",
    ["SyncErrors.csv.part", "SyncErrors.csv.crdownload", ".SyncErrors.csv.swp", "x.csv.tmp"],
)
def test_inbox_leaves_a_file_with_a_temporary_name_alone(store, inbox, name):
    drop(inbox, name, ERRORS)
    result = look(store, inbox)
    assert result.waiting == [name] and result.is_idle
    assert (inbox / name).exists()


def test_inbox_waits_for_a_file_still_being_copied_then_takes_it(store, inbox):
    path = drop(inbox, "SyncErrors.csv", ERRORS[:90], age_seconds=0)  # half-way through a copy
    early = look(store, inbox)
    assert early.waiting == ["SyncErrors.csv"] and early.is_idle
    path.write_text(ERRORS, encoding="utf-8")  # the copy completes ...
    moment = time.time() - 60
    os.utime(path, (moment, moment))  # ... and nothing touches it for a while
    late = look(store, inbox)
    assert [r.rows_added for r in late.imported] == [2]


def test_inbox_judges_a_files_age_by_the_now_it_is_given(store, inbox):
    modified = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    path = drop(inbox, "SyncErrors.csv", ERRORS)
    os.utime(path, (modified.timestamp(), modified.timestamp()))

    early = look(store, inbox, now=modified + timedelta(seconds=2))  # long ago by the wall clock
    assert early.waiting == ["SyncErrors.csv"] and early.is_idle
    late = look(store, inbox, now=modified + timedelta(seconds=6))
    assert [r.rows_added for r in late.imported] == [2] and not late.waiting


def test_inbox_leaves_its_own_folders_alone(store, inbox):
    drop(inbox, "SyncErrors.csv", ERRORS)
    look(store, inbox)
    drop(inbox / "prod", "nested.csv", ERRORS)  # another instance's folder
    result = look(store, inbox)
    assert result.is_idle and not result.waiting
    assert (inbox / "prod" / "nested.csv").exists()


def test_inbox_folder_is_shared_with_one_instance_and_per_instance_with_several(tmp_path):
    assert inbox_folder(tmp_path, "prod", several=False) == tmp_path
    assert inbox_folder(tmp_path, "prod", several=True) == tmp_path / "prod"


def test_recognise_kind_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("Failed On,Date/Time,Error Type,Error Détails\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        recognise_kind(path)


def test_inbox_an_empty_export_sorted_ahead_of_good_ones_is_rejected_and_the_rest_imported(
    store, inbox
):
    drop(inbox, "0-empty.csv", "Failed On,Date/Time,Error Type,Error Details\n")  # no rows
    drop(inbox, "1-nothing.csv", "")
    drop(inbox, "2-errors.csv", ERRORS)
    drop(inbox, "3-status.csv", STATUS)
    result = look(store, inbox)
    assert sorted(r.path for r in result.imported) == [
        "0-empty.csv",
        "2-errors.csv",
        "3-status.csv",
    ]
    assert list(result.rejected) == ["1-nothing.csv"]
    assert (count(store, "sync_errors"), count(store, "sync_cycles")) == (2, 2)
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []


def test_inbox_an_importer_that_crashes_rejects_only_that_file_and_the_queue_goes_on(
    store, inbox, monkeypatch, caplog
):
    def crash(*args, **kwargs):
        raise ZeroDivisionError("division by zero in a parser nobody tested")

    # Sync Status is imported by a parser that crashes on input nobody foresaw.
    monkeypatch.setitem(exports.IMPORTERS, "sync-status", crash)
    drop(inbox, "a-status.csv", STATUS)
    drop(inbox, "b-errors.csv", ERRORS)
    with caplog.at_level("WARNING", logger="monitor.collectors.exports.inbox"):
        result = look(store, inbox)
    assert [r.path for r in result.imported] == ["b-errors.csv"]
    reason = result.rejected["a-status.csv"]
    assert reason == (
        "the importer failed on this file "
        "(ZeroDivisionError: division by zero in a parser nobody tested)"
    )
    assert (inbox / REJECTED / "a-status.csv.reason.txt").read_text("utf-8") == reason + "\n"
    assert (count(store, "sync_errors"), count(store, "sync_cycles")) == (2, 0)
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert [r.getMessage().count("\n") for r in warnings] == [0]
    assert not any(r.exc_info for r in warnings), "one line, no traceback"
    assert look(store, inbox).is_idle


def test_inbox_a_store_that_cannot_be_written_leaves_every_file_for_the_next_look(tmp_path, inbox):
    drop(inbox, "a.csv", STATUS)
    drop(inbox, "b.csv", ERRORS)
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"this is not a DuckDB file" * 200)
    with pytest.raises(StoreError):
        look(Store(damaged), inbox)
    assert sorted(p.name for p in inbox.iterdir()) == ["a.csv", "b.csv"]
