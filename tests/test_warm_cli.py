"""The tests' warm `python -m monitor` (tests/warm_cli.py) answers as a cold process does: the
same output, exit codes and files, each command in its own process with only its own
environment and working directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests import cli
from tests.cli import environment_without, run_monitor

pytestmark = pytest.mark.skipif(
    os.environ.get("MONITOR_TESTS_COLD_CLI") == "1", reason="the tests run every command cold"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = environment_without("MONITOR_")
    environment["MONITOR_DB"] = "relative.duckdb"  # resolved against the working directory
    return environment


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["frobnicate"],  # a usage error: exit 2, argparse's message on stderr
        ["check", "--instance", "nowhere"],  # a failure: exit 1, one line
        ["init"],
    ],
)
def test_a_warm_command_answers_as_a_cold_one(args, env, tmp_path, monkeypatch) -> None:
    warm_folder, cold_folder = tmp_path / "warm", tmp_path / "cold"
    warm_folder.mkdir()
    cold_folder.mkdir()
    warm = run_monitor(*args, env=env, cwd=warm_folder)
    monkeypatch.setenv("MONITOR_TESTS_COLD_CLI", "1")
    cold = run_monitor(*args, env=env, cwd=cold_folder)
    assert warm.returncode == cold.returncode
    assert warm.stdout.replace(str(warm_folder), "~") == cold.stdout.replace(str(cold_folder), "~")
    assert warm.stderr.replace(str(warm_folder), "~") == cold.stderr.replace(str(cold_folder), "~")
    # Relative paths are the command's working directory's, not the server's.
    assert sorted(p.name for p in warm_folder.iterdir()) == sorted(
        p.name for p in cold_folder.iterdir()
    )


def test_each_command_sees_only_its_own_environment(tmp_path) -> None:
    first = environment_without("MONITOR_")
    first["MONITOR_DB"] = str(tmp_path / "first.duckdb")
    assert run_monitor("init", env=first).returncode == 0
    second = environment_without("MONITOR_")
    second["MONITOR_DB"] = str(tmp_path / "second.duckdb")
    assert run_monitor("init", env=second).returncode == 0
    assert sorted(p.name for p in tmp_path.glob("*.duckdb")) == ["first.duckdb", "second.duckdb"]


def test_each_command_is_a_process_of_its_own(tmp_path) -> None:
    """A command cannot change the next one: the environment it set is gone with it."""
    env = environment_without("MONITOR_")
    env["MONITOR_DB"] = str(tmp_path / "m.duckdb")
    env["MONITOR_CONFIG"] = str(tmp_path / "missing.toml")
    failed = run_monitor("checks", env=env)
    assert failed.returncode == 1 and "missing.toml" in failed.stderr
    del env["MONITOR_CONFIG"]
    assert run_monitor("checks", env=env).returncode == 0
    assert os.environ.get("MONITOR_CONFIG") != str(tmp_path / "missing.toml")


def test_a_command_that_runs_too_long_is_killed_and_says_so(tmp_path, monkeypatch) -> None:
    """subprocess.run's contract: TimeoutExpired, and no process is left behind."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = environment_without("MONITOR_")
    env.update({"MONITOR_DB": str(tmp_path / "m.duckdb"), "MONITOR_INBOX": str(inbox)})
    with pytest.raises(subprocess.TimeoutExpired):
        run_monitor("run", env=env, timeout=1)
    server = cli._warm_server()
    assert server is not None and server.process.poll() is None
    assert run_monitor("--help", env=env).returncode == 0


def test_a_command_with_another_interpreter_setting_runs_cold(tmp_path) -> None:
    """PYTHON* variables take effect when an interpreter starts: such a command is not forked
    from the warm server but started as it is."""
    env = environment_without("MONITOR_")
    env.update({"MONITOR_DB": str(tmp_path / "m.duckdb"), "PYTHONWARNINGS": "error::Warning"})
    server = cli._warm_server()
    assert server is not None and not server.serves(env, cli.REPO)
    assert run_monitor("init", env=env).returncode == 0
