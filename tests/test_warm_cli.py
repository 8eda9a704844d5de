"""The tests' warm `python -m monitor` (tests/warm_cli.py) answers as a cold process does: the
same output, exit codes and files, each command in its own process with only its own
environment and working directory, killed when its test gives up on it."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests import cli
from tests.cli import environment_without, python_path, run_monitor

pytestmark = pytest.mark.skipif(
    os.environ.get("MONITOR_TESTS_COLD_CLI") == "1", reason="the tests run every command cold"
)


@pytest.fixture
def server() -> cli.WarmServer:
    started = cli.warm_server()
    assert started is not None
    return started


@pytest.fixture
def env() -> dict[str, str]:
    environment = environment_without("MONITOR_")
    environment["PYTHONPATH"] = python_path()
    environment["MONITOR_DB"] = "relative.duckdb"  # resolved against the working directory
    return environment


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize(
    ("args", "code", "files"),
    [
        (["--help"], 0, []),
        (["frobnicate"], 2, []),  # a usage error: argparse's message on stderr
        (["check", "--instance", "nowhere"], 1, ["relative.duckdb"]),  # a failure: one line
        (["init"], 0, ["relative.duckdb"]),
    ],
)
def test_a_warm_command_answers_as_a_cold_one(
    server, env, tmp_path, monkeypatch, args, code, files
) -> None:
    warm_folder, cold_folder = tmp_path / "warm", tmp_path / "cold"
    warm_folder.mkdir()
    cold_folder.mkdir()
    served = server.commands
    warm = run_monitor(*args, env=env, cwd=warm_folder)
    assert server.commands == served + 1, "not served warm"
    monkeypatch.setenv("MONITOR_TESTS_COLD_CLI", "1")
    cold = run_monitor(*args, env=env, cwd=cold_folder)
    assert server.commands == served + 1, "not run cold"

    assert (warm.returncode, cold.returncode) == (code, code), (warm.stderr, cold.stderr)
    assert warm.stdout.replace(str(warm_folder), "~") == cold.stdout.replace(str(cold_folder), "~")
    assert warm.stderr.replace(str(warm_folder), "~") == cold.stderr.replace(str(cold_folder), "~")
    # Relative paths are the command's working directory's, not the server's, and a store is
    # left as a cold process leaves it (checkpointed: no .wal, no spill folder).
    assert sorted(p.name for p in warm_folder.iterdir()) == files
    assert sorted(p.name for p in cold_folder.iterdir()) == files


def test_a_command_sees_only_its_own_environment(tmp_path) -> None:
    """The server's own environment (here a configuration file that does not exist) does not
    reach a command whose environment leaves it out."""
    missing = str(tmp_path / "missing.toml")
    own = cli.WarmServer({**cli.environment_without("MONITOR_"), "MONITOR_CONFIG": missing})
    try:
        env = {**environment_without("MONITOR_"), "MONITOR_DB": str(tmp_path / "m.duckdb")}
        assert own.serves(env, cli.REPO)
        listed = own.run(["python", "-m", "monitor", "checks"], env=env, cwd=cli.REPO, timeout=60)
        assert listed.returncode == 0, listed.stderr
        failed = own.run(
            ["python", "-m", "monitor", "checks"],
            env={**env, "MONITOR_CONFIG": missing},
            cwd=cli.REPO,
            timeout=60,
        )
        assert failed.returncode == 1 and "missing.toml" in failed.stderr
    finally:
        own.stop()


def long_running(tmp_path: Path) -> dict[str, str]:
    """The environment of `monitor run` (it runs until stopped) on folders of the test's own."""
    env = environment_without("MONITOR_")
    env.update(
        {
            "MONITOR_DB": str(tmp_path / "m.duckdb"),
            "MONITOR_INBOX_DIR": str(tmp_path / "inbox"),
            "MONITOR_REPORT_DIR": str(tmp_path / "reports"),
        }
    )
    return env


def test_a_command_that_runs_too_long_is_killed_and_says_so(server, tmp_path) -> None:
    """subprocess.run's contract: TimeoutExpired, and the process is gone."""
    with pytest.raises(subprocess.TimeoutExpired):
        run_monitor("run", env=long_running(tmp_path), timeout=1)
    assert gone(server.last_pid)
    assert run_monitor("--help", env=long_running(tmp_path)).returncode == 0


def test_a_command_its_test_gives_up_on_is_killed(server, tmp_path) -> None:
    """A test that ends while its command runs (an exception, pytest-timeout) leaves no
    process behind: hanging up is enough, even while the command's output is still read."""
    command = ["python", "-m", "monitor", "run"]
    with server.start(command, env=long_running(tmp_path), cwd=cli.REPO) as running:
        assert not gone(running.pid)
        running.connection.close()
        deadline = time.monotonic() + 30
        while not gone(running.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(running.pid)


def test_a_command_with_another_interpreter_setting_runs_cold(server, tmp_path) -> None:
    """PYTHON* variables take effect when an interpreter starts: such a command is not forked
    from the warm server but started as it is."""
    env = environment_without("MONITOR_")
    env.update({"MONITOR_DB": str(tmp_path / "m.duckdb"), "PYTHONWARNINGS": "error::Warning"})
    assert not server.serves(env, cli.REPO)
    served = server.commands
    assert run_monitor("init", env=env).returncode == 0
    assert server.commands == served


def test_a_working_directory_with_modules_in_it_runs_cold(server, env, tmp_path) -> None:
    """`python -m` looks in the working directory first: one holding a module of the same name
    as one the server imported would shadow it."""
    (tmp_path / "pandas.py").write_text("raise ImportError('shadowed')\n")
    assert not server.serves(env, tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert server.serves(env, empty)
