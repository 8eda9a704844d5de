"""The demo workspace's reconciliation samples: a day's 200 Leads and Contacts compared the
way the reconciliation job compares them (its own compare_records, so values are masked the
same way). The simulated org's two formula fields have gone stale in Marketo on part of the
long-untouched records (their referenced Account and Owner changed, their SystemModstamp did
not); everything else matches, but for one typo that chance explains."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from monitor.collectors.demo import org as demo_org
from monitor.collectors.reconciliation.collect import SKIPPED_FIELDS, SKIPPED_TYPES, compare_records
from monitor.collectors.reconciliation.sample import FILTER_TYPES, OBJECTS
from monitor.store.reconciliation import write_reconciliation

PER_OBJECT = 100
# field -> share of the untouched records whose Marketo value is stale.
STALE = {"Lead": {"Owner_Region__c": 0.10}, "Contact": {"Account_Tier__c": 0.22}}
VALUES = {
    "string": ["Acme Corp", "Globex", "Initech", "EMEA", "North America", "Gold", "Silver"],
    "email": ["ana.garcia@acme.example", "li.wei@globex.example", "sam.o@initech.example"],
    "picklist": ["Open", "Working", "Hot", "Warm"],
    "double": [12.0, 48.0, 75.5, 130.0],
    "boolean": [True, False],
    "date": ["2026-03-01", "2026-07-15"],
}


def _specs(object_name: str) -> list[dict]:
    describe = demo_org.describe(object_name, after_profile_change=True)
    return [
        {
            "field": f["name"],
            # Marketo's REST names: lower camel case for standard fields, as is for custom.
            "marketo_field": f["name"] if f["custom"] else f["name"][0].lower() + f["name"][1:],
            "field_type": f["type"],
            "length": 255,
            "labels": {},
            "is_formula": f["calculated"],
            "is_readable": True,
        }
        for f in describe["fields"]
        if f["name"] not in SKIPPED_FIELDS
        and f["type"] not in SKIPPED_TYPES
        and f["name"] not in ("Name", "IsConverted", "ConvertedDate")
    ]


def _sample(rng: np.random.Generator, object_name: str, sampled_at: datetime):
    specs = _specs(object_name)
    records, leads, strata = [], {}, {}
    prefix = "00Q" if object_name == "Lead" else "003"
    for n in range(PER_OBJECT):
        recent = n < PER_OBJECT // 2
        age = timedelta(days=float(rng.uniform(0.2, 7) if recent else rng.uniform(90, 400)))
        record_id = f"{prefix}5e00001{n:05d}DMO"
        record = {"Id": record_id, "SystemModstamp": (sampled_at - age).isoformat()}
        lead = {"id": 800000 + n + (0 if object_name == "Lead" else 5000)}
        lead[FILTER_TYPES[object_name]] = record_id
        for spec in specs:
            choices = VALUES.get(spec["field_type"], VALUES["string"])
            value = choices[int(rng.integers(len(choices)))]
            record[spec["field"]] = value
            lead[spec["marketo_field"]] = value
            share = STALE[object_name].get(spec["field"], 0.0)
            if not recent and rng.random() < share * 2:  # the untouched half carries it all
                others = [c for c in choices if c != value]
                lead[spec["marketo_field"]] = others[int(rng.integers(len(others)))]
        records.append(record)
        leads[record_id[:15]] = lead
        strata[record_id] = "recent" if recent else "untouched"
    if object_name == "Lead":  # one typo: within chance, silent
        leads[records[3]["Id"][:15]]["company"] = "Acme Crop"
    return compare_records(
        object_name,
        records,
        leads,
        specs,
        strata,
        pd.Timestamp(sampled_at - timedelta(hours=1)),
    )


def write_reconciliation_demo(con, instance: str, now: datetime, seed: int = 7) -> int:
    """Two daily samples (yesterday's and today's); returns the rows added."""
    rows = 0
    for days_ago in (1, 0):
        sampled_at = now - timedelta(days=days_ago, hours=2)
        rng = np.random.default_rng(seed + days_ago)
        runs, fields, mismatches = [], [], []
        for object_name in OBJECTS:
            counts, field_rows, differing = _sample(rng, object_name, sampled_at)
            runs.append(
                {
                    "object": object_name,
                    "seed": seed,
                    "recent": PER_OBJECT // 2,
                    "untouched": PER_OBJECT - PER_OBJECT // 2,
                    **counts,
                    "salesforce_calls": 2,
                    "marketo_calls": 3,
                }
            )
            fields += field_rows
            mismatches += differing
        frames = {
            "runs": pd.DataFrame(runs),
            "fields": pd.DataFrame(fields),
            "mismatches": pd.DataFrame(mismatches),
        }
        rows += write_reconciliation(con, instance, sampled_at, frames, "demo")
    return rows
