""".ci/clock-ahead moves every Python process's wall clock by the same amount: a child started
late in a run must not read a clock ahead of the process that started it."""

from __future__ import annotations

import subprocess
import sys

from tests.cli import environment_without
from tests.conftest import REPO

# Sleeps before its first reading of the moved clock, as a pytest worker does for minutes
# before a test asks for the time; prints how far its clock lags the real clock + 60 days.
LATE_READER = """
import time
from datetime import UTC, datetime
from time_machine import escape_hatch
time.sleep(1.5)
moved = datetime.now(UTC).timestamp()
print(escape_hatch.time.time() + 60 * 86400 - moved)
"""


def test_a_process_that_reads_the_moved_clock_late_does_not_lag_behind():
    env = environment_without("CLOCK_AHEAD_DAYS", "PYTHONPATH")
    env.update({"CLOCK_AHEAD_DAYS": "60", "PYTHONPATH": str(REPO / ".ci" / "clock_ahead")})
    result = subprocess.run(
        [sys.executable, "-c", LATE_READER], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lag_seconds = float(result.stdout)
    assert abs(lag_seconds) < 0.5, lag_seconds  # it lagged by the whole 1.5 s before the fix
