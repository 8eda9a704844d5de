"""Running `python -m monitor <verb>` as a user runs it: in a child process, from the
repository, with only the environment a test gives it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def environment_without(*prefixes: str) -> dict[str, str]:
    """This process's environment without the variables that start with `prefixes` (the
    monitor's settings and credentials), so that a child sees only what the test sets."""
    return {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}


def python_path() -> str:
    """PYTHONPATH for a child that imports the repository's code: the repository first, then
    whatever this process inherited (.ci/clock-ahead puts its clock-moving sitecustomize there,
    and a child that lost it would run on the real clock)."""
    inherited = os.environ.get("PYTHONPATH")
    return os.pathsep.join([str(REPO), inherited] if inherited else [str(REPO)])


def run_monitor(
    *args: str, env: dict[str, str], cwd: Path = REPO, timeout: float = 300
) -> subprocess.CompletedProcess:
    """`python -m monitor *args` with exactly `env`; its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
