"""Cached, read-only access to the store for the pages.

Connections are opened per query burst and closed at once (a cached read-only connection would
lock the collector out); frames are cached for a short time so reruns do not re-query.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from monitor.config import Config, load_config
from monitor.errors import MonitorError
from monitor.store import Store
from monitor.vocabulary.text import markdown_literal

CACHE_SECONDS = 30
SOURCE_VARIABLES = ("SALESFORCE_INSTANCE_URL", "SALESFORCE_USERNAME", "MARKETO_CLIENT_ID")


@st.cache_resource(show_spinner=False)
def config() -> Config:
    return load_config()


def store() -> Store:
    return Store(config().db, memory_limit=config().memory_limit)


@st.cache_resource(show_spinner="Preparing the store…")
def prepare_store(db_path: str) -> str:
    """Migrate the store once per process; build the demo when it is empty and nothing is
    configured, so a first start shows a working monitor."""
    target = Store(db_path, memory_limit=config().memory_limit)
    target.init()
    has_sources = any(os.environ.get(name) for name in SOURCE_VARIABLES)
    if target.query("instances").empty and not has_sources:
        from monitor.actions import build_demo

        build_demo(target)
        return "demo"
    return "ready"


def open_store() -> bool:
    """Prepare the store, or show in one st.error why it cannot be opened (damaged, written by a
    newer monitor, a full disk, a bad configuration) and the way out; False then."""
    try:
        prepare_store(config().db)
    except MonitorError as exc:
        st.error(
            f"The monitor cannot open its store. {markdown_literal(exc)}", icon=":material/error:"
        )
        return False
    return True


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _cached(db_path: str, name: str, params: tuple[tuple[str, Any], ...]) -> pd.DataFrame:
    return Store(db_path).query(name, **dict(params))


def load(name: str, **params: Any) -> pd.DataFrame:
    """Run a named query (cached for CACHE_SECONDS)."""
    return _cached(config().db, name, tuple(sorted(params.items())))


def clear() -> None:
    _cached.clear()


def safe(render) -> None:
    """Run a page, turning a store or input problem into a message instead of a traceback."""
    try:
        render()
    except MonitorError as exc:
        st.error(markdown_literal(exc))  # it may quote a file's cells or a source's reply


def round_down(moment: datetime, minutes: int = 1) -> datetime:
    """Cache-friendly timestamps: one value per minute."""
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return moment - timedelta(minutes=moment.minute % minutes)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Replaying the check…")
def _preview(db_path: str, instance: str, check_id: str, edited: tuple, options: tuple):
    from monitor.preview import preview

    return preview(Store(db_path), config(), instance, check_id, dict(edited), **dict(options))


def preview(instance: str, check_id: str, edited: dict[str, Any], **options: Any):
    """monitor/preview.py `preview` of one check with edited settings (cached for
    CACHE_SECONDS: a rerun of the page does not replay again). Stores nothing."""
    return _preview(
        config().db,
        instance,
        check_id,
        tuple(sorted(edited.items())),
        tuple(sorted(options.items())),
    )


@st.cache_data(ttl=600, show_spinner="Checking the planner against past spikes…")
def _planner_accuracy(db_path: str, instance: str, now: datetime, order: tuple[str, ...]):
    from monitor.planner.accuracy import accuracy_summary, check_past_spikes
    from monitor.planner.words import accuracy_line, accuracy_rows

    checks = check_past_spikes(Store(db_path), instance, now, order=order)
    return accuracy_line(accuracy_summary(checks)), pd.DataFrame(accuracy_rows(checks))


def planner_accuracy(instance: str, now: datetime) -> tuple[str, pd.DataFrame]:
    """The planner against the past spikes that drained (one plan per spike: cached for ten
    minutes, per hour of `now`): a sentence and one row per spike."""
    return _planner_accuracy(
        config().db, instance, round_down(now, 60), tuple(config().sync_object_order)
    )
