"""The Checks page's preview: edited settings replayed over the demo store, next to the saved
ones, with nothing stored (the findings and every table as they were, monitor.toml untouched)."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.store import Store
from tests.dashboard.pages import assert_clean, open_page

SAVED = "[checks.backlog_spike]\nspike_min_records = 400\n"


def snapshot(store: Store) -> dict:
    """Every table's row count, and the findings themselves."""
    with store.read() as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        findings = con.execute("SELECT * FROM findings ORDER BY ALL").df().astype(str)
    findings = findings.values.tolist()
    return {"counts": counts, "findings": findings}


def counts(app) -> tuple[int, int]:
    """(episodes with these settings, with the saved ones) from the preview's caption."""
    caption = next(c.value for c in app.caption if "with the saved ones" in c.value)
    found = re.match(r"([\d,]+) episodes? with these settings, ([\d,]+) with the saved", caption)
    assert found, caption
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))


def test_editing_a_setting_changes_the_previewed_episodes_and_stores_nothing(
    demo_store: Store, dashboard, tmp_path: Path
):
    config = tmp_path / "monitor.toml"
    config.write_text(SAVED, encoding="utf-8")
    before = snapshot(demo_store)
    app = open_page(dashboard(demo_store.path, MONITOR_CONFIG=str(config)), "rulebook")
    margin = app.number_input(key="tune-backlog_spike-spike_min_records")
    assert margin.value == 400  # the widgets start at the saved settings
    app.toggle(key="tune-preview").set_value(True).run()
    assert_clean(app)
    edited, saved = counts(app)
    assert edited == saved > 0  # nothing edited yet: the saved settings' episodes
    assert app.get("plotly_chart"), "the backlog series and its band are drawn"
    # Demanding 100,000 records above the usual backlog leaves no demo spike standing.
    app.number_input(key="tune-backlog_spike-spike_min_records").set_value(100_000).run()
    assert_clean(app)
    assert counts(app) == (0, saved)
    assert snapshot(demo_store) == before
    assert config.read_text(encoding="utf-8") == SAVED


def test_a_check_without_a_series_previews_its_episode_list(demo_store: Store, dashboard):
    app = open_page(dashboard(demo_store.path), "rulebook")
    app.selectbox(key="tune-check").set_value("stale_data").run()
    app.toggle(key="tune-preview").set_value(True).run()
    assert_clean(app)
    assert counts(app)[0] == counts(app)[1]
    assert not app.get("plotly_chart")
    table = next(d.value for d in app.dataframe if "opened" in d.value.columns)
    assert list(table.columns) == ["subject", "opened", "resolved", "severity", "title"]
