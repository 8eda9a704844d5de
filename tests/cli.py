"""Running `python -m monitor <verb>` as a user runs it: in a child process, from the
repository, with only the environment a test gives it."""

from __future__ import annotations

import atexit
import json
import locale
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests import warm_cli
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
    """`python -m monitor *args` with exactly `env`; its output captured as text. The process
    is forked from a warm server that has the monitor imported (tests/warm_cli.py) when it can
    be, else started cold, as it always is with MONITOR_TESTS_COLD_CLI=1."""
    command = [sys.executable, "-m", "monitor", *args]
    server = _warm_server()
    if server is None or not server.serves(env, cwd):
        return subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
    return server.run(command, env=env, cwd=cwd, timeout=timeout)


class _WarmServer:
    """The client of one `python -m tests.warm_cli` process (one per test worker)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="warm-cli-"))
        self.socket_path = str(self.folder / "socket")
        self.env = {**os.environ, "PYTHONPATH": python_path()}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.warm_cli", self.socket_path],
            cwd=REPO,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
        )
        ready = self.process.stdout.readline()
        if ready != b"ready\n":
            raise RuntimeError(f"the warm CLI server did not start (it said {ready!r})")
        self.startup = warm_cli.startup_environment(self.env)
        self.roots = _import_roots(self.env, REPO)

    def serves(self, env: dict[str, str], cwd: Path) -> bool:
        """Whether a command with `env` in `cwd` would start as this server did."""
        return (
            self.process.poll() is None
            and warm_cli.startup_environment(_without_pythonpath(env))
            == warm_cli.startup_environment(_without_pythonpath(self.env))
            and _import_roots(env, cwd) == self.roots
        )

    def run(
        self, command: list[str], *, env: dict[str, str], cwd: Path, timeout: float
    ) -> subprocess.CompletedProcess:
        request = json.dumps({"args": command[3:], "env": env, "cwd": str(cwd)}) + "\n"
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.socket_path)
            try:
                # stdin is this process's own, as a child started by subprocess.run inherits it.
                socket.send_fds(connection, [request.encode()], [0, stdout_write, stderr_write])
            finally:
                os.close(stdout_write)
                os.close(stderr_write)
            pid = _read_word(connection)
            try:
                stdout, stderr = _read_both(stdout_read, stderr_read, time.monotonic() + timeout)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                _read_word(connection)
                raise subprocess.TimeoutExpired(command, timeout) from None
            returncode = _read_word(connection)
        return subprocess.CompletedProcess(command, returncode, _text(stdout), _text(stderr))


_server: _WarmServer | None = None


def _warm_server() -> _WarmServer | None:
    """This process's warm server, started on first use; None when the tests run cold."""
    global _server
    if os.environ.get("MONITOR_TESTS_COLD_CLI") == "1":
        return None
    if _server is None:
        _server = _WarmServer()
        atexit.register(_stop, _server)
    return _server


def _stop(server: _WarmServer) -> None:
    server.process.terminate()
    server.process.wait(timeout=30)
    shutil.rmtree(server.folder, ignore_errors=True)


def _without_pythonpath(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name != "PYTHONPATH"}


def _import_roots(env: dict[str, str], cwd: Path) -> list[str]:
    """Where `python -m` in `cwd` with `env` looks for modules before the standard library:
    the working directory, then PYTHONPATH's entries, without repeats."""
    entries = [str(cwd), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return list(dict.fromkeys(str(Path(entry).resolve()) for entry in entries))


def _read_word(connection: socket.socket) -> int:
    data = b""
    while len(data) < warm_cli.WORD.size:
        chunk = connection.recv(warm_cli.WORD.size - len(data))
        if not chunk:
            raise RuntimeError("the warm CLI server hung up")
        data += chunk
    return warm_cli.WORD.unpack(data)[0]


def _read_both(stdout: int, stderr: int, deadline: float) -> tuple[bytes, bytes]:
    """Everything written to the two pipes until both are closed (the command and whatever it
    started have exited), or TimeoutExpired at `deadline`. Closes both."""
    output = {stdout: bytearray(), stderr: bytearray()}
    try:
        with selectors.DefaultSelector() as selector:
            for fd in output:
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise subprocess.TimeoutExpired([], 0)
                for key, _ in selector.select(left):
                    chunk = os.read(key.fd, 1 << 16)
                    if chunk:
                        output[key.fd] += chunk
                    else:
                        selector.unregister(key.fd)
    finally:
        os.close(stdout)
        os.close(stderr)
    return bytes(output[stdout]), bytes(output[stderr])


def _text(data: bytes) -> str:
    """Bytes as subprocess.run(text=True) decodes them: the locale's encoding, universal
    newlines."""
    text = data.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")
