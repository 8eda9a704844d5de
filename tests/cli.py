"""Running `python -m monitor <verb>` as a user runs it: in a child process, from the
repository, with only the environment a test gives it. The child is forked from a warm server
that has the monitor imported (tests/warm_cli.py) unless it would start differently from it,
or MONITOR_TESTS_COLD_CLI=1 asks for every one to start cold."""

from __future__ import annotations

import atexit
import contextlib
import json
import locale
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests import warm_cli
from tests.conftest import REPO

# How long the server may take to end a command it was told to kill.
KILL_SECONDS = 30
# The worker's environment as it started, before any test patched it: the warm server's.
_STARTING_ENVIRONMENT = dict(os.environ)


def environment_without(*prefixes: str) -> dict[str, str]:
    """This process's environment without the variables that start with `prefixes` (the
    monitor's settings and credentials), so that a child sees only what the test sets."""
    return {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}


def python_path(env: dict[str, str] | None = None) -> str:
    """PYTHONPATH for a child that imports the repository's code: the repository first, then
    whatever this process (or `env`) has (.ci/clock-ahead puts its clock-moving sitecustomize
    there, and a child that lost it would run on the real clock)."""
    inherited = (os.environ if env is None else env).get("PYTHONPATH")
    return os.pathsep.join([str(REPO), inherited] if inherited else [str(REPO)])


def run_monitor(
    *args: str, env: dict[str, str], cwd: Path = REPO, timeout: float = 300
) -> subprocess.CompletedProcess:
    """`python -m monitor *args` with exactly `env`; its output captured as text. The process
    is forked from a warm server that has the monitor imported (tests/warm_cli.py) when it
    would start as the server did, else started cold, as every one is with
    MONITOR_TESTS_COLD_CLI=1."""
    command = [sys.executable, "-m", "monitor", *args]
    server = warm_server()
    if server is None or not server.serves(env, cwd):
        return subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
    return server.run(command, env=env, cwd=cwd, timeout=timeout)


class WarmServer:
    """The client of a `python -m tests.warm_cli` process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="warm-cli-"))
        self.socket_path = str(self.folder / "socket")
        self.env = {**env, "PYTHONPATH": python_path(env)}
        self.commands = 0  # how many it has served
        self.last_pid: int | None = None
        self.log = self.folder / "server.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.warm_cli", self.socket_path],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        if self.process.stdout.readline() != b"ready\n":
            self.process.wait(timeout=30)
            raise RuntimeError(f"the warm CLI server did not start:\n{self.log.read_text()}")
        self.startup = warm_cli.startup_environment(_without_pythonpath(self.env))
        self.roots = _import_roots(self.env, REPO)

    def serves(self, env: dict[str, str], cwd: Path) -> bool:
        """Whether `python -m monitor` with `env` in `cwd` would start as this server did:
        the same interpreter settings, and the same modules found under the same names."""
        if self.process.poll() is not None:
            raise RuntimeError(f"the warm CLI server is gone:\n{self.log.read_text()}")
        if warm_cli.startup_environment(_without_pythonpath(env)) != self.startup:
            return False
        roots = _import_roots(env, cwd)
        if Path(cwd).resolve() == REPO.resolve():
            return roots == self.roots
        # Another working directory comes first on sys.path: it may hold nothing importable.
        return roots[1:] == self.roots and not _has_modules(Path(cwd))

    def start(self, command: list[str], *, env: dict[str, str], cwd: Path) -> WarmCommand:
        """Fork `command` (`python -m monitor ...`) with its stdout and stderr on pipes."""
        request = json.dumps({"args": command[3:], "env": env, "cwd": str(cwd)}) + "\n"
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(self.socket_path)
            # stdin is this process's own, as a child started by subprocess.run inherits it.
            socket.send_fds(connection, [request.encode()], [0, stdout_write, stderr_write])
            pid = _read_word(connection)
        except BaseException:
            connection.close()
            os.close(stdout_read)
            os.close(stderr_read)
            raise
        finally:
            os.close(stdout_write)
            os.close(stderr_write)
        self.commands += 1
        self.last_pid = pid
        return WarmCommand(command, pid, connection, stdout_read, stderr_read)

    def run(
        self, command: list[str], *, env: dict[str, str], cwd: Path, timeout: float
    ) -> subprocess.CompletedProcess:
        """subprocess.run(command, capture_output=True, text=True, timeout=timeout), forked."""
        with self.start(command, env=env, cwd=cwd) as running:
            return running.wait(timeout)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


class WarmCommand:
    """A command forked by the warm server. Leaving its `with` block before it has ended (an
    exception, a timeout) hangs up, and the server kills it."""

    def __init__(
        self, command: list[str], pid: int, connection: socket.socket, stdout: int, stderr: int
    ) -> None:
        self.command, self.pid, self.connection = command, pid, connection
        self.stdout, self.stderr = stdout, stderr

    def __enter__(self) -> WarmCommand:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for fd in (self.stdout, self.stderr):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.connection.close()

    def wait(self, timeout: float) -> subprocess.CompletedProcess:
        deadline = time.monotonic() + timeout
        stdout, stderr, ended = _read_both(self.stdout, self.stderr, deadline)
        returncode = None
        if ended:
            self.connection.settimeout(max(deadline - time.monotonic(), 0.001))
            with contextlib.suppress(TimeoutError):
                returncode = _read_word(self.connection)
        if returncode is None:
            self.connection.settimeout(KILL_SECONDS)
            self.connection.sendall(b"k")  # the server kills it, unless it has just ended
            try:
                _read_word(self.connection)
            except TimeoutError:
                raise RuntimeError(f"the warm CLI server did not end pid {self.pid}") from None
            raise subprocess.TimeoutExpired(self.command, timeout, output=stdout, stderr=stderr)
        return subprocess.CompletedProcess(self.command, returncode, _text(stdout), _text(stderr))


_server: WarmServer | None = None


def warm_server() -> WarmServer | None:
    """This worker's warm server, started on first use; None when the tests run cold."""
    global _server
    if os.environ.get("MONITOR_TESTS_COLD_CLI") == "1":
        return None
    if _server is None:
        _server = WarmServer(_STARTING_ENVIRONMENT)
        atexit.register(_server.stop)
    return _server


def _without_pythonpath(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name != "PYTHONPATH"}


def _import_roots(env: dict[str, str], cwd: Path) -> list[str]:
    """Where `python -m` in `cwd` with `env` looks for modules before the standard library:
    the working directory, then PYTHONPATH's entries, without repeats."""
    entries = [str(cwd), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return list(dict.fromkeys(str(Path(entry).resolve()) for entry in entries))


def _has_modules(folder: Path) -> bool:
    """Whether `folder` holds anything `import` could find: a .py file or a package."""
    return any(
        entry.suffix == ".py" or (entry / "__init__.py").exists() for entry in folder.iterdir()
    )


def _read_word(connection: socket.socket) -> int:
    data = b""
    while len(data) < warm_cli.WORD.size:
        chunk = connection.recv(warm_cli.WORD.size - len(data))
        if not chunk:
            raise RuntimeError("the warm CLI server hung up")
        data += chunk
    return warm_cli.WORD.unpack(data)[0]


def _read_both(stdout: int, stderr: int, deadline: float) -> tuple[bytes, bytes, bool]:
    """What was written to the two pipes until both were closed (the command and whatever it
    started have exited: True) or until `deadline` (False)."""
    output = {stdout: bytearray(), stderr: bytearray()}
    with selectors.DefaultSelector() as selector:
        for fd in output:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(output[stdout]), bytes(output[stderr]), False
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 1 << 16)
                if chunk:
                    output[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
    return bytes(output[stdout]), bytes(output[stderr]), True


def _text(data: bytes) -> str:
    """Bytes as subprocess.run(text=True) decodes them: the locale's encoding, universal
    newlines."""
    text = data.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")
