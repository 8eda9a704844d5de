"""How long a person waits for `python -m monitor` before the verb does anything.

    python bench/bench_cli.py [--runs 7]

Each command runs in a new process (as a person or cron runs it), median of `--runs`, in
interleaved rounds, next to two baselines measured in the same run: a bare `python -c pass`
(the interpreter alone) and the imports the CLI used to make for every verb (the check
registry with pandas, the importers, the store). No timing is asserted: compare with the goal
(`--help` under 0.3 s) in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass (the interpreter alone)": ["-c", "pass"],
    "python -m monitor --help": ["-m", "monitor", "--help"],
    "python -m monitor import --help": ["-m", "monitor", "import", "--help"],
    "python -m monitor init": ["-m", "monitor", "init"],
    "python -m monitor checks --json": ["-m", "monitor", "checks", "--json"],
    "eager imports of every verb before (checks, importers, store)": [
        "-c",
        "import checks, monitor.collectors.exports, monitor.store",
    ],
}


def _time(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env["MONITOR_DB"] = str(Path(folder) / "bench.duckdb")
        env["MONITOR_CONFIG"] = str(Path(folder) / "monitor.toml")
        Path(env["MONITOR_CONFIG"]).touch()
        for command in COMMANDS.values():  # warm the file cache and the store once
            _time(command, env)
        seconds: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(args.runs):
            for name, command in COMMANDS.items():
                seconds[name].append(_time(command, env))
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores)")
    medians = {name: statistics.median(times) for name, times in seconds.items()}
    help_time = medians["python -m monitor --help"]
    print(f"{'command':<64}{'median s':>10}{'vs --help':>11}")
    for name, median in medians.items():
        print(f"{name:<64}{median:>10.3f}{median / help_time:>10.1f}x")


if __name__ == "__main__":
    main()
