"""The error tree: every error the monitor raises on purpose lives in monitor/errors.py,
derives from MonitorError, and is drawn, with its parent, in that module's docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import monitor
from monitor import errors


def _monitor_modules():
    for info in pkgutil.walk_packages(monitor.__path__, "monitor."):
        if not info.name.endswith("__main__"):
            yield importlib.import_module(info.name)


def _drawn() -> dict[str, str]:
    """Class -> parent, as the docstring's tree draws them (by indentation)."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        match = re.match(r"^(\s*(?:[│ ]\s*)*(?:[├└]──\s*)?)([A-Z]\w+)\s{2,}", line)
        if not match or not match.group(2).endswith(("Error", "Exceeded", "Refused", "Running")):
            continue
        depth = len(match.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[match.group(2)] = stack[-1][1] if stack else ""
        stack.append((depth, match.group(2)))
    return parents


def test_every_exception_class_of_the_monitor_is_in_errors_and_derives_from_the_base():
    defined = {
        obj
        for module in _monitor_modules()
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, BaseException) and obj.__module__.startswith("monitor.")
    }
    assert defined, "no error class found: the walk is broken"
    assert {cls.__module__ for cls in defined} == {"monitor.errors"}
    assert all(issubclass(cls, errors.MonitorError) for cls in defined)


def test_the_drawing_names_every_error_with_its_parent():
    classes = {
        name: cls
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.MonitorError)
    }
    drawn = _drawn()
    assert set(drawn) == set(classes)
    for name, parent in drawn.items():
        expected = classes[name].__bases__[0].__name__ if parent else ""
        assert parent == (expected if expected != "Exception" else ""), name
