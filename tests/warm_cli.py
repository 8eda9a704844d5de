"""A warm `python -m monitor` for the tests: a process that has imported the monitor once and
forks a child for every command, so that a test pays for the command and not for 0.6 s of
imports (pandas, pyarrow, DuckDB) each time.

The child is a real process of its own, as a user's `python -m monitor` is: its own pid, the
test's environment and working directory, stdin/stdout/stderr as file descriptors, its
`sys.argv`; it runs `monitor/__main__.py` through `runpy` as `python -m` does. It ends as the
interpreter ends: threads joined, atexit functions run, streams flushed, the exit code of its
SystemExit, and an uncaught exception's traceback with exit 1.

What it skips is the start of the interpreter with its imports, and the teardown of the
imported modules at exit. The tests about those start cold processes: `tests/test_cli.py`'s
help probe, the process tests of `tests/schedule`, the resume tests. MONITOR_TESTS_COLD_CLI=1
starts every command cold (.ci/run's second pass runs that way).

The server runs as `python -m tests.warm_cli SOCKET`. Each connection is served by a
supervisor forked for it: it receives the command and three file descriptors, forks the
command's process, sends its pid, waits for it and sends its exit status.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import runpy
import select
import signal
import socket
import struct
import sys
import threading
import time

# What the verbs import when they run: imported once here, before any fork.
WARM_MODULES = (
    "monitor.cli",
    "monitor.actions",
    "monitor.runner",
    "monitor.collectors",
    "monitor.report",
    "monitor.alerts",
    "monitor.schedule",
    "checks",
    "queries",
    "pandas",
    "numpy",
    "duckdb",
    "plotly.graph_objects",
    "simple_salesforce",
    "requests",
)
# The environment a process reads while it starts, before any code of ours runs (the
# interpreter, site's user folder, the native libraries' allocators and thread pools, coverage):
# a command whose values differ from the server's is started cold.
STARTUP_PREFIXES = (
    "PYTHON",
    "LD_",
    "LC_",
    "FAKETIME",
    "CLOCK_AHEAD",
    "OMP_",
    "OPENBLAS_",
    "ARROW_",
    "JE_",
    "MALLOC_",
    "GLIBC_",
    "COV_CORE_",
)
STARTUP_NAMES = frozenset({"LANG", "LANGUAGE", "HOME"})
WORD = struct.Struct("!i")


def startup_environment(env: dict[str, str]) -> dict[str, str]:
    """The part of `env` that a Python process reads before it runs any code of ours."""
    return {
        name: value
        for name, value in env.items()
        if name.startswith(STARTUP_PREFIXES) or name in STARTUP_NAMES
    }


def _receive(connection: socket.socket) -> tuple[dict, list[int]]:
    """The request (json) and its three file descriptors."""
    chunks, fds = [], []
    while True:
        data, received, _flags, _address = socket.recv_fds(connection, 1 << 16, 3)
        fds.extend(received)
        if not data:
            break
        chunks.append(data)
        if data.endswith(b"\n"):
            break
    return json.loads(b"".join(chunks)), fds


def _run_command(request: dict, fds: list[int]) -> None:
    """In the command's process: become `python -m monitor <args>`, run it and exit as the
    interpreter would, never returning."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    # `python -m` puts the working directory first on sys.path.
    sys.path[0] = os.getcwd()
    sys.argv = ["-m", *request["args"]]
    try:
        runpy.run_module("monitor", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as end:
        code = _exit_code(end.code)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    # The interpreter's shutdown up to the modules' teardown: wait for the threads, run the
    # atexit functions, flush. Tearing down pandas, pyarrow and DuckDB module by module would
    # take a cold process's 0.2-0.3 s again; what of it a command can notice is done here:
    # objects in cycles are finalized and the store's DuckDB instances closed, which
    # checkpoints any file still attached and removes its spill folder.
    threading._shutdown()
    atexit._run_exitfuncs()
    gc.collect()
    attach = sys.modules.get("monitor.store.attach")
    for instance in list(getattr(attach, "_INSTANCES", {}).values()):
        with contextlib.suppress(Exception):
            instance.close()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed by the command
            stream.flush()
    os._exit(code)


def _exit_code(code: object) -> int:
    """The exit status of `raise SystemExit(code)`, as the interpreter computes it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _supervise(connection: socket.socket) -> None:
    """In the supervisor: fork the command, tell the client its pid, wait for it and send its
    exit status. A client that hangs up or sends a byte first (its timeout, its test ended
    early) has the command killed, as subprocess.run kills its child."""
    request, fds = _receive(connection)
    child = os.fork()
    if child == 0:
        connection.close()
        _run_command(request, fds)
    for fd in fds:
        os.close(fd)
    connection.sendall(WORD.pack(child))
    done = os.pidfd_open(child)
    ready, _, _ = select.select([done, connection], [], [])
    if done not in ready:
        os.kill(child, signal.SIGKILL)  # not reaped yet: the pid is still the command's
    _, status = os.waitpid(child, 0)
    with contextlib.suppress(OSError):  # the client may be gone
        connection.sendall(WORD.pack(os.waitstatus_to_exitcode(status)))
    os._exit(0)


def serve(path: str) -> None:
    for name in WARM_MODULES:
        __import__(name)
    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    listener.settimeout(1.0)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while os.getppid() == parent:  # the test worker that started us is gone: so are we
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            _reap()
            continue
        connection.settimeout(None)
        if os.fork() == 0:
            listener.close()
            _supervise(connection)
        connection.close()
        _reap()


def _reap() -> None:
    """Collect the supervisors that are done."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


if __name__ == "__main__":
    serve(sys.argv[1])
