"""`python -m monitor run`: hold the store's run lock, plan the jobs, run one round at once, then
run the jobs on their clocks until SIGTERM or SIGINT (or exit after the round with --once)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from monitor.config import Config
from monitor.config.instances import configured_instances, select_instances
from monitor.config.secrets import load_secrets
from monitor.schedule.jobs import Plan, plan_jobs
from monitor.schedule.run_lock import RunLock
from monitor.schedule.scheduler import JobOutcome, JobSpec, Scheduler
from monitor.store.serial import SerializedStore

log = logging.getLogger(__name__)


def print_plan(plan: Plan, out: TextIO) -> None:
    """One line per scheduled job, then what was left out and why."""
    for spec in plan.specs:
        line = f"  {spec.job:<10} {spec.instance:<12} {spec.schedule:<22} {spec.detail}"
        print(line.rstrip(), file=out)
        if spec.then is not None:
            print(f"  {'':<10} {'':<12} then {spec.then.job}", file=out)
    for note in plan.notes:
        print(f"  - {note}", file=out)


def outcome_line(spec: JobSpec, outcome: JobOutcome) -> str:
    text = outcome.summary or f"{outcome.rows} rows"
    if outcome.error and outcome.error not in text:
        text += f" ({outcome.error})"
    status = "idle" if outcome.is_idle and not outcome.error else outcome.status
    return f"  {spec.id}: {status}: {text}"


def install_stop_signals(stop: threading.Event, out: TextIO) -> Callable[[], None]:
    """SIGTERM and SIGINT set `stop` (the running job finishes its step); returns a function
    that puts the previous handlers back."""

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            print("still finishing the running job (SIGKILL stops at once)", file=out, flush=True)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    return lambda: [signal.signal(sig, old) for sig, old in previous.items()]


def run_daemon(
    config: Config, *, once: bool, instance: str | None, out: TextIO = sys.stdout
) -> int:
    """The `run` verb; returns the exit code."""
    store = SerializedStore(config.db, memory_limit=config.memory_limit)
    instances = select_instances(configured_instances(config), instance)
    with RunLock(config.db):
        store.init()
        plan = plan_jobs(store, config, instances, load_secrets())
        scheduler = Scheduler(store, plan.specs)
        names = ", ".join(i.name for i in instances)
        print(f"run: store {config.db}, instances {names}", file=out)
        print_plan(plan, out)
        restore = install_stop_signals(scheduler.stopping, out)
        try:
            scheduler.publish("once" if once else "running")
            print("first round:", file=out, flush=True)
            done = scheduler.run_round(
                lambda spec, outcome: print(outcome_line(spec, outcome), file=out, flush=True)
            )
            if once or scheduler.stopping.is_set():
                scheduler.publish("once" if once else "stopped")
                if scheduler.stopping.is_set():
                    print("stopped", file=out, flush=True)
                failed = [spec.id for spec, outcome in done if outcome.status == "failed"]
                if failed:
                    print(f"error: jobs failed: {', '.join(failed)}", file=sys.stderr)
                    return 1
                return 0
            scheduler.start()
            print("scheduler running; stop with Ctrl-C or SIGTERM", file=out, flush=True)
            while not scheduler.stopping.wait(1.0):
                pass
            print("stopping after the running jobs…", file=out, flush=True)
            scheduler.shutdown()
            print("stopped", file=out, flush=True)
            return 0
        finally:
            restore()
