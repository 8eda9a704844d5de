"""The shared vocabulary: the SQL twins of the field-name rules give what the Python rules give,
and the names are the ones the rest of the monitor relies on."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.vocabulary import (
    DIRECTION_LABELS,
    DIRECTIONS,
    KEY_PREFIXES,
    SQL_MACROS,
    field_key,
    squeezed,
)
from monitor.vocabulary.taxonomy import classify

NAMES = st.text(
    alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=40
) | st.sampled_from(["Lead_Score__c", "Lead_Score__C", "LEAD SCORE", "leadScore", "__c", ""])


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    for macro in SQL_MACROS:
        connection.execute(macro)
    yield connection
    connection.close()


@settings(max_examples=300, deadline=None)
@given(name=NAMES)
def test_field_key_in_sql_is_the_python_rule(con, name):
    assert con.execute("SELECT field_key($n), squeezed($n)", {"n": name}).fetchone() == (
        field_key(name),
        squeezed(name),
    )


def test_field_key_matches_api_names_labels_and_display_names_alike():
    assert field_key("Lead_Score__c") == field_key("Lead Score") == field_key("leadScore")
    assert field_key("Lead_Score__C") == "leadscore"  # letter case never matters
    assert field_key(None) == "" and squeezed(None) == ""


def test_sql_macros_take_null_as_empty(con):
    assert con.execute("SELECT field_key(NULL), squeezed(NULL)").fetchone() == ("", "")


def test_every_direction_has_a_label_and_every_prefix_an_object_the_taxonomy_infers():
    assert set(DIRECTION_LABELS) == set(DIRECTIONS)
    assert len(set(KEY_PREFIXES.values())) == len(KEY_PREFIXES)
    assert classify("INSUFFICIENT_ACCESS").category == "permission"
