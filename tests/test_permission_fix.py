"""The fix package: a permission set Salesforce accepts (compared with a real one), granting
exactly the access the sync user lost on the demo, never a grant Salesforce cannot give."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pandas as pd

from monitor.permission_fix import (
    NAMESPACE,
    Grant,
    click_path,
    container_of,
    file_name,
    grants,
    permission_set_xml,
    removals,
)
from tests.conftest import DEMO_NOW, REPO

SAMPLE = REPO / "tests/fixtures/real/salesforce/dreamhouse.permissionset-meta.xml"
NS = f"{{{NAMESPACE}}}"


def _local(element: ET.Element) -> str:
    return element.tag.removeprefix(NS)


def _children(root: ET.Element, name: str) -> list[list[str]]:
    return [[_local(c) for c in element] for element in root.findall(NS + name)]


def _checklist(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["object", "field", "needs", "grant"])


NO_FIELDS = pd.DataFrame(columns=["object", "field", "calculated"])


def test_the_xml_has_salesforces_names_and_order():
    sample = ET.parse(SAMPLE).getroot()
    chosen = [
        Grant("Lead", "Rating", True),
        Grant("Account", "Type", False),
        Grant("Campaign", "", True),
    ]
    ours = ET.fromstring(permission_set_xml(chosen, description="why"))
    assert ours.tag == sample.tag == f"{NS}PermissionSet"
    for name in ("fieldPermissions", "objectPermissions"):
        assert {tuple(c) for c in _children(ours, name)} == {tuple(_children(sample, name)[0])}
    top = [_local(c) for c in ours]
    assert top == sorted(top)  # Salesforce writes (and we write) the fields sorted by name
    known = {_local(c) for c in sample} | {"description"}
    assert set(top) <= known
    assert ours.findtext(f"{NS}label")


def test_a_grant_gives_read_or_edit_never_delete_view_all_or_modify_all():
    root = ET.fromstring(
        permission_set_xml([Grant("Campaign", "", False), Grant("Lead", "Rating", False)])
    )
    campaign = {_local(c): c.text for c in root.find(f"{NS}objectPermissions")}
    assert campaign == {
        "allowCreate": "false",
        "allowDelete": "false",
        "allowEdit": "false",
        "allowRead": "true",
        "modifyAllRecords": "false",
        "object": "Campaign",
        "viewAllRecords": "false",
    }
    rating = {_local(c): c.text for c in root.find(f"{NS}fieldPermissions")}
    assert rating == {"editable": "false", "field": "Lead.Rating", "readable": "true"}
    assert file_name("X") == "X.permissionset-meta.xml"


def test_system_and_formula_fields_are_never_granted():
    fields = pd.DataFrame(
        {
            "object": ["Lead", "Lead"],
            "field": ["Score_Band__c", "Rating"],
            "calculated": [True, False],
        }
    )
    checklist = _checklist(
        [
            ("Lead", "CreatedDate", "edit", "Grant Read and Edit ..."),
            ("Lead", "SystemModstamp", "edit", "Grant Read and Edit ..."),
            ("Lead", "Score_Band__c", "edit", "Grant Read and Edit ..."),
            ("Lead", "Rating", "edit", "Grant Read and Edit ..."),
            ("Contact", "", "edit", ""),  # advice only (no grant can fix it)
        ]
    )
    assert grants(checklist, fields) == [Grant("Lead", "Rating", True)]


def test_text_from_salesforce_is_escaped_in_the_xml():
    root = ET.fromstring(permission_set_xml([], label="A <b> & c", description="x</description>"))
    assert root.findtext(f"{NS}label") == "A <b> & c"


def test_the_demos_fix_package_grants_exactly_the_removed_access(demo_store):
    checklist = demo_store.query(
        "permission_checklist", instance="demo", since=DEMO_NOW - timedelta(days=7), until=DEMO_NOW
    )
    fields = demo_store.query("field_inventory_latest", instance="demo", now=DEMO_NOW)
    root = ET.fromstring(permission_set_xml(grants(checklist, fields)))
    editable = {
        e.findtext(f"{NS}field"): (e.findtext(f"{NS}readable"), e.findtext(f"{NS}editable"))
        for e in root.findall(f"{NS}fieldPermissions")
    }
    assert editable == {
        "Lead.Lead_Score__c": ("true", "true"),
        "Lead.Lead_Status_Reason__c": ("true", "true"),
        "Lead.Rating": ("true", "true"),
    }
    objects = {e.findtext(f"{NS}object"): e for e in root.findall(f"{NS}objectPermissions")}
    assert list(objects) == ["Campaign"]
    assert objects["Campaign"].findtext(f"{NS}allowRead") == "true"
    # Every grant restores something the profile change took away, as the snapshots show it.
    lost = demo_store.query(
        "permission_changes", instance="demo", since=DEMO_NOW - timedelta(days=30), now=DEMO_NOW
    )
    flags = ["was_readable", "was_editable", "readable", "editable"]
    lost[flags] = lost[flags].astype("boolean").fillna(False)
    lost_edit = {
        (o, f)
        for o, f, e in zip(
            lost["object"],
            lost["field"],
            lost["was_editable"] & ~lost["editable"] & lost["readable"],
            strict=True,
        )
        if e
    }
    lost_read = {
        (o, f)
        for o, f, r in zip(
            lost["object"], lost["field"], lost["was_readable"] & ~lost["readable"], strict=True
        )
        if r
    }
    assert {("Lead", f) for f in ("Lead_Score__c", "Lead_Status_Reason__c", "Rating")} == lost_edit
    assert ("Campaign", "") in lost_read


def test_the_demo_names_who_removed_the_access_where_and_when(demo_store):
    checklist = demo_store.query(
        "permission_checklist", instance="demo", since=DEMO_NOW - timedelta(days=7), until=DEMO_NOW
    )
    events = demo_store.query("access_change_events", instance="demo")
    who = removals(checklist, events).set_index(["object", "field"])
    rating = who.loc[("Lead", "Rating")]
    assert rating["container"] == "Profile Marketo Sync User"
    assert rating["actors"] == "j.smith@acme.example"
    assert rating["details"] and all("Rating" in d for d in rating["details"])
    assert pd.Timestamp(rating["changed_at"]) == pd.Timestamp("2026-11-17 13:00:00+00:00")
    assert all("Campaign object" in d for d in who.loc[("Campaign", "")]["details"])


def test_the_checklist_counts_the_chosen_time_range(demo_store):
    def records(hours: int) -> dict:
        frame = demo_store.query(
            "permission_checklist",
            instance="demo",
            since=DEMO_NOW - timedelta(hours=hours),
            until=DEMO_NOW,
        )
        return dict(zip(frame["field"], frame["records"], strict=True))

    week, two_hours = records(24 * 7), records(2)
    assert week["Lead_Score__c"] > two_hours["Lead_Score__c"] > 0
    assert two_hours["Rating"] == 0 < week["Rating"]


def test_container_names_and_click_path():
    assert container_of("Changed Campaign object permissions on profile Sync: removed Read") == (
        "Profile Sync"
    )
    assert container_of("Permission set Marketo Sync: field-level security changed") == (
        "Permission set Marketo Sync"
    )
    assert container_of("Changed password") is None
    steps = click_path([Grant("Campaign", "", True), Grant("Lead", "Rating", True)])
    assert steps[0].startswith("Setup > Permission Sets > New")
    assert any("Campaign" in s and "Read, Create and Edit" in s for s in steps)
    assert any("Rating" in s and "Read and Edit" in s for s in steps)
    assert "Assignment" in steps[-1]
