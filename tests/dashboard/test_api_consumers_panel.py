"""The Sources page's "Salesforce API use by consumer" section through Streamlit's AppTest, on
a copy of the demo store with the shares a collection stores (monitor/store/api_consumers.py)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from monitor.store import Store
from monitor.store.api_consumers import replace_consumer_days, store_api_users
from monitor.vocabulary.api_consumers import API_CONSUMERS_UNAVAILABLE, CONSUMER_KIND_COLORS
from tests.api_consumers import consumer_shares
from tests.dashboard.pages import open_page

COLLECTED = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def shares(day: str, calls: dict[tuple[str, str], int]) -> pd.DataFrame:
    return consumer_shares(day, calls, COLLECTED)


@pytest.fixture
def app(demo_store: Store, dashboard):
    return dashboard(demo_store.path)


def section_captions(app) -> list[str]:
    return [c.value for c in app.caption]


def test_the_section_charts_each_day_by_kind_and_tables_each_consumers_share(app, demo_store):
    with demo_store.write() as con:
        replace_consumer_days(
            con,
            "demo",
            pd.concat(
                [
                    shares(
                        "2026-11-18",
                        {
                            ("Marketo sync user", "marketo_sync"): 6000,
                            ("Webinar Connector", "integration"): 3000,
                            ("user 005000000000001", "person"): 1000,
                        },
                    ),
                    shares(
                        "2026-11-19",
                        {
                            ("Marketo sync user", "marketo_sync"): 5000,
                            ("Webinar Connector", "integration"): 9000,
                        },
                    ),
                ]
            ),
        )
    open_page(app, "sources")
    assert "Salesforce API use by consumer" in [s.value for s in app.subheader]
    assert API_CONSUMERS_UNAVAILABLE not in section_captions(app)

    table = next(d.value for d in app.dataframe if "share of the range (%)" in d.value.columns)
    assert table["consumer"].tolist() == [
        "Webinar Connector",
        "Marketo sync user",
        "user 005000000000001",
    ]
    assert table["kind"].tolist() == ["Other integrations", "Marketo sync user", "People"]
    assert table["API calls"].tolist() == [12000, 11000, 1000]
    webinar = table.iloc[0]
    assert webinar["API calls"] == 12000
    assert webinar["share of the range (%)"] == pytest.approx(50.0)
    assert webinar["share of the last day (%)"] == pytest.approx(64.3)
    assert table.iloc[2]["share of the last day (%)"] == 0

    chart = next(
        json.loads(c.proto.spec)
        for c in app.get("plotly_chart")
        if "daily limit" in json.loads(c.proto.spec)["layout"]["yaxis"]["title"]["text"]
    )
    colours = {t["name"]: t["marker"]["color"] for t in chart["data"]}
    assert colours == {
        "Marketo sync user": CONSUMER_KIND_COLORS["marketo_sync"],
        "Other integrations": CONSUMER_KIND_COLORS["integration"],
        "People": CONSUMER_KIND_COLORS["person"],
    }
    sync = next(t for t in chart["data"] if t["name"] == "Marketo sync user")
    # Plotly sends numbers base64-encoded: {"dtype": ..., "bdata": ...}.
    y = np.frombuffer(base64.b64decode(sync["y"]["bdata"]), dtype=sync["y"]["dtype"])
    assert y.tolist() == [6000, 5000]
    assert "UTC" in chart["layout"]["yaxis"]["title"]["text"]
    assert "UTC" in chart["layout"]["xaxis"]["title"]["text"]


def test_without_consumer_data_the_section_says_so_in_one_line(app):
    open_page(app, "sources")
    assert API_CONSUMERS_UNAVAILABLE in section_captions(app)
    assert not any(
        "daily limit" in json.loads(c.proto.spec)["layout"]["yaxis"]["title"]["text"]
        for c in app.get("plotly_chart")
    )


def test_a_person_the_daily_read_named_is_shown_as_name_and_username(app, demo_store):
    with demo_store.write() as con:
        replace_consumer_days(
            con,
            "demo",
            shares(
                "2026-11-19",
                {
                    ("user 005000000000003", "person"): 700,
                    ("user 005000000000009", "person"): 300,
                },
            ),
        )
        # One person named by the daily read (stored by its 15-character id), one not.
        store_api_users(
            con,
            "demo",
            pd.DataFrame(
                [("005000000000003", "Pat Lee", "pat.lee@acme.example", COLLECTED)],
                columns=["user_id", "name", "username", "resolved_at"],
            ),
        )
    open_page(app, "sources")
    table = next(d.value for d in app.dataframe if "share of the range (%)" in d.value.columns)
    assert table["consumer"].tolist() == ["Pat Lee (pat.lee@acme.example)", "user 005000000000009"]
