"""Measuring helpers: medians, and running one function in a fresh interpreter to read its
peak memory without the parent's (the data generator's) memory counting."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024


def median_ms(function: Callable[[], Any], runs: int) -> float:
    """Median wall time of `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run_child(target: str, **kwargs: Any) -> tuple[dict[str, Any], int]:
    """Run `module:function(**kwargs)` in a new Python process; (its result, its peak RSS bytes).

    The function returns a JSON-able dict. Linux carries a process's peak RSS across fork and
    exec, so a child started by this (large) process would report at least our own peak. A
    small stdlib-only launcher therefore starts the child and reads its peak with
    getrusage(RUSAGE_CHILDREN).
    """
    code = "from bench.measure import launch; launch()"
    output = subprocess.run(
        [sys.executable, "-c", code, target, json.dumps(kwargs)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    report = json.loads(output.strip().splitlines()[-1])
    return report["result"], report["peak_rss"]


def launch() -> None:
    """The launcher: run the target in a child and print {"result", "peak_rss"} as JSON."""
    code = "from bench.measure import child_main; child_main()"
    output = subprocess.run(
        [sys.executable, "-c", code, *sys.argv[1:]], stdout=subprocess.PIPE, text=True, check=True
    ).stdout
    peak_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    result = json.loads(output.strip().splitlines()[-1])
    print(json.dumps({"result": result, "peak_rss": peak_rss}), flush=True)


def child_main() -> None:
    """The measured process: call the function and print its result as JSON."""
    import importlib

    target, arguments = sys.argv[1], json.loads(sys.argv[2])
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    print(json.dumps(function(**arguments)), flush=True)
