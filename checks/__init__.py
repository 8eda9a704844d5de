"""The check registry: a plain list, in the order checks are shown."""

from __future__ import annotations

from checks import (
    api_budget,
    auth_posture,
    backlog_spike,
    custom_objects,
    duplicate_leads,
    formula_fields,
    lock_contention,
    permission_failures,
    picklist_data_errors,
    reconciliation,
    schema_drift,
    score_churn,
    silent_sync,
    source_down,
    stale_data,
    stuck_records,
    sync_filter,
    sync_job_failures,
    sync_user_drift,
    task_volume,
    unused_fields,
    validation_rule_failures,
)
from checks.base import Check, check_from_module

REGISTRY: list[Check] = [
    check_from_module(module)
    for module in (
        permission_failures,
        sync_job_failures,
        sync_user_drift,
        schema_drift,
        auth_posture,
        backlog_spike,
        api_budget,
        formula_fields,
        reconciliation,
        validation_rule_failures,
        picklist_data_errors,
        stuck_records,
        lock_contention,
        score_churn,
        task_volume,
        sync_filter,
        custom_objects,
        unused_fields,
        duplicate_leads,
        source_down,
        stale_data,
        silent_sync,
    )
]


def get_check(check_id: str) -> Check:
    """The registered check with this id."""
    for check in REGISTRY:
        if check.id == check_id:
            return check
    raise KeyError(f"no check {check_id!r}; registered: {', '.join(c.id for c in REGISTRY)}")
