"""Per-object overrides: [checks.<id>.per_object.<Object>] in monitor.toml, read by the real
config loader, applied by the real runner to real checks on a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checks import REGISTRY, get_check
from checks.base import (
    MARKETO_ADMIN,
    PER_OBJECT,
    Check,
    Finding,
    NotEvaluated,
    Setting,
    subject_object,
)
from monitor.errors import ConfigError
from monitor.runner import open_findings, run_checks
from monitor.store import Store
from tests.conftest import DEMO_NOW, config_from_toml, export_reaches, write_throughput
from tests.sync_errors import SyncError, write_errors

INSTANCE = "prod"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
LOCKED = "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record"
LOCKS = get_check("lock_contention")


def config_checks(tmp_path: Path, toml: str) -> dict[str, dict[str, Any]]:
    """The [checks] of a monitor.toml, through the real loader."""
    return config_from_toml(tmp_path, toml).checks


def write_locks(store: Store, object_name: str, count: int, at: datetime) -> None:
    """`count` lock errors on distinct records of `object_name`, a minute apart from `at`."""
    write_errors(
        store,
        [
            SyncError(
                at + timedelta(minutes=i), object_name, LOCKED, f"{object_name}-{at:%H}-{i:03d}"
            )
            for i in range(count)
        ],
        INSTANCE,
    )


def opened(store: Store, check: str) -> dict[str, dict[str, Any]]:
    return {f["subject"]: f for f in open_findings(store, INSTANCE) if f["check"] == check}


@pytest.mark.parametrize(
    ("toml", "locks", "expect"),
    [
        pytest.param(
            "[checks.lock_contention]\nburst_min_errors = 10\n\n"
            "[checks.lock_contention.per_object.Contact]\nburst_min_errors = 20\n",
            [("Account", 12, 3), ("Contact", 12, 3)],
            {"Account"},
            id="raises_it",
        ),
        pytest.param(
            "[checks.lock_contention]\nburst_min_errors = 20\n\n"
            "[checks.lock_contention.per_object.Account]\nburst_min_errors = 5\n",
            [("Account", 6, 3), ("Contact", 6, 3), ("Lead", 25, 2)],
            {"Account", "Lead"},
            id="lowers_it",
        ),
    ],
)
def test_an_object_table_sets_the_threshold_for_that_object_only(
    store: Store, tmp_path: Path, toml: str, locks: list[tuple[str, int, int]], expect: set[str]
):
    overrides = config_checks(tmp_path, toml)
    for object_name, count, hours_ago in locks:
        write_locks(store, object_name, count, NOW - timedelta(hours=hours_ago))

    summary = run_checks(store, INSTANCE, NOW, overrides=overrides, checks=[LOCKS])

    assert summary.failed_checks == {}
    assert set(opened(store, "lock_contention")) == expect


def test_an_object_table_changing_a_query_parameter_reloads_that_objects_data(
    store: Store, tmp_path: Path
):
    overrides = config_checks(
        tmp_path, "[checks.lock_contention.per_object.Contact]\nlookback_hours = 48\n"
    )
    for object_name in ("Account", "Contact"):
        write_locks(store, object_name, 15, NOW - timedelta(hours=30))
    export_reaches(store, INSTANCE, NOW)  # the export runs up to NOW: the bursts are 30 h old

    run_checks(store, INSTANCE, NOW, overrides=overrides, checks=[LOCKS])

    found = opened(store, "lock_contention")
    assert set(found) == {"Contact"}
    assert found["Contact"]["evidence"]["total_errors"] == 15


def test_an_object_table_applies_to_a_single_subject_check(store: Store, tmp_path: Path):
    check = get_check("task_volume")
    write_throughput(store, {"Task": 60, "Lead": 40}, end=NOW, instance=INSTANCE)
    run_checks(store, INSTANCE, NOW, checks=[check])
    assert set(opened(store, "task_volume")) == {"Task"}

    relaxed = config_checks(
        tmp_path, "[checks.task_volume.per_object.Task]\nmax_task_share = 0.7\n"
    )
    run_checks(store, INSTANCE, NOW + timedelta(minutes=5), overrides=relaxed, checks=[check])
    assert opened(store, "task_volume") == {}


def test_per_object_tables_live_beside_a_setting_named_objects(demo_store: Store, tmp_path: Path):
    overrides = config_checks(
        tmp_path,
        '[checks.formula_fields]\nobjects = ["Lead", "Account"]\n\n'
        "[checks.formula_fields.per_object.Lead]\n"
        'ignore_fields = ["Lead.Lead_Age_Days__c"]\n',
    )
    run_checks(
        demo_store, "demo", DEMO_NOW, overrides=overrides, checks=[get_check("formula_fields")]
    )
    subjects = {
        f["subject"] for f in open_findings(demo_store, "demo") if f["check"] == "formula_fields"
    }
    assert "Lead.Lead_Age_Days__c" not in subjects
    assert {"Lead.Owner_Region__c", "Account.Owner_Manager_Name__c"} <= subjects
    assert not any(s.startswith(("Contact.", "Opportunity.")) for s in subjects)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        pytest.param(
            "[checks.lock_contention.per_object.Contact]\nburst_errors = 20\n",
            "check lock_contention: per_object.Contact: unknown setting 'burst_errors' (known: ",
            id="an_unknown_setting_in_an_object_table",
        ),
        pytest.param(
            "[checks.lock_contention]\nper_object = 3\n",
            "check lock_contention: per_object must hold one table of settings per object, "
            "e.g. [checks.lock_contention.per_object.Task]",
            id="per_object_that_is_not_a_table",
        ),
        pytest.param(
            "[checks.lock_contention.per_object]\nContact = 20\n",
            "per_object must hold one table of settings per object",
            id="an_object_given_a_value_instead_of_a_table",
        ),
        pytest.param(
            '[checks.lock_contention.per_object."Lead Score"]\nburst_min_errors = 2\n',
            "check lock_contention: per_object.'Lead Score' is not an object API name",
            id="an_object_name_that_is_not_an_api_name",
        ),
    ],
)
def test_a_bad_object_table_is_a_config_error_naming_it(
    store: Store, tmp_path: Path, toml: str, message: str
):
    overrides = config_checks(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        run_checks(store, INSTANCE, NOW, overrides=overrides)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_resolved_settings_keep_the_check_wide_values_for_pages_and_listings():
    overrides = {"burst_min_errors": 12, PER_OBJECT: {"Contact": {"burst_min_errors": 30}}}
    assert LOCKS.resolve_settings(overrides)["burst_min_errors"] == 12
    assert PER_OBJECT not in LOCKS.resolve_settings(overrides)
    assert LOCKS.object_settings(overrides)["Contact"]["burst_min_errors"] == 30
    assert LOCKS.object_settings(overrides)["Contact"]["lookback_hours"] == 24
    assert LOCKS.object_settings({"burst_min_errors": 12}) == {}


@pytest.mark.parametrize(
    ("subject", "expect"),
    [
        ("Lead.Rating", "Lead"),
        ("Contact/sfdc_to_marketo", "Contact"),
        ("Lead: Company is required when Status is Qualified", "Lead"),
        ("Task", "Task"),
        ("LeadHistory.Field", "LeadHistory"),
        ("Custom_Object__c.Field__c", "Custom_Object__c"),
        ("salesforce DailyApiRequests", None),
        ("Account Score", None),
        ("(unknown object)", None),
    ],
)
def test_subject_object_reads_the_object_a_subject_is_about(subject: str, expect: str | None):
    assert subject_object(subject) == expect


class ThresholdCheck:
    """Reports each scripted (subject, value) whose value reaches the `threshold` setting, and
    a NotEvaluated subject; it knows nothing of objects."""

    def __init__(self, values: dict[str, float], not_evaluated: str = "") -> None:
        self.values = values
        self.not_evaluated = not_evaluated
        self.check = Check(
            id="threshold",
            title="Threshold",
            severity="warning",
            owner=MARKETO_ADMIN,
            runbook="Why it matters: tests. How to fix: nothing.",
            settings=(Setting("threshold", 10, "Value that makes a finding."),),
            inputs={},
            evaluate=self.evaluate,
        )

    def evaluate(self, data: dict, settings: dict, now: datetime) -> list:
        results: list = [
            Finding("threshold", s, "warning", s, f"{v} >= {settings['threshold']}", MARKETO_ADMIN)
            for s, v in self.values.items()
            if v >= settings["threshold"]
        ]
        if self.not_evaluated:
            results.append(NotEvaluated("threshold", self.not_evaluated, "not enough data"))
        return results


def test_each_subject_is_judged_with_its_objects_settings_and_prefixes_do_not_match(
    store: Store,
):
    scripted = ThresholdCheck(
        {"Lead.Rating": 15, "LeadHistory.Field": 15, "Account Score": 15, "Contact/x": 5}
    )
    overrides = {
        "threshold": {
            PER_OBJECT: {"Lead": {"threshold": 20}, "Contact": {"threshold": 5}},
        }
    }
    run_checks(store, INSTANCE, NOW, overrides=overrides, checks=[scripted.check])
    assert set(opened(store, "threshold")) == {"LeadHistory.Field", "Account Score", "Contact/x"}


def test_a_not_evaluated_subject_of_an_overridden_object_still_protects_its_finding(
    store: Store,
):
    overrides = {"threshold": {PER_OBJECT: {"Lead": {"threshold": 20}}}}
    run_checks(store, INSTANCE, NOW, checks=[ThresholdCheck({"Lead.Rating": 25}).check])
    assert set(opened(store, "threshold")) == {"Lead.Rating"}

    later = ThresholdCheck({}, not_evaluated="Lead.Rating")
    summary = run_checks(
        store, INSTANCE, NOW + timedelta(hours=1), overrides=overrides, checks=[later.check]
    )
    assert [n.subject for n in summary.not_evaluated] == ["Lead.Rating"]
    assert set(opened(store, "threshold")) == {"Lead.Rating"}


def test_no_registered_check_names_a_setting_per_object():
    assert [c.id for c in REGISTRY if PER_OBJECT in c.defaults()] == []
