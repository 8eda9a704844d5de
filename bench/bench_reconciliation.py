"""Calls of one reconciliation sample, as the loopback Salesforce and Marketo stand-ins count
them, for a few sample sizes, next to the daily allowances and to a naive reader (one query and
one Get Lead by Id per record). Run from the repository root:

    python bench/bench_reconciliation.py [--sizes 200,600,1000] [--samples-per-day 1]

Nothing is asserted: compare the printed figures with the call budget in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.config import Config  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.reconciliation_samples import reconcile, script_org  # noqa: E402
from tests.standins.https import joined_ca_bundle  # noqa: E402
from tests.standins.marketo import MarketoStandIn  # noqa: E402
from tests.standins.salesforce import SalesforceStandIn  # noqa: E402

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SALESFORCE_DAILY = 15_000  # the smallest org's daily API requests (Developer Edition)
MARKETO_DAILY = 50_000  # Marketo's default daily quota


def measure(size: int) -> tuple[int, int, int]:
    """(Salesforce calls, Marketo calls, records compared) of one sample of `size`."""
    config = replace(
        Config(salesforce_objects=("Lead", "Contact")), reconciliation_sample_size=size
    )
    with SalesforceStandIn() as salesforce, MarketoStandIn() as marketo:
        folder = Path(tempfile.mkdtemp())
        os.environ["REQUESTS_CA_BUNDLE"] = str(joined_ca_bundle(folder, salesforce, marketo))
        script_org(salesforce, marketo, differing=0, leads=size * 2, contacts=size)
        store = Store(folder / "bench.duckdb")
        report, salesforce_calls, marketo_calls = reconcile(
            store, salesforce, marketo, config, collected=NOW, sampled=NOW
        )
        return salesforce_calls, marketo_calls, sum(report.compared.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,600,1000")
    parser.add_argument("--samples-per-day", type=int, default=1)
    args = parser.parse_args()
    per_day = args.samples_per_day
    print(f"load average {os.getloadavg()[0]:.1f}; {per_day} sample(s) a day")
    print(
        f"{'sample':>7}{'compared':>10}{'SF calls':>10}{'of 15,000/day':>15}"
        f"{'MKTO calls':>12}{'of 50,000/day':>15}{'naive SF+MKTO':>15}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        sf, mk, compared = measure(size)
        print(
            f"{size:>7,}{compared:>10,}{sf * per_day:>10,}"
            f"{sf * per_day / SALESFORCE_DAILY:>15.3%}{mk * per_day:>12,}"
            f"{mk * per_day / MARKETO_DAILY:>15.3%}{2 * size * per_day:>15,}"
        )


if __name__ == "__main__":
    main()
