"""`python -m monitor plan` as a user runs it, on a store whose history ends now."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.planner.test_planner import INSTANCE, write_history
from tests.test_cli import monitor


def _store_ending_now(store):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    write_history(store, now - timedelta(minutes=now.minute % 5))
    return store


def test_plan_json_answers_with_its_basis_and_range(store):
    _store_ending_now(store)
    result = monitor("plan", "--object", "Account", "--records", "100000", "--json", db=store.path)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert (plan["instance"], plan["status"], plan["records"]) == (INSTANCE, "estimated", 100_000)
    hours = plan["hours"]
    assert 0 < hours["earliest"] < hours["estimate"] < hours["latest"]
    assert plan["range_coverage"] == 0.8
    start = datetime.fromisoformat(plan["start"])
    synced = datetime.fromisoformat(plan["fully_synced_at"]["estimate"])
    assert abs((synced - start).total_seconds() / 3600 - hours["estimate"]) < 0.02
    assert [w["object"] for w in plan["waiting_behind"]] == ["Contact"]
    assert datetime.fromisoformat(plan["best_start"]["start"]) > start
    assert {b["object"] for b in plan["basis"]} == {"Account", "Contact"}


def test_plan_text_says_unknown_without_history_and_names_a_past_start(store):
    _store_ending_now(store)
    result = monitor(
        "plan", "--object", "Opportunity", "--records", "5000", "--field", "Amount", db=store.path
    )
    assert result.returncode == 0, result.stderr
    assert "5,000 Opportunity updates starting" in result.stdout
    assert "Fully synced: unknown (too little history" in result.stdout
    past = monitor(
        "plan", "--object", "Account", "--records", "10", "--at", "2020-01-01", db=store.path
    )
    assert past.returncode == 1
    assert past.stderr.strip() == (
        "error: --at 2020-01-01 00:00 UTC is in the past: plan a future start"
    )
    zero = monitor("plan", "--object", "Account", "--records", "0", db=store.path)
    assert zero.returncode == 2 and "expected a whole number above 0" in zero.stderr
