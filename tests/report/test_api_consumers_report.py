"""The weekly report's ops section tables the week's Salesforce API use per consumer, from the
shares a collection stores in a real DuckDB file, or says in one line that there are none."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from monitor.report.build import build_report
from monitor.store import Store
from monitor.store.api_consumers import replace_consumer_days
from monitor.store.facts import ensure_instance
from monitor.vocabulary.api_consumers import API_CONSUMERS_UNAVAILABLE
from tests.api_consumers import consumer_shares

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 2026-W47 (16-22 November) is complete


def shares(day: str, calls: dict[tuple[str, str], int]) -> pd.DataFrame:
    return consumer_shares(day, calls, NOW)


def ops_table(store: Store):
    report = build_report(store, week="2026-W47", instance="prod", now=NOW)
    return report.instances[0].section("ops").table("api-consumers")


def test_the_ops_section_tables_the_weeks_shares_per_consumer(tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    sync, webinar, person = (
        ("Marketo sync user", "marketo_sync"),
        ("Webinar Connector", "integration"),
        ("user 005000000000001", "person"),
    )
    with store.write() as con:
        ensure_instance(con, "prod")
        days = [
            shares("2026-11-15", {webinar: 50_000}),  # the week before: not counted
            shares("2026-11-20", {sync: 4_000, webinar: 1_000}),
            shares("2026-11-22", {sync: 4_000, webinar: 3_000, person: 1_000}),
            shares("2026-11-23", {webinar: 50_000}),  # the week after: not counted
        ]
        replace_consumer_days(con, "prod", pd.concat(days))
    table = ops_table(store).frame
    assert table["consumer"].tolist() == [
        "Marketo sync user",
        "Webinar Connector",
        "user 005000000000001",
    ]
    assert table["API calls"].tolist() == [8_000, 4_000, 1_000]
    assert table["kind"].tolist() == ["Marketo sync user", "Other integrations", "People"]
    assert table["share of the range (%)"].tolist() == pytest.approx([61.5, 30.8, 7.7])
    assert table["share of the last day (%)"].tolist() == pytest.approx([50.0, 37.5, 12.5])


def test_without_event_logs_the_ops_section_says_so_in_one_line(tmp_path):
    store = Store(tmp_path / "monitor.duckdb")
    with store.write() as con:
        ensure_instance(con, "prod")
    table = ops_table(store)
    assert table.is_empty
    assert table.empty == API_CONSUMERS_UNAVAILABLE
    assert "\n" not in table.empty
