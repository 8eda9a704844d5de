"""Debian's Chromium for the browser tests, so nothing ever downloads a browser of its own.

Playwright's bundled browsers are fetched from a CDN by `playwright install`; we never run
that. The tests drive the distribution's `chromium` package instead, installed with apt when
missing and we are root (a fresh CI container). Where that is impossible the browser tests
fail on CI (env CI set) and are skipped elsewhere, with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "chromium"
APT_TIMEOUT_SECONDS = 600
# Headless, no sandbox (containers run as root), and nothing that phones home: component
# updates, sync and background networking would only produce noise on a machine without
# network. Playwright gives every launch a fresh temporary profile (user data dir).
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _find_chromium() -> str | None:
    return shutil.which(CHROMIUM) or shutil.which(CHROMIUM, path="/usr/bin")


def _install_chromium() -> str:
    """apt-get install Debian's chromium; return why it failed, or "" on success."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "chromium is not installed and we are not root (apt-get install -y chromium)"
    if shutil.which("apt-get") is None:
        return "chromium is not installed and there is no apt-get to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", CHROMIUM],
    ):
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_SECONDS
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(command)} failed: {exc}"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return f"{' '.join(command)} exited {done.returncode}: {' / '.join(tail)}"
    return ""


def _check_runs(path: str) -> str:
    """Why `path --version` does not work (e.g. a snap shim in a container), or ""."""
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{path} --version failed: {exc}"
    if done.returncode != 0 or "chromium" not in done.stdout.lower():
        return f"{path} --version exited {done.returncode}: {done.stderr.strip()[-200:]}"
    return ""


def ensure_chromium() -> str:
    """Path of Debian's chromium, installing it with apt when missing and running as root."""
    path = _find_chromium()
    reason = ""
    if path is None:
        reason = _install_chromium()
        path = _find_chromium()
        if path is None and not reason:
            reason = "apt-get installed chromium but no chromium is on PATH"
    if path is not None:
        reason = _check_runs(path)
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need Debian's chromium: {reason}")
        pytest.skip(f"browser tests need Debian's chromium: {reason}")
    return path


def launch_options(executable: str) -> dict[str, Any]:
    """Keyword arguments for `playwright.chromium.launch(...)`."""
    return {"executable_path": executable, "headless": True, "args": list(LAUNCH_ARGS)}


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright, closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(**launch_options(executable))
    except BaseException:
        playwright.stop()
        raise
    try:
        yield launched
    finally:
        launched.close()
        playwright.stop()
