"""The weekly report's content on the demo workspace: every section there, and its numbers equal
to the store's, each queried here independently with plain SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitor.errors import ReportError
from monitor.health import health_score
from monitor.report import Report, build_report
from monitor.report.weeks import Week, last_complete_week, parse_week, recent_weeks, window_of
from monitor.store import Store
from tests.conftest import DEMO_NOW
from tests.report.data import REPORT_NOW, W46_START, W47_END, W47_START, counts, frame, scalar

WEEK = {"since": W47_START, "until": W47_END}
LAST_WEEK = {"since": W46_START, "until": W47_START}


@pytest.fixture(scope="module")
def workspace(demo_template: Path) -> Store:
    """The session's demo workspace, only read here (the report never writes)."""
    return Store(demo_template)


@pytest.fixture(scope="module")
def report(workspace: Store) -> Report:
    return build_report(workspace, week=None, instance=None, now=REPORT_NOW)


# An incident (findings sharing the evidence's cause_key, else one finding) has the severity
# of its worst finding.
INCIDENTS_BY_SEVERITY = """
    SELECT severity, count(*) AS n FROM (
        SELECT ['info', 'warning', 'critical'][max(rank)] AS severity FROM (
            SELECT coalesce(json_extract_string(f.evidence, '$.cause_key'), o.fingerprint)
                       AS incident,
                   list_position(['info', 'warning', 'critical'], o.severity) AS rank
            FROM ({open}) o JOIN findings f USING (fingerprint))
        GROUP BY incident)
    GROUP BY severity
"""


def _open_at(store: Store, moment: datetime) -> dict[str, int]:
    """Open incidents by severity at `moment`, from the lifecycle events (window functions, not
    the report's query)."""
    latest = """
        SELECT fingerprint, severity FROM (
            SELECT fingerprint, transition, severity,
                   row_number() OVER (PARTITION BY fingerprint ORDER BY changed_at DESC) AS r
            FROM finding_events WHERE changed_at < $at)
        WHERE r = 1 AND transition <> 'resolved'
    """
    return counts(store, INCIDENTS_BY_SEVERITY.format(open=latest), at=moment)


def table_of(report: Report, section: str, name: str) -> pd.DataFrame:
    """Table `name` of `section` in the report of the demo's instance."""
    return report.instances[0].section(section).table(name).frame


def test_week_text_is_an_iso_week_and_anything_else_says_what_is_expected():
    assert parse_week("2026-W47") == Week(2026, 47)
    assert parse_week("2026-w07").label == "2026-W07"
    for bad in ("2026-47", "W47", "47", "", "2026-W47x"):
        with pytest.raises(ValueError, match="expected an ISO week such as 2026-W47"):
            parse_week(bad)
    with pytest.raises(ValueError, match="2025 has no ISO week 53"):
        parse_week("2025-W53")


def test_weeks_run_monday_to_monday_utc_and_the_default_is_the_last_complete_one():
    week = parse_week("2026-W47")
    assert (week.start, week.end) == (W47_START, W47_END)
    assert week.previous().label == "2026-W46"
    assert last_complete_week(REPORT_NOW).label == "2026-W47"
    assert last_complete_week(W47_END).label == "2026-W47"  # it ended at that very instant
    assert last_complete_week(W47_END - timedelta(microseconds=1)).label == "2026-W46"
    assert [w.label for w in recent_weeks(DEMO_NOW, 3)] == ["2026-W47", "2026-W46", "2026-W45"]
    assert parse_week("2027-W01").previous().label == "2026-W53"


def test_a_week_in_progress_is_covered_up_to_the_hour_after_now():
    window = window_of(parse_week("2026-W47"), DEMO_NOW)
    assert window.is_partial
    assert window.until == DEMO_NOW + timedelta(hours=1) - timedelta(microseconds=1)
    assert window.hours == 4 * 24 + 16
    full = window_of(parse_week("2026-W46"), DEMO_NOW)
    assert not full.is_partial and full.hours == 168


def test_report_has_every_section_for_every_audience(report):
    assert report.week.label == "2026-W47" and report.scope == "all"
    assert [r.instance for r in report.instances] == ["demo"]
    demo = report.instances[0]
    assert [s.key for s in demo.sections] == ["summary", "marketo", "salesforce", "ops"]
    assert [s.audience for s in demo.sections] == [
        "everyone",
        "Marketo admins",
        "Salesforce admins",
        "Ops",
    ]
    expected = {
        "summary": {"open-incidents", "open-criticals", "errors-by-code"},
        "marketo": {"backlog-by-object", "busiest-modifiers", "sync-cycles"},
        "salesforce": {
            "permission-failures",
            "permission-drift",
            "audit-events",
            "schema-drift",
            "auth-posture",
            "reconciliation",
            "formula-fields",
            "validation-rules",
            "picklist-values",
            "validation-and-data-quality-errors",
        },
        "ops": {
            "api-budget",
            "api-consumers",
            "source-health",
            "collection-runs",
            "findings-opened-resolved",
            "week-over-week",
        },
    }
    for key, tables in expected.items():
        assert {t.key for t in demo.section(key).tables} == tables
    assert [c.key for c in demo.section("marketo").charts] == ["backlog"]
    assert [c.key for c in demo.section("summary").charts] == ["errors-per-day"]
    assert [c.key for c in demo.section("ops").charts] == ["api-budget"]


def test_health_score_and_its_change_match_the_findings_in_the_store(report, workspace):
    demo = report.instances[0]
    end, end_before = _open_at(workspace, W47_END), _open_at(workspace, W47_START)
    assert demo.health.open_by_severity == end
    assert demo.health.score == health_score(end)
    assert demo.health.previous_score == health_score(end_before)
    assert demo.health.change == health_score(end) - health_score(end_before) < 0
    # The week ended after the last check run: its end state is the dashboard's "now".
    now = counts(
        workspace,
        INCIDENTS_BY_SEVERITY.format(
            open="SELECT fingerprint, severity FROM findings WHERE status = 'open'"
        ),
    )
    assert end == now
    headline = demo.section("summary").blocks[0]
    assert headline.items[0] == (
        "Health score",
        f"{health_score(end)} / 100",
        f"−{health_score(end_before) - health_score(end)} vs last week",
    )


def test_open_criticals_are_the_critical_findings_open_at_the_end_of_the_week(report, workspace):
    table = table_of(report, "summary", "open-criticals")
    stored = frame(
        workspace,
        "SELECT check_id, subject FROM findings WHERE status = 'open' AND severity = 'critical'",
    )
    assert sorted(zip(table["check"], table["subject"], strict=True)) == sorted(
        zip(stored["check_id"], stored["subject"], strict=True)
    )
    assert ("permission_failures", "Lead.Lead_Score__c") in set(
        zip(table["check"], table["subject"], strict=True)
    )


def test_better_and_worse_name_the_changes_of_the_week(report):
    demo = report.instances[0]
    assert any(item.startswith("Permission errors: ") for item in demo.worse)
    assert any(
        "Opened (critical): permission_failures · Lead.Lead_Score__c" in i for i in demo.worse
    )
    assert any(item.startswith("Resolved: validation_rule_failures") for item in demo.better)


def test_sync_error_figures_equal_the_store_this_week_and_last(report, workspace):
    demo = report.instances[0]
    count = "SELECT count(*) FROM sync_errors WHERE occurred_at >= $since AND occurred_at < $until"
    assert demo.figures["sync_errors"] == scalar(workspace, count, **WEEK)
    assert demo.previous_figures["sync_errors"] == scalar(workspace, count, **LAST_WEEK)
    permission = count + " AND category = 'permission'"
    assert demo.figures["permission_errors"] == scalar(workspace, permission, **WEEK) > 900
    table = demo.section("summary").table("errors-by-code").frame
    assert table["errors"].sum() == scalar(workspace, count, **WEEK)
    deltas = demo.section("ops").table("week-over-week").frame.set_index("figure")
    row = deltas.loc["Sync errors"]
    assert (row["this week"], row["last week"], row["trend"]) == (
        scalar(workspace, count, **WEEK),
        scalar(workspace, count, **LAST_WEEK),
        "worse",
    )


def test_backlog_table_equals_the_stored_samples_and_marks_the_spike(report, workspace):
    table = table_of(report, "marketo", "backlog-by-object")
    contact = table[
        (table["object"] == "Contact") & (table["direction"] == "Salesforce → Marketo")
    ].iloc[0]
    metric = (
        "SELECT {agg}(value) FROM sync_stats WHERE object = 'Contact' "
        "AND direction = 'sfdc_to_marketo' AND metric = $metric "
        "AND ts >= $since AND ts < $until"
    )
    assert contact["peak backlog"] == scalar(
        workspace, metric.format(agg="max"), metric="backlog", **WEEK
    )
    assert contact["records synced"] == scalar(
        workspace, metric.format(agg="sum"), metric="throughput", **WEEK
    )
    assert contact["records changed"] == scalar(
        workspace, metric.format(agg="sum"), metric="inflow", **WEEK
    )
    assert contact["spike findings"].startswith("opened 2026-11-20 15:00 (critical)")
    assert contact["time to drain"].endswith(" h")
    assert table.iloc[0]["object"] == "Contact"  # the worst peak first
    figures = report.instances[0].figures
    assert figures["records_synced"] == scalar(
        workspace,
        "SELECT sum(value) FROM sync_stats WHERE metric = 'throughput' "
        "AND ts >= $since AND ts < $until",
        **WEEK,
    )


def test_busiest_modifier_is_the_mass_update_of_the_week(report):
    table = table_of(report, "marketo", "busiest-modifiers")
    top = table.iloc[0]
    assert (top["modifier"], top["field"]) == (
        "ops.admin@acme.example (Data Loader)",
        "Contact.Contact_Score__c",
    )


def test_permission_failures_count_the_stored_errors_and_give_the_exact_grant(report, workspace):
    table = table_of(report, "salesforce", "permission-failures")
    lead_score = table[table["field"] == "Lead_Score__c"].iloc[0]
    assert lead_score["errors"] == scalar(
        workspace,
        "SELECT count(*) FROM sync_errors WHERE category = 'permission' "
        "AND list_contains(fields, 'Lead_Score__c') AND occurred_at >= $since "
        "AND occurred_at < $until",
        **WEEK,
    )
    assert lead_score["open finding"] == "critical"
    assert lead_score["grant to make"] == (
        "Grant Read and Edit (Visible, not Read-Only) field-level security on "
        "Lead.Lead_Score__c to the sync user (Setup > Object Manager > Lead > Fields & "
        "Relationships > Lead_Score__c > Set Field-Level Security)."
    )
    # A gap known only from the permission snapshot: no errors, still the grant to make.
    campaign = table[table["object"] == "Campaign"].iloc[0]
    assert (campaign["field"], campaign["errors"]) == ("(object)", 0)
    assert campaign["grant to make"].startswith("Grant Read, Create and Edit on the Campaign")


def test_permission_drift_shows_what_changed_and_who_changed_it(report):
    drift = table_of(report, "salesforce", "permission-drift")
    row = drift[drift["field"] == "Lead_Score__c"].iloc[0]
    assert (row["access before"], row["access after"]) == ("read and edit", "read only")
    assert "none" in set(drift.loc[drift["object"] == "Campaign", "access after"])
    audit = table_of(report, "salesforce", "audit-events")
    assert set(audit["actor"]) == {"j.smith@acme.example"}
    assert any("Lead Score" in detail for detail in audit["detail"])


def test_formula_fields_are_the_calculated_fields_of_the_latest_describe(report, workspace):
    table = table_of(report, "salesforce", "formula-fields")
    stored = frame(
        workspace,
        """
        SELECT f.object, f.field FROM field_inventory f
        JOIN (SELECT scope, max(captured_at) AS at FROM snapshots
              WHERE kind = 'describe' AND captured_at < $until GROUP BY scope) l
          ON f.object = l.scope AND f.captured_at = l.at
        WHERE f.calculated
        """,
        until=W47_END,
    )
    assert sorted(zip(table["object"], table["field"], strict=True)) == sorted(
        zip(stored["object"], stored["field"], strict=True)
    )
    assert len(table) == 5


def test_validation_and_data_quality_errors_equal_the_store(report, workspace):
    rules = table_of(report, "salesforce", "validation-rules")
    per_object = counts(
        workspace,
        "SELECT object, count(*) AS n FROM sync_errors "
        "WHERE error_code = 'FIELD_CUSTOM_VALIDATION_EXCEPTION' "
        "AND occurred_at >= $since AND occurred_at < $until GROUP BY object",
        **WEEK,
    )
    assert dict(rules.groupby("object")["errors"].sum()) == per_object
    by_code = table_of(report, "salesforce", "validation-and-data-quality-errors")
    assert by_code["errors"].sum() == scalar(
        workspace,
        "SELECT count(*) FROM sync_errors WHERE category IN ('validation', 'data_quality') "
        "AND occurred_at >= $since AND occurred_at < $until",
        **WEEK,
    )
    picklist = table_of(report, "salesforce", "picklist-values")
    assert picklist.iloc[0]["bad value"] == "California"


def test_api_budget_peaks_equal_the_stored_usage(report, workspace):
    table = table_of(report, "ops", "api-budget").set_index("source")
    for source in ("salesforce", "marketo"):
        peak = scalar(
            workspace,
            "SELECT max(used / quota) FROM api_usage WHERE source = $source "
            "AND ts >= $since AND ts < $until",
            source=source,
            **WEEK,
        )
        assert table.loc[source, "peak % of quota"] == round(peak * 100, 1)
    assert (
        report.instances[0].figures["salesforce_api_peak"]
        == table.loc["salesforce", "peak % of quota"]
    )


def test_findings_opened_and_resolved_are_the_events_of_the_week(report, workspace):
    events = table_of(report, "ops", "findings-opened-resolved")
    stored = counts(
        workspace,
        "SELECT transition, count(*) AS n FROM finding_events "
        "WHERE changed_at >= $since AND changed_at < $until GROUP BY transition",
        **WEEK,
    )
    assert dict(events["transition"].value_counts()) == stored
    assert report.instances[0].figures["findings_resolved"] == 2


def test_source_health_counts_what_each_source_delivered(report, workspace):
    ops = report.instances[0].section("ops")
    health = ops.table("source-health").frame.set_index(["data", "source"])
    assert health.loc[("Sync errors", "demo"), "rows this week"] == scalar(
        workspace,
        "SELECT count(*) FROM sync_errors WHERE occurred_at >= $since AND occurred_at < $until",
        **WEEK,
    )
    assert health.loc[("API usage", "marketo"), "rows to date"] == scalar(
        workspace, "SELECT count(*) FROM api_usage WHERE source = 'marketo'"
    )
    # The demo has no collector: ops is told so instead of seeing an empty table unexplained.
    assert any(note.startswith("Collections: no collection run") for note in ops.notes)


def test_a_week_without_data_says_so_and_every_section_is_still_there(workspace):
    report = build_report(workspace, week="2026-W30", instance=None, now=REPORT_NOW)
    demo = report.instances[0]
    assert not demo.has_data
    assert [s.key for s in demo.sections] == ["summary", "marketo", "salesforce", "ops"]
    assert (
        demo.section("summary")
        .notes[0]
        .startswith("No data was recorded for this instance in 2026-W30")
    )
    marketo_notes = " ".join(demo.section("marketo").notes)
    assert "Backlog and throughput: none had arrived for this instance by the end of 2026-W30" in (
        marketo_notes
    )
    for section in demo.sections:
        assert section.charts == []
        for table in section.tables:
            if table.key not in ("source-health", "week-over-week"):
                assert table.is_empty and table.empty, table.key
    # Nothing had arrived by then: the figures are unknown, not 0.
    assert demo.figures["sync_errors"] is None
    assert demo.figures["peak_backlog"] is None


def test_a_week_that_has_not_started_is_refused_with_a_clear_message(workspace):
    with pytest.raises(ReportError, match="2026-W49 has not started yet"):
        build_report(workspace, week="2026-W49", instance=None, now=REPORT_NOW)


def test_an_unknown_instance_is_refused_naming_the_known_ones(workspace):
    with pytest.raises(ReportError, match=r"unknown instance 'nope' \(known: demo\)"):
        build_report(workspace, week=None, instance="nope", now=REPORT_NOW)


def test_a_week_in_progress_includes_the_facts_stamped_now(workspace):
    report = build_report(workspace, week="2026-W47", instance="demo", now=DEMO_NOW)
    assert report.window.is_partial
    opened = table_of(report, "ops", "findings-opened-resolved")
    assert "backlog_spike" in set(opened["check"])  # opened at 15:00, DEMO_NOW itself
    assert report.file_stem == "health-report-demo-2026-W47"


def test_an_empty_store_builds_a_report_without_instances(store):
    report = build_report(store, week=None, instance=None, now=datetime(2026, 11, 23, tzinfo=UTC))
    assert report.instances == [] and report.fleet.is_empty


def test_the_summary_lists_open_incidents_one_row_for_the_profile_change(report):
    table = table_of(report, "summary", "open-incidents")
    profile = table[table["incident"].str.contains("profile lost edit on 3 Lead fields")]
    assert len(profile) == 1
    assert profile["findings"].iloc[0] >= 10
    assert profile["fix"].iloc[0].startswith("Restore edit on Lead.Lead_Score__c")
    assert list(table["severity"][:2]) == ["critical", "critical"]
