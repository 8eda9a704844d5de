"""The sync's comparison rules, table-driven: what counts as the same value on both sides, and
how the sample is drawn from the strata."""

from __future__ import annotations

import pytest

from monitor.collectors.reconciliation.compare import same_value
from monitor.collectors.reconciliation.sample import draw

SAME = [
    ("double", 12.0, "12", {}),
    ("currency", 1250000.0, 1250000, {}),
    ("int", 42, "42", {}),
    ("boolean", True, "true", {}),
    ("boolean", False, None, {}),  # an unset Marketo checkbox
    ("datetime", "2026-11-20T14:05:00.000+0000", "2026-11-20T08:05:00-06:00", {}),
    ("datetime", "2026-11-20T14:05:00.000+0000", "2026-11-20T14:05:00Z", {}),
    ("date", "2026-11-20", "2026-11-20", {}),
    ("string", "Acme ", "Acme", {}),
    ("string", "", None, {}),  # blank = null
    ("textarea", "line one\r\nline two", "line one\nline two", {}),
    ("picklist", "EMEA", "Europe", {"labels": {"EMEA": "Europe"}}),
    ("picklist", "EMEA", "EMEA", {"labels": {"EMEA": "Europe"}}),
    ("string", "x" * 300, "x" * 255, {"length": 255}),  # the sync truncates
]
DIFFERENT = [
    ("double", 12.0, "13", {}),
    ("boolean", True, "false", {}),
    ("datetime", "2026-11-20T14:05:00.000+0000", "2026-11-20T14:05:00-06:00", {}),
    ("string", "Acme", "Globex", {}),
    ("string", "Acme", None, {}),
    ("picklist", "EMEA", "APAC", {"labels": {"EMEA": "Europe"}}),
    ("string", "x" * 300, "x" * 254, {"length": 255}),
]


@pytest.mark.parametrize(("kind", "salesforce", "marketo", "options"), SAME)
def test_values_the_sync_would_leave_alone_are_the_same(kind, salesforce, marketo, options):
    assert same_value(salesforce, marketo, kind, **options)


@pytest.mark.parametrize(("kind", "salesforce", "marketo", "options"), DIFFERENT)
def test_values_that_differ_are_not_the_same(kind, salesforce, marketo, options):
    assert not same_value(salesforce, marketo, kind, **options)


def test_a_sample_is_split_evenly_over_the_strata_and_reproducible():
    candidates = {"recent": [f"r{n}" for n in range(50)], "untouched": [f"u{n}" for n in range(50)]}
    drawn = draw(candidates, 20, seed=42)
    assert sum(s == "recent" for _, s in drawn) == 10
    assert len({i for i, _ in drawn}) == 20
    assert draw(candidates, 20, seed=42) == drawn
    assert draw(candidates, 20, seed=43) != drawn


def test_a_stratum_short_of_candidates_leaves_its_share_to_the_other():
    drawn = draw({"recent": ["r1", "r2"], "untouched": [f"u{n}" for n in range(50)]}, 20, seed=1)
    assert sorted(s for _, s in drawn).count("recent") == 2
    assert len(drawn) == 20


def test_an_untouched_stratum_short_of_candidates_leaves_its_share_to_the_recent_one():
    drawn = draw({"recent": [f"r{n}" for n in range(50)], "untouched": ["u1"]}, 20, seed=1)
    assert [s for _, s in drawn].count("untouched") == 1
    assert len(drawn) == 20 and len({i for i, _ in drawn}) == 20
