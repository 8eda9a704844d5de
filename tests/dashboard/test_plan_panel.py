"""The Backlog page's "Plan a mass update" panel answers as the planner does."""

from __future__ import annotations

from datetime import timedelta

from monitor.planner import plan_mass_update
from monitor.planner.words import plan_lines
from monitor.vocabulary.text import markdown_literal
from tests.conftest import DEMO_NOW
from tests.dashboard.test_pages import open_page

ORDER = ["User", "Account", "Lead", "Contact", "Opportunity", "Campaign"]


def test_plan_panel_shows_the_planners_answer_for_the_form(demo_store, dashboard):
    app = open_page(dashboard(demo_store.path), "backlog")
    assert "Plan a mass update" in [s.value for s in app.subheader]
    app.selectbox(key="plan-object").set_value("Account")
    app.number_input(key="plan-records").set_value(200_000)
    next(b for b in app.button if b.label == "Plan").click().run()
    assert not app.exception, app.exception
    plan = plan_mass_update(
        demo_store,
        "demo",
        "Account",
        200_000,
        DEMO_NOW,
        start=DEMO_NOW + timedelta(hours=1),
        order=ORDER,
    )
    assert plan.status == "estimated"
    shown = " ".join(m.value for m in app.markdown)
    # The answer (when the update is fully synced, with its range) comes first, in bold.
    assert f"**{markdown_literal(plan_lines(plan)[1])}**" in [m.value for m in app.markdown]
    assert "Best start in the next 7 days" in shown


def test_backlog_page_shows_how_well_the_planner_predicted_past_spikes(demo_store, dashboard):
    from dashboard.data import round_down
    from monitor.planner.accuracy import accuracy_summary, check_past_spikes
    from monitor.planner.words import accuracy_line, accuracy_rows

    app = open_page(dashboard(demo_store.path), "backlog")
    assert not app.exception, app.exception
    assert "How well the planner predicted past spikes" in [s.value for s in app.subheader]
    checks = check_past_spikes(demo_store, "demo", round_down(DEMO_NOW, 60), order=ORDER)
    assert markdown_literal(accuracy_line(accuracy_summary(checks))) in [
        m.value for m in app.markdown
    ]
    rows = accuracy_rows(checks)
    if rows:
        table = next(d.value for d in app.dataframe if "Spike start" in d.value.columns)
        assert table.to_dict("records") == rows
