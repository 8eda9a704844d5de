"""Where an incident card leads, for each kind of cause (the demo covers backlog and access)."""

from __future__ import annotations

from dashboard.incident_links import findings_link, problem_link
from monitor.incidents import group_findings


def finding(check: str, subject: str, **evidence: object) -> dict:
    return {
        "check": check,
        "severity": "warning",
        "subject": subject,
        "title": f"{check} on {subject}",
        "owner": "Salesforce admin",
        "first_seen": "2026-11-20T10:00:00+00:00",
        "evidence": evidence,
        "instance": "prod",
        "fingerprint": f"{check}|{subject}",
    }


def test_a_schema_change_leads_to_the_schema_guard_a_lone_spike_to_its_backlog():
    incidents = group_findings(
        [
            finding("schema_drift", "Lead.Score__c", cause_key="schema_change:Lead|2026-11-20"),
            finding("backlog_spike", "Lead/marketo_to_sfdc"),
            finding("stuck_records", "Lead"),
        ]
    )
    schema, spike, other = (
        next(i for i in incidents if i.findings[0]["check"] == check)
        for check in ("schema_drift", "backlog_spike", "stuck_records")
    )
    assert problem_link(schema, "prod").page == "dashboard/pages/schema.py"
    link = problem_link(spike, "prod")
    assert (link.page, link.query_params) == (
        "dashboard/pages/backlog.py",
        {"instance": "prod", "object": "Lead", "direction": "marketo_to_sfdc"},
    )
    assert "Marketo → Salesforce" in link.label
    assert problem_link(other, "prod") == findings_link(other, "prod")
    assert findings_link(other, "prod").query_params == {"instance": "prod", "incident": other.id}
