"""Every page renders on a seeded store through Streamlit's AppTest, showing the store's numbers."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from monitor.health import health_score
from monitor.incidents import open_incidents
from monitor.runner import run_checks
from monitor.store import Store
from monitor.vocabulary import DIRECTION_LABELS
from tests.conftest import DEMO_NOW
from tests.dashboard.pages import PAGE_TITLES, open_page
from tests.sync_errors import export_line, import_export

# The reports and alerts pages have test modules of their own.
PAGES = [name for name in PAGE_TITLES if name not in ("reports", "alerts")]


@pytest.fixture
def app(demo_store: Store, dashboard):
    """An AppTest of app.py on a copy of the demo store."""
    return dashboard(demo_store.path)


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_error_and_labels_demo_data(app, name):
    open_page(app, name)
    assert PAGE_TITLES[name] in [t.value for t in app.title]
    if name != "rulebook":  # the checks page shows the registry, no data
        assert any("Demo workspace" in i.value for i in app.info)


def test_overview_health_score_counts_the_open_incidents_in_store(app, demo_store):
    # An incident: the open findings whose evidence names one cause, at its worst severity.
    with demo_store.read() as con:
        by_severity = dict(
            con.execute(
                "SELECT severity, count(*) FROM ("
                "  SELECT ['info', 'warning', 'critical'][max(list_position("
                "      ['info', 'warning', 'critical'], severity))] AS severity"
                "  FROM findings WHERE status = 'open'"
                "  GROUP BY coalesce(json_extract_string(evidence, '$.cause_key'), fingerprint))"
                " GROUP BY ALL"
            ).fetchall()
        )
    open_page(app, "overview")
    assert metric(app, "Health score") == f"{health_score(by_severity)} / 100"
    assert metric(app, "Critical incidents") == str(by_severity["critical"]) == "2"
    assert metric(app, "Warning incidents") == str(by_severity["warning"])


def shown(markdown: str) -> str:
    """What a reader sees of a Markdown body: backslash escapes (external text is escaped so
    that it stays inert, tests/dashboard/test_inert_text.py) render as the character alone."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_overview_says_what_to_do_with_one_card_per_incident(app):
    open_page(app, "overview")
    texts = [_plain(m.value) for m in app.markdown]  # what a reader sees
    assert "The sync needs action: 2 critical incidents" in texts[0]  # the answer comes first
    profile = [t for t in texts if "profile lost edit on 3 Lead fields and read on Campaign" in t]
    flood = [t for t in texts if "changed Contact.Contact_Score__c on 60,000 Contact" in t]
    assert len(profile) == 1 and len(flood) == 1
    assert "changed by j.smith@acme.example" in profile[0]
    assert any(t.startswith("**Fix:** Restore edit on Lead.Lead_Score__c") for t in texts)
    assert any("Owner: **Marketo admin** · Impact: 30,902 records waiting" in t for t in texts)
    assert not any("None" in t or "sfdc_to_marketo" in t for t in texts)


def test_overview_cards_link_to_the_page_that_shows_the_problem_and_to_their_findings(
    app, demo_store
):
    open_page(app, "overview")
    links = [
        (link.value, link.proto.page, parse_qs(link.proto.query_string)) for link in app.page_link
    ]
    incidents = {i.kind: i for i in open_incidents(demo_store, "demo")}
    flood, profile = incidents["mass_update"], incidents["access_change"]
    [spike] = [f for f in flood.findings if f["check"] == "backlog_spike"][:1]
    to_backlog = [(label, query) for label, page, query in links if page == "backlog"]
    assert to_backlog == [
        (
            "See the backlog: Contact, " + DIRECTION_LABELS[spike["evidence"]["direction"]],
            {
                "instance": ["demo"],
                "object": ["Contact"],
                "direction": [spike["evidence"]["direction"]],
            },
        )
    ]
    assert [q for _, page, q in links if page == "permissions"] == [{"instance": ["demo"]}]
    # Every card keeps its findings one click away, this incident's only.
    to_findings = {q["incident"][0] for _, page, q in links if page == "findings"}
    assert {flood.id, profile.id} <= to_findings
    assert to_findings == {i.id for i in open_incidents(demo_store, "demo")}


def test_an_incidents_details_show_its_cause_fix_and_findings_as_sentences(app, demo_store):
    [profile] = [i for i in open_incidents(demo_store, "demo") if i.kind == "access_change"]
    app.run()
    app.query_params["incident"] = profile.id
    open_page(app, "findings")
    assert [_plain(s.value) for s in app.subheader][0] == profile.title
    assert f"{len(profile.findings):,} findings" in [_plain(c.value) for c in app.caption]
    assert len(app.expander) == len(profile.findings)
    assert any(
        _plain(m.value).startswith("**Cause:** A change to the sync user's access")
        for m in app.markdown
    )
    assert not app.json  # evidence reads as a table of meanings, not raw JSON
    evidence = app.dataframe[1].value
    assert list(evidence.columns) == ["what", "value"]
    assert "None" not in set(evidence["value"])


def test_sync_errors_page_counts_the_errors_of_the_range(app, demo_store):
    app.query_params["range"] = "30d"
    open_page(app, "errors")
    with demo_store.read() as con:
        total = con.execute(
            "SELECT count(*) FROM sync_errors WHERE occurred_at >= "
            "(SELECT max(occurred_at) FROM sync_errors) - INTERVAL 30 DAY"
        ).fetchone()[0]
    shown = int(metric(app, "Errors in range").replace(",", ""))
    # The page's range ends at the newest fact, rounded to the minute.
    assert abs(shown - total) <= 2
    assert shown > 0


def _plain(markdown: str) -> str:
    """What a reader sees of markdown_literal's text: the escapes gone, code spans as they are
    (addresses and URLs are in code spans, where a backslash is a backslash)."""
    parts = re.split(r"`([^`]*)`", markdown)  # odd items: code span contents
    return "".join(p if i % 2 else re.sub(r"\\(.)", r"\1", p) for i, p in enumerate(parts))


def test_permissions_page_is_a_checklist_per_profile_with_the_whole_grant(app):
    open_page(app, "permissions")
    assert metric(app, "Permission gaps") == "4"
    assert "Profile Marketo Sync User" in [_plain(h.value) for h in app.subheader]
    items = [_plain(c.label) for c in app.checkbox]
    assert "**Lead.Lead_Score__c: Read and Edit**" in items
    assert "**Campaign (object): Read, Create and Edit**" in items  # the grant's words
    texts = [_plain(m.value) for m in app.markdown]
    # The whole grant, wrapped text (no clipped table column).
    assert any(
        t.startswith("Grant Read and Edit") and t.endswith("Set Field-Level Security).")
        for t in texts
    )
    captions = [_plain(c.value) for c in app.caption]
    removed = [c for c in captions if c.startswith("Removed by j.smith@acme.example")]
    assert len(removed) == 4 and any("Lead: Lead Score" in c for c in removed)


def test_permissions_page_counts_the_chosen_time_range(demo_store, dashboard):
    def shown(range_key: str, label: str) -> int:
        app = dashboard(demo_store.path)
        app.query_params["range"] = range_key
        open_page(app, "permissions")
        return int(metric(app, f"Failing records ({label})").replace(",", ""))

    week, day = shown("7d", "last 7 days"), shown("24h", "last 24 hours")
    assert week > day > 0
    until = DEMO_NOW
    with demo_store.read() as con:
        in_day = con.execute(
            "SELECT count(DISTINCT coalesce(sfdc_id, marketo_id)) FROM sync_errors "
            "WHERE category = 'permission' AND occurred_at > ? AND occurred_at <= ? "
            "AND list_contains(fields, 'Lead_Score__c')",
            [until - timedelta(hours=24), until],
        ).fetchone()[0]
    assert in_day > 0 and day >= in_day


def test_permissions_page_offers_the_fix_package_and_its_click_path(app):
    import xml.etree.ElementTree as ET

    open_page(app, "permissions")
    xml = next(c.value for c in app.code if c.value.startswith("<?xml"))
    root = ET.fromstring(xml)
    ns = "{http://soap.sforce.com/2006/04/metadata}"
    assert {e.findtext(f"{ns}field") for e in root.findall(f"{ns}fieldPermissions")} == {
        "Lead.Lead_Score__c",
        "Lead.Lead_Status_Reason__c",
        "Lead.Rating",
    }
    assert any("sf project deploy start" in c.value for c in app.code)
    steps = _plain(next(m.value for m in app.markdown if m.value.startswith("1. ")))
    assert "Setup > Permission Sets > New" in steps and "Manage Assignments" in steps


def test_permissions_page_shows_the_drift_of_the_profile_change(app):
    app.query_params["range"] = "30d"
    open_page(app, "permissions")
    drift = app.dataframe[-1].value
    lead_score = drift[drift["field"] == "Lead_Score__c"].iloc[0]
    assert (bool(lead_score["was_editable"]), bool(lead_score["editable"])) == (True, False)


def test_fields_page_lists_the_fields_that_became_read_only(app):
    app.query_params["range"] = "30d"
    open_page(app, "fields")
    changes = app.dataframe[-1].value
    assert set(changes.loc[changes["change"] == "became read-only", "field"]) == {
        "Lead_Score__c",
        "Lead_Status_Reason__c",
        "Rating",
    }


def test_fields_page_counts_the_formula_fields(app):
    open_page(app, "fields")
    assert metric(app, "Formula fields") == "5"
    assert any("Lead.Lead_Age_Days__c" in w.value for w in app.warning)


def test_findings_table_reads_in_words_times_with_the_zone_and_dashes(app, demo_store):
    from checks import get_check

    app.query_params["status"] = "all"
    open_page(app, "findings")
    table = app.dataframe[0].value
    with demo_store.read() as con:
        check_ids, subjects = zip(
            *con.execute(
                "SELECT check_id, subject FROM findings WHERE instance = 'demo'"
            ).fetchall(),
            strict=True,
        )
    assert len(table) == len(check_ids)
    assert set(table["check"]) == {get_check(c).title for c in set(check_ids)}
    assert not set(table["check"]) & set(check_ids)  # titles, not ids
    spikes = [s for s in subjects if "/sfdc_to_marketo" in s or "/marketo_to_sfdc" in s]
    assert spikes  # the demo's backlog spike is per object and direction
    assert not table["subject"].str.contains("sfdc_to_marketo|marketo_to_sfdc").any()
    assert table["subject"].str.contains("Salesforce → Marketo|Marketo → Salesforce").any()
    zone = r" [A-Z]{2,5}$"  # the configured zone's abbreviation, e.g. EST or UTC
    assert table["first seen"].str.contains(zone).all()
    assert (table["acknowledged"] == "—").any()
    shown = table.astype(str).to_numpy().ravel()
    assert not {"None", "nan", "NaT", "<NA>"} & set(shown)


def test_time_range_and_filters_come_from_the_url(app):
    app.query_params["range"] = "30d"
    app.query_params["status"] = "resolved"
    open_page(app, "findings")
    assert app.selectbox(key="range").value == "30d"
    assert app.radio(key="status").value == "resolved"
    assert app.query_params["range"] == "30d"


def test_acknowledging_a_finding_is_stored(app, demo_store):
    open_page(app, "findings")
    button = next(b for b in app.button if b.key and b.key.startswith("ack-"))
    fingerprint = button.key.removeprefix("ack-")
    button.click().run()
    assert not app.exception
    with demo_store.read() as con:
        acknowledged = con.execute(
            "SELECT acknowledged_at IS NOT NULL FROM findings WHERE fingerprint = $fp",
            {"fp": fingerprint},
        ).fetchone()[0]
    assert acknowledged


def test_first_start_on_an_empty_store_builds_the_demo(tmp_path, monkeypatch, dashboard):
    for name in ("SALESFORCE_INSTANCE_URL", "SALESFORCE_USERNAME", "MARKETO_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    app = dashboard(tmp_path / "fresh.duckdb", timeout=120).run()
    assert not app.exception
    assert app.selectbox(key="instance").value == "demo"
    assert Path(tmp_path / "fresh.duckdb").exists()


def test_configured_source_with_empty_store_shows_guidance_not_demo(tmp_path, dashboard):
    app = dashboard(tmp_path / "empty.duckdb", MARKETO_CLIENT_ID="configured").run()
    assert not app.exception
    assert any("store is empty" in i.value for i in app.info)
    app.switch_page("dashboard/pages/sources.py").run()
    assert not app.exception
    assert "Sources & imports" in [t.value for t in app.title]


def test_sources_page_shows_the_last_collection_and_its_problem(app, demo_store):
    with demo_store.write() as con:
        con.execute(
            "INSERT INTO collection_runs VALUES ('r1', 'demo', 'salesforce', "
            "TIMESTAMPTZ '2026-11-20 14:55:00+00', TIMESTAMPTZ '2026-11-20 14:55:03+00', "
            "'partial', 21, 2, 'Task: the connected user cannot query it (INVALID_TYPE)')"
        )
    open_page(app, "sources")
    assert any("2026-11-20 14:55 UTC: partial" in w.value for w in app.warning)
    runs = next(d.value for d in app.dataframe if "api_calls" in d.value.columns)
    assert runs.iloc[0]["error"].startswith("Task: the connected user cannot query it")


def test_checks_page_lists_every_registered_check_with_every_setting(app):
    from checks import REGISTRY

    open_page(app, "rulebook")
    labels = [e.label for e in app.expander]
    assert [label.split(" — ")[0] for label in labels] == [c.id for c in REGISTRY]
    settings = [d.value for d in app.dataframe if "setting" in d.value.columns]
    assert [list(frame["setting"]) for frame in settings] == [
        [s.name for s in c.settings] for c in REGISTRY
    ]


def test_backlog_page_shows_marketo_activity_and_why_fields_change(app, demo_store):
    open_page(app, "backlog")
    assert "Marketo sync activity" in [s.value for s in app.subheader]
    changes = next(d.value for d in app.dataframe if "source" in d.value.columns)
    # The demo's Source and Reason are the same text: shown once, not in two equal columns.
    assert "reason" not in changes.columns
    with demo_store.read() as con:
        top = con.execute(
            "SELECT primary_attribute, count(*) FROM marketo_activities "
            "WHERE activity_type = 'Change Data Value' AND occurred_at >= $since "
            "GROUP BY ALL ORDER BY 2 DESC LIMIT 1",
            {"since": DEMO_NOW - timedelta(days=7)},
        ).fetchone()
    assert (changes.iloc[0]["field"], changes.iloc[0]["changes"]) == top
    figures = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    activity = next(f for f in figures if f["layout"].get("barmode") == "stack")
    assert activity["layout"]["xaxis"]["title"]["text"] == "day (UTC)"
    assert activity["layout"]["yaxis"]["title"]["text"] == "activities per day"


def test_backlog_page_shows_who_changed_records_with_times_in_the_configured_zone(app):
    open_page(app, "backlog")
    table = next(d for d in app.dataframe if "modifier" in d.value.columns)
    shown = json.loads(table.proto.columns)
    zone = "UTC"  # the demo's configured zone
    assert shown["first_change"]["label"] == f"first change ({zone})"
    assert shown["first_change"]["type_config"]["timezone"] == zone
    assert shown["modifier"]["label"] == "changed by"


def test_overview_says_stale_not_healthy_when_the_only_export_is_old(tmp_path, dashboard):
    """An export imported long ago and nothing since: the Overview shows "Stale", lists the
    feed as stale, and never says the sync looks healthy."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from monitor.collectors.exports import import_file
    from monitor.runner import run_checks

    store = Store(tmp_path / "m.duckdb")
    export = tmp_path / "errors.csv"
    export.write_text(
        "Failed On,Date/Time,Error Type,Error Details\n"
        "Record Level,2026-01-05 10:00,Failed to update SFDC,UNABLE_TO_LOCK_ROW: busy\n",
        encoding="utf-8",
    )
    imported_at = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
    import_file(
        store, "sync-errors", export, instance="acme", zone=ZoneInfo("UTC"), now=imported_at
    )
    run_checks(store, "acme", datetime.now(UTC))
    app = dashboard(store.path)
    open_page(app, "overview")
    assert metric(app, "Health score") == "Stale"
    assert not any("looks healthy" in s.value for s in app.success)
    assert any("cannot fully judge" in w.value for w in app.warning)


def test_backlog_page_opens_on_the_open_spike_with_its_cause_above_the_modifiers(app):
    open_page(app, "backlog")
    # The demo's open spike is on Contact (Salesforce to Marketo), not the first object.
    assert app.selectbox(key="object").value == "Contact"
    assert app.radio(key="direction").value == "sfdc_to_marketo"
    assert app.query_params["object"] == ["Contact"] or app.query_params["object"] == "Contact"
    blocks = [e for e in app.main if e.type in ("markdown", "dataframe", "arrow_data_frame")]
    cause = next(
        i for i, e in enumerate(blocks) if e.type == "markdown" and "likely cause" in e.value
    )
    modifiers = next(
        i for i, e in enumerate(blocks) if e.type != "markdown" and "modifier" in e.value.columns
    )
    assert cause < modifiers


def test_backlog_chart_draws_the_expected_band_behind_one_line_per_series(app):
    open_page(app, "backlog")
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    traces = figure["data"]
    names = [t.get("name", "") for t in traces]
    band = names.index("expected (usual for the hour, up to the spike threshold)")
    assert band < names.index("backlog (peak per hour)")
    backlog = traces[names.index("backlog (peak per hour)")]
    assert "fill" not in backlog or backlog["fill"] in (None, "none")
    assert "time (" in figure["layout"]["xaxis"]["title"]["text"]


def test_backlog_now_is_the_same_number_on_the_overview_and_the_backlog_page(demo_store, dashboard):
    with demo_store.read() as con:
        expected = con.execute(
            "SELECT sum(value) FROM (SELECT arg_max(value, ts) AS value FROM sync_stats "
            "WHERE metric = 'backlog' AND ts <= ? AND ts > ? GROUP BY object, direction)",
            [DEMO_NOW, DEMO_NOW - timedelta(days=1)],
        ).fetchone()[0]
    shown = []
    for page in ("overview", "backlog"):
        app = dashboard(demo_store.path)
        open_page(app, page)
        shown.append(metric(app, "Backlog now (all objects)"))
    assert shown == [f"{expected:,.0f}"] * 2


def test_sources_page_imports_into_the_shown_instance_and_names_quarantined_files(
    demo_store, dashboard
):
    from monitor.store.quarantine import Rejected, quarantine

    with demo_store.write() as con:
        quarantine(
            con,
            "demo",
            "sync-errors",
            "/tmp/tmpk3j2x9/sync errors week 47.csv",  # where the server kept the upload
            [Rejected(3, "Date/Time: expected a date", "x,y")],
        )
    app = dashboard(demo_store.path)
    open_page(app, "sources")
    assert app.selectbox(key="import-kind").value == "sync-errors"
    assert app.text_input(key="import-instance").value == "demo"  # the sidebar's instance
    table = next(d.value for d in app.dataframe if "raw" in d.value.columns)
    assert list(table["file"]) == ["sync errors week 47.csv"]
    assert "origin" not in table.columns


def test_all_instances_lists_each_instance_worst_first_with_a_link_into_it(
    demo_store, dashboard, tmp_path
):
    # A second, real instance next to the demo: one permission failure export, checked.
    at = DEMO_NOW - timedelta(hours=2)
    import_export(
        demo_store,
        tmp_path / "errors.csv",
        [export_line(at, '"INSUFFICIENT_ACCESS_OR_READONLY: no"', 1, "00Q5e0000000001")],
        instance="prod",
    )
    run_checks(demo_store, "prod", DEMO_NOW)
    app = dashboard(demo_store.path)
    open_page(app, "fleet")
    table = app.dataframe[0].value
    assert list(table["instance"]) == ["demo (demo)", "prod"]  # the demo has 2 criticals
    by_name = table.set_index("instance")
    for name, instance in (("demo (demo)", "demo"), ("prod", "prod")):
        incidents = open_incidents(demo_store, instance)
        critical = sum(1 for i in incidents if i.severity == "critical")
        assert by_name.at[name, "open incidents"] == len(incidents)
        assert by_name.at[name, "critical incidents"] == critical
        overview = dashboard(demo_store.path)
        overview.query_params["instance"] = instance
        open_page(overview, "overview")
        assert by_name.at[name, "health"] == metric(overview, "Health score")  # as judged there
    links = [link.proto for link in app.get("page_link")]
    assert [dict(parse_qsl(link.query_string)) for link in links][:2] == [
        {"instance": "demo"},
        {"instance": "prod"},
    ]


def test_backlog_table_says_nothing_waited_recently_with_a_dash_not_none(demo_store, dashboard):
    # An object whose records never waited in the last hours: it has no recent pace.
    import pandas as pd

    from monitor.store.facts import insert_frame

    hours = pd.date_range(DEMO_NOW - timedelta(hours=6), DEMO_NOW, freq="h")
    samples = [
        {"instance": "demo", "ts": ts, "object": "Quiet__c", "direction": "sfdc_to_marketo",
         "metric": metric, "value": 0.0, "provenance": "reported"}
        for ts in hours
        for metric in ("backlog", "throughput")
    ]  # fmt: skip
    with demo_store.write() as con:
        insert_frame(con, "sync_stats", pd.DataFrame(samples))
    app = dashboard(demo_store.path)
    open_page(app, "backlog")

    table = app.dataframe[0].value.set_index("object")
    recent = table["recent_throughput_per_hour"]
    assert recent["Quiet__c"] == "—"
    assert all(re.fullmatch(r"—|\d{1,3}(,\d{3})*", value) for value in recent), list(recent)
    assert (recent != "—").sum() > 0  # the demo's busy objects do have a pace
    assert not table.isna().any().any()
