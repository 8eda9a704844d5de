"""A Marketo backfill killed with SIGKILL mid-walk, then run again, stores every activity of the
history exactly once and resumes from the token it had committed.

Both runs are real `python -m monitor collect --source marketo --since 2d` processes against
the loopback stand-in, which answers slowly so that the kill lands between pages or while a page
is being written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.store import Store
from monitor.store.activities import SFDC_ACTIVITY_TYPES
from tests.conftest import REPO
from tests.standins.marketo import MarketoStandIn, steady_activities

COMMAND = [sys.executable, "-m", "monitor", "collect", "--source", "marketo", "--since", "2d"]
KILL_AFTER_PAGES = 4


def test_a_killed_marketo_backfill_resumes_with_every_activity_exactly_once(tmp_path: Path):
    database = tmp_path / "monitor.duckdb"
    with MarketoStandIn() as standin:
        now = datetime.now(UTC)
        steady_activities(standin, now - timedelta(days=3), hours=71.5, every_minutes=10)
        standin.scan_size = 60  # about 25 pages of history
        standin.delay_seconds = 0.2
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MARKETO_", "MONITOR_"))}
        env.update(
            standin.secrets(), MONITOR_DB=str(database), REQUESTS_CA_BUNDLE=standin.ca_bundle
        )

        first = subprocess.Popen(
            COMMAND, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 90
            while standin.rest_calls("activities.json") < KILL_AFTER_PAGES and first.poll() is None:
                assert time.monotonic() < deadline, "the first run read too few pages"
                time.sleep(0.01)
        finally:
            first.send_signal(signal.SIGKILL)  # also after a failed assert: never leave it running
            _, errors = first.communicate(timeout=30)
        assert first.returncode == -signal.SIGKILL, f"the first run ended before the kill: {errors}"
        with Store(database).read() as con:
            kept = dict(con.execute("SELECT name, value FROM watermarks").fetchall())
            stored_before = con.execute("SELECT count(*) FROM marketo_activities").fetchone()[0]
        cursor = json.loads(kept["marketo.backfill.0"])
        assert stored_before > 0

        standin.delay_seconds = 0.0
        calls_before = len(standin.requests)
        second = subprocess.run(
            COMMAND, cwd=REPO, env=env, capture_output=True, text=True, timeout=180
        )
        assert second.returncode == 0, second.stderr

        resumed = [
            r for r in standin.calls_since(calls_before) if r.path.endswith("activities.json")
        ]
        assert resumed[0].first("nextPageToken") == cursor["token"]
        since = datetime.fromisoformat(cursor["since"])
        sfdc = {standin.type_id(name) for name in SFDC_ACTIVITY_TYPES.values()}
        expected = sorted(
            record["marketoGUID"]
            for record, moment in zip(standin.log, standin._dates, strict=True)
            if record["activityTypeId"] in sfdc and moment > since
        )
    with Store(database).read() as con:
        stored = [
            r[0]
            for r in con.execute("SELECT activity_id FROM marketo_activities ORDER BY 1").fetchall()
        ]
        counted = con.execute("SELECT sum(activities) FROM activity_counts").fetchone()[0]
        cursors = con.execute(
            "SELECT count(*) FROM watermarks WHERE name LIKE 'marketo.backfill.%'"
        ).fetchone()[0]
    assert stored_before < len(expected)
    assert stored == expected  # no gap, nothing twice
    assert counted == len(expected)  # the 5-minute counts agree with the stored activities
    assert cursors == 0  # the backfill finished and handed over to the streams
