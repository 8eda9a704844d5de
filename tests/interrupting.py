"""Stopping a backfill part-way the way Ctrl-C does, for the tests that resume an interrupted
one: both backfills (Marketo's pages, Salesforce's windows) report progress with a count first."""

from __future__ import annotations

from collections.abc import Callable


def interrupt_at(step: int) -> Callable[..., None]:
    """A progress callback that raises KeyboardInterrupt when its first argument, the count of
    pages or windows done, reaches `step`; the rest of what it is told is not needed."""

    def progress(done: int, *_: object) -> None:
        if done == step:
            raise KeyboardInterrupt

    return progress
