"""Move the wall clock of this Python process CLOCK_AHEAD_DAYS ahead (see .ci/clock-ahead).

Loaded at interpreter start through PYTHONPATH, so every Python process the suite starts (the
test workers, `python -m monitor ...` subprocesses, the Streamlit server of the browser tests)
reads the same moved clock. time-machine patches the wall-clock functions (time.time,
datetime.now, date.today, gmtime, localtime, strftime, CLOCK_REALTIME); the monotonic clock
stays real, so timed waits and timeouts keep working.
"""

import os

_days = os.environ.get("CLOCK_AHEAD_DAYS")
if _days:
    from datetime import UTC, datetime, timedelta

    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(days=float(_days)), tick=True).start()
