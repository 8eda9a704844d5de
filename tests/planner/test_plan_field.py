"""`--field` changes the plan: a formula field queues no sync, a field the sync user cannot
read never reaches Marketo, any other field is named in the basis. The field's state comes from
a real Account describe (tests/fixtures/real/salesforce, with the formula field
playgroundorg__Owners_Manager_Name__c) and the sync user's field permissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.planner import plan_mass_update
from monitor.planner.words import plan_lines
from monitor.store.snapshots import write_describe_snapshot, write_permission_snapshot
from tests.planner.test_planner import INSTANCE, NOW, ORDER, write_history
from tests.test_cli import monitor

DESCRIBE = (
    Path(__file__).parents[1]
    / "fixtures/real/salesforce/sobject_describe_account_with_formula_field_v53.json"
)
FORMULA = "playgroundorg__Owners_Manager_Name__c"


def write_fields(store, now: datetime) -> None:
    """The real Account describe and permissions in which the sync user cannot read Website."""
    describe = json.loads(DESCRIBE.read_text(encoding="utf-8"))
    access = [(f["name"], f["name"] != "Website", f["updateable"]) for f in describe["fields"]]
    with store.write() as con:
        write_describe_snapshot(con, INSTANCE, describe, now - timedelta(days=1), "test")
        write_permission_snapshot(con, INSTANCE, "Account", access, now - timedelta(days=1), "test")


def plan_for(store, field: str):
    return plan_mass_update(store, INSTANCE, "Account", 100_000, NOW, order=ORDER, field_name=field)


def test_a_formula_field_queues_no_sync_at_all(store):
    write_history(store, NOW)
    write_fields(store, NOW)
    plan = plan_for(store, FORMULA.lower())  # any case: Salesforce names are not case-sensitive
    assert (plan.status, plan.field_effect) == ("no_sync", "no_sync")
    assert plan.synced_at == {} and plan.best_start is None
    answer = plan_lines(plan)[1]
    assert answer.startswith(f"No sync queued: {FORMULA} (Owners Manager Name) is a formula")
    assert "SystemModstamp does not move" in answer


def test_a_field_the_sync_user_cannot_read_or_see_never_reaches_marketo(store):
    write_history(store, NOW)
    write_fields(store, NOW)
    for field, why in (("Website", "the sync user cannot read it"), ("Secret__c", "no such field")):
        plan = plan_for(store, field)
        assert (plan.status, plan.field_effect) == ("estimated", "not_received")
        lines = plan_lines(plan)
        assert lines[2].startswith(f"Warning: Marketo will not receive {field}")
        assert why in lines[2]


def test_a_synced_field_is_named_in_the_basis_and_keeps_the_estimate(store):
    write_history(store, NOW)
    write_fields(store, NOW)
    plan = plan_for(store, "Phone")
    without = plan_mass_update(store, INSTANCE, "Account", 100_000, NOW, order=ORDER)
    assert plan.field_effect == "synced" and plan.synced_at == without.synced_at
    assert "  Field: Phone (Account Phone) is in the describe of Account" in "\n".join(
        plan_lines(plan)
    )


def test_without_a_describe_the_field_effect_is_unknown(store):
    write_history(store, NOW)
    plan = plan_for(store, "Phone")
    assert plan.field_effect == "unknown" and plan.status == "estimated"
    assert "no describe of Account is stored yet" in plan.field_note


def test_the_plan_verb_says_a_formula_field_queues_no_sync(store):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    write_history(store, now - timedelta(minutes=now.minute % 5))
    write_fields(store, now)
    args = ("plan", "--object", "Account", "--records", "5000", "--field", FORMULA)
    text = monitor(*args, db=store.path)
    assert text.returncode == 0, text.stderr
    assert f"No sync queued: {FORMULA} (Owners Manager Name) is a formula" in text.stdout
    as_json = json.loads(monitor(*args, "--json", db=store.path).stdout)
    assert (as_json["status"], as_json["field_effect"]) == ("no_sync", "no_sync")
