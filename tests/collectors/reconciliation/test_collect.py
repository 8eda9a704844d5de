"""The reconciliation sample end to end: the real simple-salesforce client and the monitor's
Marketo REST client over HTTPS to the loopback stand-ins. Salesforce answers the candidate and
`Id IN (...)` queries from records shaped like a real Lead record
(sobject_lead_record_v42.json); Marketo answers Get Leads by Filter Type (sfdcLeadId,
sfdcContactId) as Adobe documents it (leads_get_by_filter_type_response_doc.json) and its
lead describe from a real instance (leads_describe_real_instance.json). The describe snapshot
comes from a real collection cycle against the same stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.collectors.reconciliation.collect import is_due
from monitor.collectors.reconciliation.sample import seed_of
from monitor.config import Config
from monitor.store import Store
from queries import run_query
from tests.reconciliation_samples import reconcile as reconcile_with
from tests.reconciliation_samples import script_org
from tests.standins.https import trust_all
from tests.standins.marketo import MarketoStandIn
from tests.standins.salesforce import SalesforceStandIn

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CONFIG = replace(Config(salesforce_objects=("Lead", "Contact")), reconciliation_sample_size=40)


@pytest.fixture
def standins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[SalesforceStandIn, MarketoStandIn]]:
    with SalesforceStandIn() as salesforce, MarketoStandIn() as marketo:
        trust_all(monkeypatch, tmp_path, salesforce, marketo)
        yield salesforce, marketo


def reconcile(
    store: Store,
    salesforce: SalesforceStandIn,
    marketo: MarketoStandIn,
    *,
    collected: datetime = NOW - timedelta(hours=1),
    sampled: datetime = NOW,
):
    """A Salesforce cycle at `collected` (the describe), then a sample at `sampled`."""
    return reconcile_with(store, salesforce, marketo, CONFIG, collected=collected, sampled=sampled)


def test_a_sample_is_read_on_both_sides_within_its_call_budget(standins, tmp_path: Path):
    salesforce, marketo = standins
    script_org(salesforce, marketo, differing=0)
    store = Store(tmp_path / "monitor.duckdb")

    report, salesforce_calls, marketo_calls = reconcile(store, salesforce, marketo)

    assert report.errors == []
    # Salesforce: one /composite call for the 4 candidate queries, one for the 2 Id IN reads.
    assert salesforce_calls == 2
    # Marketo: the lead describe, one Get Leads by Filter Type call per object.
    assert marketo_calls == 3
    filters = [r for r in marketo.requests if r.path.endswith("/v1/leads.json")]
    assert [r.first("filterType") for r in filters] == ["sfdcLeadId", "sfdcContactId"]
    reads = [
        s.query.get("q", "") for s in salesforce.subrequests if "Id IN" in s.query.get("q", "")
    ]
    assert len(reads) == 2 and reads[0].startswith("SELECT Id, SystemModstamp, ")
    with store.read() as con:
        runs = run_query(con, "reconciliation_runs_latest", instance="prod", now=NOW)
        fields = run_query(con, "reconciliation_fields_latest", instance="prod", now=NOW)
    lead = runs[runs["object"] == "Lead"].iloc[0]
    assert (lead["recent"], lead["untouched"], lead["found_in_marketo"]) == (10, 10, 20)
    assert lead["seed"] == seed_of("prod", NOW)
    assert (lead["salesforce_calls"], lead["marketo_calls"]) == (2, 3)
    assert int(runs[runs["object"] == "Contact"].iloc[0]["found_in_marketo"]) == 10
    lead_fields = fields[fields["object"] == "Lead"].set_index("field")
    # Matched through Marketo's describe (SOAP name = Salesforce API name).
    assert lead_fields.loc["AnnualRevenue", "marketo_field"] == "annualRevenue"
    assert "Id" not in lead_fields.index and "OwnerId" not in lead_fields.index
    assert lead_fields["mismatched"].sum() == 0  # 1250000.0 == 1250000; None == unset
    assert not is_due(store, "prod", NOW + timedelta(hours=23), timedelta(hours=24))
    # The next daily run may start a few minutes earlier in its hour than this one did.
    assert is_due(store, "prod", NOW + timedelta(hours=23, minutes=57), timedelta(hours=24))


def test_differing_values_are_counted_and_stored_masked(standins, tmp_path: Path):
    salesforce, marketo = standins
    script_org(salesforce, marketo, differing=30)  # every recent lead
    store = Store(tmp_path / "monitor.duckdb")

    reconcile(store, salesforce, marketo)

    with store.read() as con:
        fields = run_query(con, "reconciliation_fields_latest", instance="prod", now=NOW)
        rows = run_query(
            con, "reconciliation_mismatches_latest", instance="prod", now=NOW, lookback_days=7
        )
    title = fields[(fields["object"] == "Lead") & (fields["field"] == "Title")].iloc[0]
    assert (title["compared"], title["mismatched"]) == (20, 10)  # the 10 recent ones drawn
    assert set(rows["stratum"]) == {"recent"}
    assert set(rows["salesforce_value"]) == {"V***"} and set(rows["marketo_value"]) == {"H***"}
    with store.read() as con:
        stored = con.execute(
            "SELECT string_agg(salesforce_value || marketo_value, '') FROM "
            "reconciliation_mismatches"
        ).fetchone()[0]
    assert "Marketing" not in stored and "Growth" not in stored


def test_the_same_day_draws_the_same_sample(standins, tmp_path: Path):
    salesforce, marketo = standins
    script_org(salesforce, marketo, differing=0)

    def reads_of(store: Store) -> list[str]:
        salesforce.subrequests.clear()
        reconcile(store, salesforce, marketo)
        return [s.query["q"] for s in salesforce.subrequests if "Id IN" in s.query.get("q", "")]

    first = reads_of(Store(tmp_path / "one.duckdb"))
    assert len(first) == 2
    assert reads_of(Store(tmp_path / "two.duckdb")) == first


def test_collect_takes_a_sample_from_the_command_line(
    standins, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    salesforce, marketo = standins
    script_org(salesforce, marketo, differing=0, now=datetime.now(UTC))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    for name, value in {
        **salesforce.secrets(),
        **marketo.secrets(),
        "MONITOR_DB": str(tmp_path / "m.duckdb"),
        "MONITOR_SALESFORCE_OBJECTS": "Lead,Contact",
        "MONITOR_RECONCILIATION_SAMPLE_SIZE": "40",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["collect"]) == 0
    capsys.readouterr()

    assert main(["collect", "--source", "reconciliation"]) == 0

    printed = capsys.readouterr().out
    assert "compared 20 Leads, 10 Contacts; 2 Salesforce and 3 Marketo calls" in printed


def test_collect_without_marketo_says_a_sample_needs_both_logins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "m.duckdb"))
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "https://127.0.0.1:9")
    monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", "t")
    for name in (
        "MARKETO_IDENTITY_URL",
        "MARKETO_BASE_URL",
        "MARKETO_CLIENT_ID",
        "MARKETO_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    assert main(["collect", "--source", "reconciliation"]) == 1
    err = capsys.readouterr().err
    assert "reads both sides" in err and len(err.strip().splitlines()) == 1


def test_a_sample_right_after_the_collection_sees_its_describe(standins, tmp_path: Path):
    """`run --once` takes the sample within the second the Salesforce cycle stored its
    describe: the sample's own time is whole seconds, the describe's is not."""
    salesforce, marketo = standins
    script_org(salesforce, marketo, differing=0)
    store = Store(tmp_path / "monitor.duckdb")
    collected = NOW + timedelta(microseconds=600_000)

    report, _, _ = reconcile(
        store,
        salesforce,
        marketo,
        collected=collected,
        sampled=collected + timedelta(microseconds=200_000),
    )

    assert report.errors == []
    with store.read() as con:
        runs = run_query(con, "reconciliation_runs_latest", instance="prod", now=NOW + timedelta(1))
    assert set(runs["object"]) == {"Lead", "Contact"}
