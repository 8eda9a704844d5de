"""The Salesforce collector: per collection window, what the sync must pull, what it pushed
and who changed the records; hourly, what the sync user can see and edit (salesforce_schema);
daily, how full the fields are and which leads share an email (salesforce_hygiene) and who
used the API pool (api_consumers_daily).

A cycle costs one API call per five synced objects: one aggregate query per object gives the
inflow (changes by others), the sync user's own writes and the modifiers, and Salesforce takes
at most five queries in one /composite call. The API budget comes free with every reply
(Sforce-Limit-Info). Each object's window starts where the last one stopped (its watermark),
and the watermark moves in the same transaction as the figures of its window: a crash loses
nothing and counts nothing twice.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from monitor.collectors.context import Cycle
from monitor.collectors.salesforce import api_consumers, audit, hygiene, schema, soql
from monitor.collectors.salesforce.client import (
    SalesforceClient,
    query_path,
    subrequest_code,
    subrequest_message,
)
from monitor.collectors.salesforce.schema import write_limits
from monitor.errors import LimitExceeded, SourceError
from monitor.store.facts import ensure_instance, insert_frame
from monitor.store.runs import CollectionReport, recorded_run
from monitor.store.watermarks import set_watermark
from monitor.vocabulary import PERMISSION_CODES, SALESFORCE_DAILY_API
from queries import run_query

log = logging.getLogger(__name__)

JOB = "salesforce"
TOP_MODIFIERS = 10  # modifiers kept per object and window (they explain a spike)
USER_ID = re.compile(r"^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")


@dataclass
class SalesforceReport(CollectionReport):
    """What one Salesforce collection cycle did (also its collection_runs row)."""

    window_end: datetime | None = None
    objects_collected: list[str] = field(default_factory=list)
    described: bool = False
    schema_changed: bool = False  # the audit trail shows a field or access change

    @property
    def has_collected(self) -> bool:
        return bool(self.objects_collected or self.described)

    def summary(self) -> str:
        text = (
            f"salesforce '{self.instance}': {len(self.objects_collected)} objects up to "
            f"{self.window_end:%Y-%m-%d %H:%M} UTC, {self.rows_written} rows, "
            f"{self.api_calls} API calls" + (", describe + permissions" if self.described else "")
        )
        return text + self.problems()


@dataclass(frozen=True)
class Window:
    """Which window a cycle collects: by default the one up to now. A backfill's past windows
    have an `end` and are not `live`: a backlog estimate only means something for the window
    that ends now (hour-long windows would put figures of another scale in the series), and an
    old setup change is no reason to describe again."""

    end: datetime | None = None
    since: datetime | None = None  # a first window starts here, not one interval back
    live: bool = True
    force_describe: bool = False


def resolve_sync_user(client: SalesforceClient, configured: str, cached: str) -> str:
    """The sync user's id: SALESFORCE_SYNC_USER as an id or a username, else the connected
    user. `cached` is 'configured|id' from an earlier cycle (saves a call per cycle)."""
    if cached and cached.rsplit("|", 1)[0] == configured:
        return cached.rsplit("|", 1)[1]
    if USER_ID.match(configured):
        return configured
    if configured:
        records = client.query_all(soql.user_by_username(configured))
        if not records:
            raise SourceError(
                f"SALESFORCE_SYNC_USER: no user with username {configured!r} is visible to the "
                "connected user"
            )
        return str(records[0]["Id"])
    return str(client.userinfo()["user_id"])


def same_user(one: str, other: str) -> bool:
    """Salesforce ids come in 15- and 18-character forms; the first 15 identify the record."""
    return one[:15] == other[:15]


def _problem(object_name: str, status: int, body: Any) -> str:
    code = subrequest_code(status, body)
    if code in PERMISSION_CODES:
        return (
            f"{object_name}: the connected user cannot query it ({code}): give it Read on "
            f"{object_name}, or remove {object_name} from salesforce_objects"
        )
    return f"{object_name}: query failed ({code}: {subrequest_message(body)[:120]})"


def _window_starts(
    objects: tuple[str, ...],
    marks: dict[str, str],
    end: datetime,
    interval: timedelta,
    since: datetime | None,
) -> dict[str, datetime]:
    """Each object's window start: its watermark, else one interval (or `since`) back."""
    starts = {}
    for name in objects:
        mark = marks.get(f"salesforce.inflow.{name}")
        start = datetime.fromisoformat(mark) if mark else (since or end - interval)
        if start < end:
            starts[name] = start
    return starts


def _modifier_counts(records: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(user id, "Name (id)", records changed) from the aggregate query's rows."""
    counts = []
    for record in records:
        user_id = str(record.get("LastModifiedById") or "")
        name = record.get("Name") or (record.get("LastModifiedBy") or {}).get("Name") or ""
        label = f"{name} ({user_id})" if name else user_id
        counts.append((user_id, label, int(record.get("expr0") or 0)))
    return counts


def collect_cycle(
    cycle: Cycle, sync_user_setting: str = "", window: Window | None = None
) -> SalesforceReport:
    """Collect one window (up to `window.end`, default the cycle's moment to the minute) for
    every object; the run is recorded however it ends."""
    window = window or Window()
    end = (window.end or cycle.now).astimezone(UTC).replace(second=0, microsecond=0)
    report = SalesforceReport(JOB, cycle.instance, cycle.now, key=end.isoformat(), window_end=end)
    cycle.report = report
    with recorded_run(cycle.store, report, client=cycle.client, calls_before=cycle.client.calls):
        marks = cycle.read_marks("salesforce.")
        try:
            sync_user = resolve_sync_user(
                cycle.client, sync_user_setting, marks.get("salesforce.sync_user", "")
            )
        except SourceError as exc:
            report.errors.append(str(exc))
            raise
        starts = _window_starts(
            cycle.config.salesforce_objects,
            marks,
            end,
            timedelta(minutes=cycle.config.salesforce_interval_minutes),
            window.since,
        )
        audit_starts = _audit_starts(marks, end, window.since, cycle.config)
        requests = {
            f"object_{name}": query_path(soql.changes_by_modifier(name, start, end))
            for name, start in starts.items()
        }
        requests |= {
            ref: query_path(query)
            for ref, query in audit.requests(audit_starts, end, sync_user).items()
        }
        try:
            answers = cycle.client.composite(requests)
        except SourceError as exc:
            report.errors.append(str(exc))
            raise
        limit_hit = any(subrequest_code(*a) == "REQUEST_LIMIT_EXCEEDED" for a in answers.values())
        # Page through long audit answers first: the store stays locked only for writing.
        audit_records = {
            ref: cycle.client.remaining_records(answers[ref][1])
            for ref in audit_starts
            if answers[ref][0] < 400
        }
        with cycle.store.write() as con:
            ensure_instance(con, cycle.instance)
            set_watermark(
                con,
                cycle.instance,
                "salesforce.sync_user",
                f"{sync_user_setting}|{sync_user}",
                cycle.now,
            )
            _store_windows(con, cycle, answers, starts, sync_user, end, window.live)
            for ref, start in audit_starts.items():
                report.rows_written += _store_audit(
                    con,
                    cycle,
                    ref,
                    answers[ref],
                    audit_records.get(ref, []),
                    sync_user,
                    (start, end),
                    live=window.live,
                )
            usage = cycle.client.api_usage()
            if usage:
                report.rows_written += write_limits(
                    con,
                    cycle.instance,
                    end,
                    {SALESFORCE_DAILY_API: {"Max": usage[1], "Remaining": usage[1] - usage[0]}},
                )
        if limit_hit:
            report.errors.append(
                "Salesforce's daily API request limit is used up "
                "(REQUEST_LIMIT_EXCEEDED); the cycle stopped"
            )
            raise LimitExceeded(report.errors[-1])
        due = schema.is_due(marks, cycle.now, cycle.config.describe_interval_minutes)
        # A field, profile or permission set change in the audit trail: describe now, not in
        # an hour.
        if window.force_describe or due or report.schema_changed:
            try:
                _collect_schema_and_hygiene(cycle, sync_user)
            except LimitExceeded as exc:
                # The figures of this window are stored: the run says where it stopped.
                report.errors.append(f"schema pass stopped: {exc}")
                raise
        if window.live and api_consumers.is_due(marks, cycle.now):
            # Once a day: who used the API pool (about 2 calls, counted in this run's calls).
            rows, problems = api_consumers.collect_consumers(cycle, sync_user)
            report.rows_written += rows
            report.errors += problems
    return report


def _audit_starts(
    marks: dict[str, str], end: datetime, since: datetime | None, config
) -> dict[str, datetime]:
    """Where the audit trail and the login history windows start (their watermarks)."""
    interval = timedelta(minutes=config.salesforce_interval_minutes)
    starts = {
        ref: datetime.fromisoformat(marks[mark]) if mark in marks else (since or end - interval)
        for ref, mark in audit.WATERMARKS.items()
    }
    return {ref: start for ref, start in starts.items() if start < end}


def _store_windows(
    con: duckdb.DuckDBPyConnection,
    cycle: Cycle,
    answers: dict[str, tuple[int, Any]],
    starts: dict[str, datetime],
    sync_user: str,
    end: datetime,
    live: bool,
) -> None:
    """Each object's figures of the window (written in one insert per table: far cheaper than
    per object), with its watermark."""
    report = cycle.report
    basis = run_query(con, "salesforce_backlog_basis", instance=cycle.instance, now=end)
    since_pull = dict(zip(basis["object"], basis["inflow_since_pull"], strict=True))
    stats_rows: list[tuple] = []
    change_rows: list[tuple] = []
    for name in starts:
        status, body = answers[f"object_{name}"]
        mark = f"salesforce.inflow.{name}"
        if status >= 400:
            report.errors.append(_problem(name, status, body))
            if mark not in cycle.marks:
                # A first window that failed: pin its start, so it is not skipped later.
                set_watermark(con, cycle.instance, mark, starts[name].isoformat(), cycle.now)
            continue  # its watermark stays: the next cycle covers this window too
        counts = _modifier_counts(body.get("records", []))
        pushed = sum(n for user, _, n in counts if same_user(user, sync_user))
        inflow = sum(n for user, _, n in counts if not same_user(user, sync_user))
        # The sync user's own writes are what it pushed: Marketo -> Salesforce throughput.
        stats_rows += [
            (name, "sfdc_to_marketo", "inflow", float(inflow), "reported"),
            (name, "marketo_to_sfdc", "throughput", float(pushed), "reported"),
        ]
        if live:
            backlog = float(since_pull.get(name, 0)) + inflow
            stats_rows.append((name, "sfdc_to_marketo", "backlog", backlog, "estimated"))
        others = sorted(
            ((label, n) for user, label, n in counts if not same_user(user, sync_user)),
            key=lambda item: -item[1],
        )[:TOP_MODIFIERS]
        change_rows += [(name, label, n) for label, n in others]
        set_watermark(con, cycle.instance, mark, end.isoformat(), cycle.now)
        report.objects_collected.append(name)
    stats = pd.DataFrame(
        stats_rows, columns=["object", "direction", "metric", "value", "provenance"]
    )
    report.rows_written += insert_frame(
        con, "sync_stats", stats.assign(instance=cycle.instance, ts=end)
    )
    changes = pd.DataFrame(change_rows, columns=["object", "modifier", "changes"]).assign(
        instance=cycle.instance, ts=end, field="", provenance="reported"
    )
    report.rows_written += insert_frame(con, "change_counts", changes)


def _collect_schema_and_hygiene(cycle: Cycle, sync_user: str) -> None:
    """Describe + permissions (hourly, or at once after a schema change in the audit trail);
    fill counts and duplicates at most once a day."""
    report = cycle.report
    rows, problems = schema.collect_schema(cycle, sync_user)
    report.rows_written += rows
    report.errors += problems
    report.described = True
    if hygiene.is_due(cycle.marks, cycle.now):
        rows, problems = hygiene.collect_hygiene(cycle)
        report.rows_written += rows
        report.errors += problems


def _store_audit(
    con: duckdb.DuckDBPyConnection,
    cycle: Cycle,
    ref: str,
    answer: tuple[int, Any],
    records: list[dict[str, Any]],
    sync_user: str,
    window: tuple[datetime, datetime],
    *,
    live: bool,
) -> int:
    """Audit trail or login history of the window; its watermark moves with the rows."""
    status, body = answer
    mark = audit.WATERMARKS[ref]
    start, end = window
    if status >= 400:
        cycle.report.errors.append(audit.refusal(ref, subrequest_code(status, body)))
        if mark not in cycle.marks:
            # A first window that was refused: keep its start, so that once the permission is
            # granted the changes made meanwhile are still read (Salesforce keeps 180 days).
            set_watermark(con, cycle.instance, mark, start.isoformat(), cycle.now)
        return 0
    if live and ref == audit.AUDIT and any(audit.touches_schema(r) for r in records):
        cycle.report.schema_changed = True
    frame = (
        audit.audit_rows(cycle.instance, records)
        if ref == audit.AUDIT
        else audit.login_rows(cycle.instance, sync_user, records)
    )
    added = insert_frame(con, "audit_events", frame)
    set_watermark(con, cycle.instance, mark, end.isoformat(), cycle.now)
    return added


def backfill(
    cycle: Cycle,
    since: datetime,
    *,
    step: timedelta = timedelta(hours=1),
    sync_user_setting: str = "",
    progress=None,
) -> list[SalesforceReport]:
    """Fill history window by window from `since` (or where an interrupted backfill stopped:
    every window moves the watermarks) up to now; one API call per window, each window a
    cycle (and a run) of its own."""
    reports = []
    end = cycle.now.astimezone(UTC).replace(second=0, microsecond=0)
    marks = cycle.read_marks("salesforce.")
    # Resume where the least advanced object stopped; a window never starts before `since`
    # (an object whose watermark is older gets one longer first window).
    reached = [
        datetime.fromisoformat(marks[f"salesforce.inflow.{o}"])
        if f"salesforce.inflow.{o}" in marks
        else since
        for o in cycle.config.salesforce_objects
    ]
    cursor = max(since, min(reached))
    windows = []
    while cursor < end:
        cursor = min(cursor + step, end)
        windows.append(cursor)
    for index, window_end in enumerate(windows):
        window = Window(
            end=window_end,
            since=since,
            live=window_end == end,
            force_describe=index == len(windows) - 1,
        )
        reports.append(collect_cycle(cycle, sync_user_setting, window))
        if progress:
            progress(index + 1, len(windows), window_end)
    return reports
