"""The reconciliation job in `run`'s plan: scheduled daily only for an instance with both
logins, it reads a sample on both sides through the stand-ins, records its run with its calls,
then runs the checks; a second run the same day is idle (no calls)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config.instances import configured_instances
from monitor.schedule.jobs import plan_jobs
from monitor.schedule.scheduler import Scheduler
from monitor.store.serial import SerializedStore
from tests.reconciliation_samples import script_org
from tests.schedule.test_scheduler import config_in, runs_of
from tests.standins.https import trust_all
from tests.standins.marketo import MarketoStandIn
from tests.standins.salesforce import SalesforceStandIn


def test_the_daily_sample_is_scheduled_with_both_logins_and_runs_once_a_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with SalesforceStandIn() as salesforce, MarketoStandIn() as marketo:
        trust_all(monkeypatch, tmp_path, salesforce, marketo)
        script_org(salesforce, marketo, differing=0, now=datetime.now(UTC))
        config = config_in(tmp_path, instance="prod", salesforce_objects=("Lead", "Contact"))
        store = SerializedStore(config.db)
        secrets = {**salesforce.secrets(), **marketo.secrets()}
        plan = plan_jobs(store, config, configured_instances(config), secrets)
        specs = {spec.id: spec for spec in plan.specs}
        job = specs["reconciliation:prod"]
        assert job.schedule == "every 1 day"
        assert job.then is not None and job.then.id == "checks:prod"
        scheduler = Scheduler(store, [specs["salesforce:prod"], job])
        scheduler.publish("once")
        outcomes = dict(scheduler.run_round())
        again = job.run(datetime.now(UTC))

    outcome = outcomes[job]
    assert outcome.status == "ok", outcome.error
    assert outcome.api_calls == 5  # 2 Salesforce + 3 Marketo
    [(status, _, calls, _)] = runs_of(store, "reconciliation")
    assert status == "ok" and calls == 5
    assert again.is_idle
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM reconciliation_runs").fetchone()[0] == 2


def test_without_marketo_no_sample_is_scheduled(tmp_path: Path):
    config = config_in(tmp_path, instance="prod")
    store = SerializedStore(config.db)
    with SalesforceStandIn() as salesforce:
        plan = plan_jobs(store, config, configured_instances(config), salesforce.secrets())
    assert not any(spec.job == "reconciliation" for spec in plan.specs)
