"""The Salesforce collector: per collection window, what the sync must pull, what it pushed
and who changed the records; hourly, what the sync user can see and edit (salesforce_schema);
daily, how full the fields are and which leads share an email (salesforce_hygiene).

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

from monitor.collectors.salesforce import audit, hygiene, schema, soql
from monitor.collectors.salesforce.client import (
    SalesforceClient,
    query_path,
    subrequest_code,
    subrequest_message,
)
from monitor.collectors.salesforce.schema import write_limits
from monitor.config import Config
from monitor.errors import LimitExceeded, SourceError
from monitor.store import Store, ensure_instance, insert_frame, record_run, set_watermark
from monitor.vocabulary import PERMISSION_CODES, SALESFORCE_DAILY_API
from queries import run_query

log = logging.getLogger(__name__)

JOB = "salesforce"
TOP_MODIFIERS = 10  # modifiers kept per object and window (they explain a spike)
USER_ID = re.compile(r"^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")


@dataclass
class CycleReport:
    """What one collection cycle did (also stored as its collection_runs row)."""

    instance: str
    window_end: datetime
    objects_collected: list[str] = field(default_factory=list)
    rows_written: int = 0
    api_calls: int = 0
    described: bool = False
    schema_changed: bool = False  # the audit trail shows a field or access change
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.errors:
            return "ok"
        return "partial" if self.objects_collected or self.described else "failed"

    def summary(self) -> str:
        text = (
            f"salesforce '{self.instance}': {len(self.objects_collected)} objects up to "
            f"{self.window_end:%Y-%m-%d %H:%M} UTC, {self.rows_written} rows, "
            f"{self.api_calls} API calls" + (", describe + permissions" if self.described else "")
        )
        return text + "".join(f"\n  problem: {error}" for error in self.errors)


def _watermarks(con: duckdb.DuckDBPyConnection, instance: str) -> dict[str, str]:
    frame = run_query(con, "watermarks_of", instance=instance, prefix="salesforce.")
    return dict(zip(frame["name"], frame["value"], strict=True))


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
    store: Store,
    client: SalesforceClient,
    config: Config,
    *,
    instance: str,
    now: datetime,
    sync_user_setting: str = "",
    window_end: datetime | None = None,
    since: datetime | None = None,
    force_describe: bool = False,
    live: bool = True,
) -> CycleReport:
    """Collect one window (up to `window_end`, default `now` to the minute) for every object.

    Backfill's past windows pass live=False: a backlog estimate only means something for the
    window that ends now (hour-long windows would put figures of another scale in the series),
    and an old setup change is no reason to describe again."""
    end = (window_end or now).astimezone(UTC).replace(second=0, microsecond=0)
    report = CycleReport(instance, end)
    calls_before = client.calls
    with store.read() as con:
        marks = _watermarks(con, instance)
    try:
        sync_user = resolve_sync_user(
            client, sync_user_setting, marks.get("salesforce.sync_user", "")
        )
    except SourceError as exc:
        report.errors.append(str(exc))
        _record_run(store, report, now, client.calls - calls_before)
        raise
    interval = timedelta(minutes=config.salesforce_interval_minutes)
    starts = _window_starts(config.salesforce_objects, marks, end, interval, since)
    # Composite reference ids may hold only letters, digits and underscores.
    requests = {
        f"object_{name}": query_path(soql.changes_by_modifier(name, start, end))
        for name, start in starts.items()
    }
    audit_starts = {
        ref: datetime.fromisoformat(marks[mark]) if mark in marks else (since or end - interval)
        for ref, mark in audit.WATERMARKS.items()
    }
    audit_starts = {ref: start for ref, start in audit_starts.items() if start < end}
    requests |= {
        ref: query_path(query)
        for ref, query in audit.requests(audit_starts, end, sync_user).items()
    }
    try:
        answers = client.composite(requests)
    except SourceError as exc:
        report.errors.append(str(exc))
        _record_run(store, report, now, client.calls - calls_before)
        raise
    limit_hit = any(subrequest_code(*a) == "REQUEST_LIMIT_EXCEEDED" for a in answers.values())
    # Page through long audit answers before the write: the store stays locked only for writing.
    audit_records = {
        ref: client.remaining_records(answers[ref][1])
        for ref in audit_starts
        if answers[ref][0] < 400
    }
    with store.write() as con:
        ensure_instance(con, instance)
        set_watermark(
            con, instance, "salesforce.sync_user", f"{sync_user_setting}|{sync_user}", now
        )
        basis = run_query(con, "salesforce_backlog_basis", instance=instance, now=end)
        since_pull = dict(zip(basis["object"], basis["inflow_since_pull"], strict=True))
        stats_rows: list[tuple] = []  # written in one insert each: far cheaper than per object
        change_rows: list[tuple] = []
        for name in starts:
            status, body = answers[f"object_{name}"]
            if status >= 400:
                report.errors.append(_problem(name, status, body))
                if f"salesforce.inflow.{name}" not in marks:
                    # A first window that failed: pin its start, so it is not skipped later.
                    set_watermark(
                        con, instance, f"salesforce.inflow.{name}", starts[name].isoformat(), now
                    )
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
            set_watermark(con, instance, f"salesforce.inflow.{name}", end.isoformat(), now)
            report.objects_collected.append(name)
        stats = pd.DataFrame(
            stats_rows, columns=["object", "direction", "metric", "value", "provenance"]
        )
        report.rows_written += insert_frame(
            con, "sync_stats", stats.assign(instance=instance, ts=end)
        )
        changes = pd.DataFrame(change_rows, columns=["object", "modifier", "changes"]).assign(
            instance=instance, ts=end, field="", provenance="reported"
        )
        report.rows_written += insert_frame(con, "change_counts", changes)
        for ref, start in audit_starts.items():
            report.rows_written += _store_audit(
                con,
                report,
                instance,
                ref,
                answers[ref],
                audit_records.get(ref, []),
                sync_user=sync_user,
                start=start,
                end=end,
                now=now,
                pinned=audit.WATERMARKS[ref] in marks,
                live=live,
            )
        usage = client.api_usage()
        if usage:
            report.rows_written += write_limits(
                con,
                instance,
                end,
                {SALESFORCE_DAILY_API: {"Max": usage[1], "Remaining": usage[1] - usage[0]}},
            )
    if limit_hit:
        report.errors.append(
            "Salesforce's daily API request limit is used up "
            "(REQUEST_LIMIT_EXCEEDED); the cycle stopped"
        )
        _record_run(store, report, now, client.calls - calls_before)
        raise LimitExceeded(report.errors[-1])
    due = schema.is_due(marks, now, config.describe_interval_minutes)
    # A field, profile or permission set change in the audit trail: describe now, not in an hour.
    if force_describe or due or report.schema_changed:
        try:
            _collect_schema_and_hygiene(store, client, config, report, marks, now, sync_user)
        except LimitExceeded as exc:
            # The figures of this window are stored: record the run before stopping.
            report.errors.append(f"schema pass stopped: {exc}")
            _record_run(store, report, now, client.calls - calls_before)
            raise
    _record_run(store, report, now, client.calls - calls_before)
    return report


def _collect_schema_and_hygiene(
    store: Store,
    client: SalesforceClient,
    config: Config,
    report: CycleReport,
    marks: dict[str, str],
    now: datetime,
    sync_user: str,
) -> None:
    """Describe + permissions (hourly, or at once after a schema change in the audit trail);
    fill counts and duplicates at most once a day."""
    rows, problems = schema.collect_schema(
        store,
        client,
        config.salesforce_objects,
        instance=report.instance,
        now=now,
        sync_user=sync_user,
    )
    report.rows_written += rows
    report.errors += problems
    report.described = True
    if hygiene.is_due(marks, now):
        rows, problems = hygiene.collect_hygiene(
            store, client, config.salesforce_objects, instance=report.instance, now=now
        )
        report.rows_written += rows
        report.errors += problems


def _store_audit(
    con: duckdb.DuckDBPyConnection,
    report: CycleReport,
    instance: str,
    ref: str,
    answer: tuple[int, Any],
    records: list[dict[str, Any]],
    *,
    sync_user: str,
    start: datetime,
    end: datetime,
    now: datetime,
    pinned: bool,
    live: bool,
) -> int:
    """Audit trail or login history of the window; its watermark moves with the rows."""
    status, body = answer
    mark = audit.WATERMARKS[ref]
    if status >= 400:
        report.errors.append(audit.refusal(ref, subrequest_code(status, body)))
        if not pinned:
            # A first window that was refused: keep its start, so that once the permission is
            # granted the changes made meanwhile are still read (Salesforce keeps 180 days).
            set_watermark(con, instance, mark, start.isoformat(), now)
        return 0
    if live and ref == audit.AUDIT and any(audit.touches_schema(r) for r in records):
        report.schema_changed = True
    frame = (
        audit.audit_rows(instance, records)
        if ref == audit.AUDIT
        else audit.login_rows(instance, sync_user, records)
    )
    added = insert_frame(con, "audit_events", frame)
    set_watermark(con, instance, mark, end.isoformat(), now)
    return added


def _record_run(store: Store, report: CycleReport, now: datetime, api_calls: int) -> None:
    report.api_calls = api_calls
    with store.write() as con:
        record_run(
            con,
            run_id=f"{JOB}|{report.instance}|{report.window_end.isoformat()}|{now.isoformat()}",
            instance=report.instance,
            job=JOB,
            started=now,
            finished=datetime.now(UTC),
            status=report.status,
            rows=report.rows_written,
            api_calls=api_calls,
            error="; ".join(report.errors) or None,
        )


def backfill(
    store: Store,
    client: SalesforceClient,
    config: Config,
    *,
    instance: str,
    now: datetime,
    since: datetime,
    step: timedelta = timedelta(hours=1),
    sync_user_setting: str = "",
    progress=None,
) -> list[CycleReport]:
    """Fill history window by window from `since` (or where an interrupted backfill stopped:
    every window moves the watermarks) up to now; one API call per window."""
    reports = []
    end = now.astimezone(UTC).replace(second=0, microsecond=0)
    with store.read() as con:
        marks = _watermarks(con, instance)
    # Resume where the least advanced object stopped; a window never starts before `since`
    # (an object whose watermark is older gets one longer first window).
    reached = [
        datetime.fromisoformat(marks[f"salesforce.inflow.{o}"])
        if f"salesforce.inflow.{o}" in marks
        else since
        for o in config.salesforce_objects
    ]
    cursor = max(since, min(reached))
    windows = []
    while cursor < end:
        cursor = min(cursor + step, end)
        windows.append(cursor)
    for index, window_end in enumerate(windows):
        reports.append(
            collect_cycle(
                store,
                client,
                config,
                instance=instance,
                now=now,
                sync_user_setting=sync_user_setting,
                window_end=window_end,
                since=since,
                live=window_end == end,
                force_describe=index == len(windows) - 1,
            )
        )
        if progress:
            progress(index + 1, len(windows), window_end)
    return reports
