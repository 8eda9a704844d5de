"""What checks of recent sync errors declare alike, so that their settings and evidence read
the same: the lookback they read (`LOOKBACK_HOURS`: permission_failures, picklist_data_errors,
validation_rule_failures, sync_job_failures, stuck_records; lock_contention keeps its own, whose
help names lock errors) and what the evidence of a cluster of failing records means
(`FAILED_RECORDS_EVIDENCE`: permission_failures, picklist_data_errors,
validation_rule_failures, lock_contention).
"""

from __future__ import annotations

from checks.base import Setting

LOOKBACK_HOURS = Setting(
    "lookback_hours", 24, "Sync errors younger than this many hours are considered."
)
# What a cluster of failing records' evidence holds (its errors are counted per check).
FAILED_RECORDS_EVIDENCE = {
    "records": "distinct records that failed",
    "first_seen": "first error (UTC)",
    "last_seen": "last error (UTC)",
    "sample_record_ids": "a few failing record ids",
}
