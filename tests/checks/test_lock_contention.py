"""lock_contention: sync errors in -> expected findings out, including explicit no-alert cases.

Errors are written through monitor.store.sync_errors.write_sync_errors (the path importers,
collectors
and the demo share) into a real DuckDB file, and read back by the check's own queries.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks import lock_contention
from checks.base import check_from_module
from monitor.runner import run_checks
from monitor.store import Store
from tests.checks.harness import Case, assert_documented, assert_headline, scenario
from tests.checks.sync_error_cases import SyncErrorJudge
from tests.conftest import export_reaches
from tests.sync_errors import SyncError, import_export, write_errors

CHECK = check_from_module(lock_contention)
INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a Friday afternoon
JUDGE = SyncErrorJudge(CHECK, NOW, INSTANCE)
NIGHTLY = NOW.replace(hour=2, minute=0)  # today's 02:00 UTC, when the nightly job runs
LOCKED = "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record"
ENTITY_LOCKED = "ENTITY_IS_LOCKED: the entity is locked for editing"
TIMEOUT = "QUERY_TIMEOUT: Your query request was running for too long."
VALIDATION = "FIELD_CUSTOM_VALIDATION_EXCEPTION: Postal Code is required for US accounts"


def burst(
    start: datetime,
    count: int,
    *,
    object_name: str = "Account",
    details: str = LOCKED,
    every: timedelta = timedelta(minutes=5),
    records: int | None = None,
) -> list[SyncError]:
    """`count` errors from `start`, one per `every`, on `records` distinct records (default:
    one record each)."""
    distinct = records or count
    return [
        SyncError(start + i * every, object_name, details, f"0015e00000LOCK{i % distinct:03d}")
        for i in range(count)
    ]


def nightly(days: int, count: int = 12, hour: int = 2) -> list[SyncError]:
    """A bulk job that locks `count` accounts at `hour`:00 UTC on each of the last `days` days."""
    at = NOW.replace(hour=hour, minute=0)
    return [e for day in range(days) for e in burst(at - timedelta(days=day), count)]


def trickle(hours: int = 24, per_hour: int = 2) -> list[SyncError]:
    """The normal background: a couple of lock errors every hour, retried and gone."""
    start = NOW - timedelta(hours=hours) + timedelta(minutes=7)
    return burst(start, hours * per_hour, every=timedelta(minutes=60 // per_hour))


CASES = [
    scenario("stays_silent_on_a_steady_trickle", lambda: trickle(), "silent"),
    scenario("stays_silent_without_any_errors", lambda: [], "silent"),
    scenario(
        "fires_when_one_hour_reaches_burst_min_errors",
        lambda: trickle() + burst(NOW - timedelta(hours=3), 10),
        "warning",
    ),
    scenario(
        "stays_silent_one_error_below_burst_min_errors",
        lambda: burst(NOW - timedelta(hours=3), 9),
        "silent",
    ),
    scenario(
        "counts_entity_is_locked_too",
        lambda: burst(NOW - timedelta(hours=3), 10, details=ENTITY_LOCKED),
        "warning",
    ),
    scenario(
        "ignores_other_transient_errors_such_as_query_timeout",
        lambda: burst(NOW - timedelta(hours=3), 30, details=TIMEOUT),
        "silent",
    ),
    scenario(
        "ignores_a_burst_of_validation_errors",
        lambda: burst(NOW - timedelta(hours=3), 30, details=VALIDATION),
        "silent",
    ),
    scenario(
        "stays_silent_when_24_errors_spread_over_6_hours",
        lambda: burst(NOW - timedelta(hours=6), 24, every=timedelta(minutes=15)),
        "silent",
    ),
    scenario(
        "counts_per_clock_hour_so_a_burst_split_7_and_7_stays_silent",
        lambda: burst(NOW.replace(hour=9, minute=46), 14, every=timedelta(minutes=2)),
        "silent",
    ),
    scenario(
        "stays_silent_on_a_burst_older_than_lookback_hours",
        lambda: burst(NOW - timedelta(hours=30), 40),
        "silent",
    ),
    scenario(
        "fires_on_that_burst_with_a_longer_lookback_hours",
        lambda: burst(NOW - timedelta(hours=30), 40),
        "warning",
        lookback_hours=48,
    ),
    scenario("ignores_errors_after_now", lambda: burst(NOW + timedelta(minutes=5), 40), "silent"),
    scenario(
        "burst_min_errors_is_configurable",
        lambda: burst(NOW - timedelta(hours=3), 10),
        "silent",
        burst_min_errors=11,
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_lock_contention_scenario(store: Store, case: Case):
    assert JUDGE.written_case(store, case).outcome("Account") == case.expect


def test_lock_contention_reports_the_worst_hour_totals_and_distinct_records(store: Store):
    worst_start = NOW.replace(hour=11, minute=0)
    write_errors(
        store,
        trickle()
        + burst(worst_start, 30, every=timedelta(minutes=2), records=12)
        + burst(NOW.replace(hour=13, minute=0), 10, details=ENTITY_LOCKED),
    )
    [finding] = JUDGE.evaluate(store)
    evidence = finding.evidence
    assert_headline(finding, "lock_contention", "Account", "warning", "Salesforce admin")
    assert evidence["worst_hour_utc"] == "2026-11-20 11:00:00+00:00"
    assert evidence["worst_hour_errors"] == 30 + 2  # the burst plus that hour's trickle
    assert evidence["burst_hours"] == 2
    assert evidence["total_errors"] == 48 + 30 + 10
    # trickle: 48 records; the worst burst reuses 12 of them; the 13:00 burst reuses 10.
    assert evidence["records"] == 48
    assert evidence["codes"] == "ENTITY_IS_LOCKED, UNABLE_TO_LOCK_ROW"
    assert evidence["sample_record_ids"] == [f"0015e00000LOCK{i:03d}" for i in range(5)]
    assert evidence["first_seen"].startswith("2026-11-19 15:07")
    assert evidence["last_seen"].startswith("2026-11-20 14:37")
    assert "11:00 UTC" in finding.title
    assert "2026-11-20 11:00 UTC" in finding.detail
    assert "one-off" in finding.detail


def test_lock_contention_names_the_earliest_of_two_equally_bad_hours(store: Store):
    write_errors(store, burst(NOW.replace(hour=4), 12) + burst(NOW.replace(hour=9), 12))
    [finding] = JUDGE.evaluate(store)
    assert finding.evidence["worst_hour_utc"].startswith("2026-11-20 04:00")


def test_lock_contention_names_a_burst_recurring_at_the_same_utc_hour(store: Store):
    write_errors(store, nightly(days=7))
    [finding] = JUDGE.evaluate(store)
    evidence = finding.evidence
    assert evidence["recurring"] is True
    assert evidence["worst_hour_recurs"] is True
    assert evidence["recurring_hours_utc"] == ["02:00"]
    assert evidence["burst_days_by_hour_utc"] == {"02:00": 7}
    assert "Bursts recur at 02:00 UTC (7 of the last 7 days)" in finding.detail
    assert "scheduled job" in finding.detail
    assert finding.title.endswith("(02:00 UTC), as on other days")


@pytest.mark.parametrize(
    ("days", "expect"),
    [
        pytest.param(2, False, id="two_nights_are_not_yet_a_schedule"),
        pytest.param(3, True, id="three_nights_are_recurring_min_days"),
    ],
)
def test_lock_contention_needs_recurring_min_days_to_call_a_burst_scheduled(
    store: Store, days: int, expect: bool
):
    write_errors(store, nightly(days=days))
    [finding] = JUDGE.evaluate(store)
    assert finding.evidence["recurring"] is expect


def test_lock_contention_looks_for_recurrence_only_within_training_days(store: Store):
    # Today's burst, and the same job 8 to 12 days ago: outside the 7-day training window.
    old_nights = [e for e in nightly(days=13) if e[0] < NIGHTLY - timedelta(days=7)]
    write_errors(store, burst(NIGHTLY, 12) + old_nights)
    [within_a_week] = JUDGE.evaluate(store)
    assert within_a_week.evidence["recurring"] is False
    [within_two_weeks] = JUDGE.evaluate(store, training_days=14)
    assert within_two_weeks.evidence["recurring"] is True


def test_lock_contention_names_the_recurring_hour_even_when_today_is_worse_elsewhere(
    store: Store,
):
    write_errors(store, nightly(days=5) + burst(NOW.replace(hour=10), 40, every=timedelta(0)))
    [finding] = JUDGE.evaluate(store)
    assert finding.evidence["worst_hour_utc"].startswith("2026-11-20 10:00")
    assert finding.evidence["recurring_hours_utc"] == ["02:00"]
    assert finding.evidence["worst_hour_recurs"] is False
    assert "as on other days" not in finding.title
    assert "02:00 UTC (5 of the last 7 days)" in finding.detail


def test_lock_contention_reports_each_object_on_its_own(store: Store):
    write_errors(
        store,
        burst(NOW - timedelta(hours=2), 15)
        + burst(NOW - timedelta(hours=2), 6, object_name="Contact")
        + burst(NOW - timedelta(hours=5), 11, object_name="Lead"),
    )
    results = JUDGE.evaluate(store)
    assert [r.subject for r in results] == ["Account", "Lead"]
    assert results.outcome("Contact") == "silent"


def test_lock_contention_runbook_says_how_to_fix_and_settings_have_help():
    assert_documented(CHECK, "fix")
    assert CHECK.defaults() == {
        "lookback_hours": 24,
        "burst_min_errors": 10,
        "training_days": 7,
        "recurring_min_days": 3,
    }


def test_lock_contention_through_the_runner_opens_then_resolves(store: Store, tmp_path: Path):
    errors = nightly(days=4) + trickle()
    import_export(store, tmp_path / "sync-errors.csv", [e.export_line() for e in errors], INSTANCE)

    summary = run_checks(store, INSTANCE, NOW, checks=[CHECK])

    assert summary.failed_checks == {}
    assert [(t.subject, t.transition) for t in summary.transitions] == [("Account", "opened")]
    opened = store.query("findings_open", instance=INSTANCE)
    assert opened["subject"].tolist() == ["Account"]
    evidence = json.loads(opened["evidence"].iloc[0])
    assert evidence["worst_hour_errors"] == 12 + 2  # tonight's job plus the trickle at 02:xx
    assert evidence["recurring_hours_utc"] == ["02:00"]

    # The job is moved off the sync's hours: a day later's export has no burst any more.
    export_reaches(store, INSTANCE, NOW + timedelta(days=1, hours=1))
    later = run_checks(store, INSTANCE, NOW + timedelta(days=1, hours=1), checks=[CHECK])
    assert [(t.subject, t.transition) for t in later.transitions] == [("Account", "resolved")]
    assert store.query("findings_open", instance=INSTANCE).empty
