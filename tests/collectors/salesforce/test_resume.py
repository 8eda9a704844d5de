"""A backfill killed with SIGKILL mid-run, then run again, leaves every hourly window exactly once.

Both runs are real `python -m monitor collect --since 12h --step 1h` processes against the
loopback stand-in; the kill lands while the first one is between composite calls or writing a
window, because the stand-in answers slowly. Windows end on the minute of each run's `now`, so
the expected window ends are derived from the minutes the runs started in."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.store import Store
from tests.cli import environment_without
from tests.conftest import REPO
from tests.standins.salesforce import SYNC_USER_ID, SYNC_USERNAME, SalesforceStandIn

COMMAND = [sys.executable, "-m", "monitor", "collect", "--since", "12h", "--step", "1h"]
OBJECTS = ("Lead", "Contact")
WINDOWS = 12
DANA = ("005000000000002AAA", "Dana Whitfield")
KILL_AFTER_COMPOSITES = 4  # the first window also makes the describe composite
INFLOW = "metric = 'inflow'"
# What the sync user wrote: the one reported figure of that direction, whatever its name.
PUSHED = "direction = 'marketo_to_sfdc' AND provenance = 'reported'"


@pytest.fixture
def standin() -> Iterator[SalesforceStandIn]:
    with SalesforceStandIn() as running:
        yield running


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def wait_for_a_fresh_minute() -> None:
    """Start early in a minute: both runs then usually share one `now` minute (12 windows)."""
    second = datetime.now(UTC).second
    if second >= 40:
        time.sleep(60.5 - second)


def script_changes(standin: SalesforceStandIn, anchor: datetime) -> None:
    """Changes every 10 minutes over the last 13 hours, 4.5 minutes off the minute grid the
    windows end on (so none sits on a boundary), in varying numbers, some by the sync user."""
    for factor, name in enumerate(OBJECTS, start=1):
        changes = []
        for step in range(13 * 6):
            moment = anchor - timedelta(minutes=10 * step + 4.5)
            changes.append((moment, *DANA, factor * (step % 7 + 1)))
            if step % 3 == 0:
                changes.append((moment, SYNC_USER_ID, "Marketo Sync", factor * 2))
        standin.modifications[name] = changes


def scripted_sum(
    standin: SalesforceStandIn, name: str, user_is_sync: bool, start: datetime, end: datetime
) -> float:
    return float(
        sum(
            number
            for moment, user, _, number in standin.modifications[name]
            if start < moment <= end and (user == SYNC_USER_ID) == user_is_sync
        )
    )


def stored(store: Store, figure: str) -> dict[str, list[tuple[datetime, float]]]:
    """(window end, value) per object of one figure (a sync_stats filter), in time order."""
    with store.read() as con:
        rows = con.execute(
            "SELECT object, CAST(epoch(ts) AS BIGINT), value FROM sync_stats "
            f"WHERE {figure} ORDER BY object, ts"
        ).fetchall()
    found: dict[str, list[tuple[datetime, float]]] = {name: [] for name in OBJECTS}
    for name, seconds, value in rows:
        found[name].append((datetime.fromtimestamp(seconds, UTC), value))
    return found


def test_a_killed_backfill_resumes_with_every_hourly_window_exactly_once(
    standin: SalesforceStandIn, tmp_path: Path
) -> None:
    database = tmp_path / "monitor.duckdb"
    env = environment_without("SALESFORCE_", "MONITOR_")
    env.update(
        standin.secrets(),
        MONITOR_DB=str(database),
        MONITOR_SALESFORCE_OBJECTS=",".join(OBJECTS),
        SALESFORCE_SYNC_USER=SYNC_USERNAME,
        REQUESTS_CA_BUNDLE=standin.ca_bundle,
    )
    wait_for_a_fresh_minute()
    first_started = datetime.now(UTC)
    script_changes(standin, minute(first_started))
    standin.delay_seconds = 0.25

    first = subprocess.Popen(
        COMMAND, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 90
        while standin.composite_calls() < KILL_AFTER_COMPOSITES and first.poll() is None:
            assert time.monotonic() < deadline, "the first run made too few composite calls"
            time.sleep(0.01)
    finally:
        first.send_signal(signal.SIGKILL)  # also after a failed assert: never leave it running
        _, errors = first.communicate(timeout=30)
    killed_at = datetime.now(UTC)
    assert first.returncode == -signal.SIGKILL, f"the first run ended before the kill: {errors}"
    windows_before = {name: len(rows) for name, rows in stored(Store(database), INFLOW).items()}
    assert all(0 < n < WINDOWS for n in windows_before.values()), windows_before

    standin.delay_seconds = 0.0
    composites_before = standin.composite_calls()
    second_started = datetime.now(UTC)
    second = subprocess.run(COMMAND, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    second_finished = datetime.now(UTC)
    assert second.returncode == 0, second.stderr

    inflow = stored(Store(database), INFLOW)
    # Resumed, not redone: one composite per window still missing, plus the closing schema and
    # hygiene passes: the describes, the sync user's auth reading, the fill counts.
    missing = len(inflow["Lead"]) - windows_before["Lead"]
    assert standin.composite_calls() - composites_before == missing + 3
    pushed = stored(Store(database), PUSHED)
    for name in OBJECTS:
        ends = [end for end, _ in inflow[name]]
        assert len(ends) == len(set(ends)), f"{name}: a window stored twice"
        hourly, extra = ends[:WINDOWS], ends[WINDOWS:]
        # Twelve hourly windows, no gap, the last on the first run's `now` minute ...
        assert hourly == [hourly[-1] - timedelta(hours=WINDOWS - 1 - i) for i in range(WINDOWS)]
        assert minute(first_started) <= hourly[-1] <= minute(killed_at)
        # ... and one short window more only if the second run's minute came later.
        if extra:
            assert len(extra) == 1 and hourly[-1] < extra[0] <= minute(second_finished)
        else:
            assert hourly[-1] >= minute(second_started)
        starts = [hourly[0] - timedelta(hours=1), *ends[:-1]]
        expected_inflow = [
            scripted_sum(standin, name, False, start, end)
            for start, end in zip(starts, ends, strict=True)
        ]
        expected_pushed = [
            scripted_sum(standin, name, True, start, end)
            for start, end in zip(starts, ends, strict=True)
        ]
        assert [value for _, value in inflow[name]] == expected_inflow
        assert [value for _, value in pushed[name]] == expected_pushed
        assert all(value > 0 for value in expected_inflow[:WINDOWS])
