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
    # time-machine starts the ticking at the first reading of the moved clock, not at travel():
    # read it now. Otherwise a process that first reads the time minutes after it started (a
    # pytest worker) lags the real clock + DAYS by those minutes, and a `python -m monitor`
    # child it starts stores times that lie in the worker's future.
    datetime.now(UTC)
