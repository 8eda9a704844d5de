"""The job table of `python -m monitor run`: which jobs exist for the configured instances.

    per instance   salesforce  every salesforce_interval_minutes, when its login is configured
                               (describe + permissions ride in its hourly pass, not a job)
                   marketo     every marketo_interval_minutes, when its login is configured
                   checks      after each collection (or every salesforce_interval_minutes for
                               an instance without collector), and after an inbox import
                   inbox       every inbox_interval_minutes
                   reconciliation  every reconciliation_interval_hours (a day), when both
                               logins are configured: a sample read on both sides, then checks
    all instances  alerts      every alert_group_wait_seconds
                   report      Mondays 06:00 UTC, and at start when the last one was missed
                   retention   daily

Collectors, alerts and the report are imported when their job is planned, not with this module
(they pull in HTTP clients and charting libraries that importing the job table does not need).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from monitor.collectors.context import Cycle
from monitor.collectors.exports.inbox import inbox_folder, process_inbox
from monitor.config import Config, load_zone
from monitor.config.instances import InstanceConfig, check_separate_credentials, instance_secrets
from monitor.errors import MonitorError
from monitor.schedule.scheduler import ALL_INSTANCES, JobOutcome, JobSpec
from monitor.store import Store
from monitor.store.facts import ensure_instance
from monitor.store.retention import apply_retention
from monitor.store.runs import CollectionReport
from queries import run_query

REPORT_AT = (0, 6, 0)  # Mondays 06:00 UTC
MIN_ALERT_SECONDS = 5  # a smaller group wait would poll the store for nothing


@dataclass
class Plan:
    """The jobs to schedule, and a line for each source left out and why."""

    specs: list[JobSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def last_weekly_slot(now: datetime, at: tuple[int, int, int] = REPORT_AT) -> datetime:
    """The latest weekday/hour/minute `at` (UTC) at or before `now`."""
    weekday, hour, minute = at
    moment = now.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    moment -= timedelta(days=(moment.weekday() - weekday) % 7)
    return moment if moment <= now else moment - timedelta(days=7)


def _outcome(report: CollectionReport) -> JobOutcome:
    """What a collection did, as the scheduler keeps it."""
    return JobOutcome(
        status=report.status,
        rows=int(report.rows_written),
        api_calls=int(report.api_calls),
        error="; ".join(report.errors) or None,
        summary=report.summary(),
    )


def salesforce_run(
    store: Store, config: Config, instance: InstanceConfig, secrets: Mapping[str, str], login: Any
) -> Callable[[datetime], JobOutcome]:
    """One Salesforce collection cycle; the login is kept between cycles (simple-salesforce
    renews an expired session) and made afresh after a failure."""
    from monitor.collectors.salesforce.client import SalesforceClient, connect
    from monitor.collectors.salesforce.cycle import collect_cycle

    settings = instance.applied_to(config)
    kept: dict[str, SalesforceClient] = {}

    def run(now: datetime) -> JobOutcome:
        client = kept.pop("client", None) or SalesforceClient(
            connect(login, config.salesforce_api_version)
        )
        cycle = Cycle(store, client, settings, instance.name, now)
        try:
            collect_cycle(cycle, secrets.get("SALESFORCE_SYNC_USER", ""))
        except MonitorError:
            if cycle.report is None:
                raise
            return _outcome(cycle.report)  # recorded, failed; the next cycle logs in again
        kept["client"] = client
        return _outcome(cycle.report)

    return run


def marketo_run(
    store: Store, config: Config, instance: InstanceConfig, login: Any
) -> Callable[[datetime], JobOutcome]:
    """One Marketo REST collection; the client (and its token) is kept between runs."""
    from monitor.collectors.marketo.client import MarketoClient
    from monitor.collectors.marketo.cycle import collect_marketo

    settings = instance.applied_to(config)
    kept: dict[str, Any] = {}

    def run(now: datetime) -> JobOutcome:
        client = kept.pop("client", None) or MarketoClient(login)
        cycle = Cycle(store, client, settings, instance.name, now)
        try:
            collect_marketo(cycle)
        except MonitorError:
            if cycle.report is None:
                raise
            return _outcome(cycle.report)  # recorded, failed; the next run starts afresh
        kept["client"] = client
        return _outcome(cycle.report)

    return run


def reconciliation_run(
    store: Store,
    config: Config,
    instance: InstanceConfig,
    logins: Mapping[str, Any],
) -> Callable[[datetime], JobOutcome]:
    """The day's reconciliation sample: Salesforce and Marketo read with clients of its own
    (a few calls a day); a restart within the interval does not sample again."""
    from monitor.collectors.marketo.client import MarketoClient
    from monitor.collectors.reconciliation.collect import collect_reconciliation, is_due
    from monitor.collectors.salesforce.client import SalesforceClient, connect

    settings = instance.applied_to(config)
    interval = timedelta(hours=settings.reconciliation_interval_hours)

    def run(now: datetime) -> JobOutcome:
        if not is_due(store, instance.name, now, interval):
            return JobOutcome(is_idle=True, summary="reconciliation: the day's sample is taken")
        salesforce = SalesforceClient(connect(logins["salesforce"], config.salesforce_api_version))
        report = collect_reconciliation(
            store, salesforce, MarketoClient(logins["marketo"]), settings, instance.name, now
        )
        return _outcome(report)

    return run


def checks_run(store: Store, config: Config, instance: str) -> Callable[[datetime], JobOutcome]:
    """Every registered check for one instance."""
    from monitor.calendar import load_calendar
    from monitor.runner import run_checks

    def run(now: datetime) -> JobOutcome:
        # Read at every run: an entry added on the dashboard counts from the next run.
        calendar = load_calendar(store, config)
        summary = run_checks(store, instance, now, overrides=config.checks, calendar=calendar)
        failed = "; ".join(f"{k}: {v}" for k, v in summary.failed_checks.items())
        moves = ", ".join(f"{t.transition} {t.check} {t.subject}" for t in summary.transitions)
        return JobOutcome(
            status="partial" if failed else "ok",
            rows=len(summary.transitions),
            error=f"checks failed: {failed}" if failed else None,
            summary=f"{summary.findings} findings" + (f"; {moves}" if moves else ""),
        )

    return run


def inbox_run(
    store: Store, config: Config, instance: InstanceConfig, *, several: bool
) -> Callable[[datetime], JobOutcome]:
    """Import the Marketo exports dropped into the instance's inbox folder."""
    folder = inbox_folder(config.inbox_dir, instance.name, several=several)
    zone = load_zone(instance.timezone or config.timezone, "timezone")

    def run(now: datetime) -> JobOutcome:
        result = process_inbox(
            store,
            folder,
            instance=instance.name,
            zone=zone,
            now=now,
            date_order=config.date_order,
        )
        rejected = "; ".join(f"rejected {name}: {why}" for name, why in result.rejected.items())
        return JobOutcome(
            status="partial" if rejected else "ok",
            rows=result.rows_added,
            error=rejected or None,
            summary=result.summary(),
            is_idle=result.is_idle,
        )

    return run


def alerts_run(store: Store, config: Config) -> Callable[[datetime], JobOutcome]:
    """One alert round (alerts.dispatch): consume transitions, queue due alerts, deliver the
    outbox."""
    from monitor.alerts.dispatch import process_alerts

    def run(now: datetime) -> JobOutcome:
        summary = process_alerts(store, config, now)
        problems = list(summary.problems)
        if summary.failed:
            problems.append(f"{summary.failed} deliveries failed (kept in the outbox, retried)")
        # Dropped deliveries (their channel was removed) are final, not a failure: the summary
        # line counts them, and the Alerts page lists them.
        counts = (summary.messages, summary.queued, summary.sent, summary.failed)
        return JobOutcome(
            status="partial" if problems else "ok",
            rows=summary.sent,
            error="; ".join(problems) or None,
            summary=summary.line(),
            # A channel problem alone (a bad URL) is shown as the job's last error, but does
            # not add a run every round.
            is_idle=not any((*counts, summary.dropped, summary.suppressed)),
        )

    return run


def report_run(store: Store, config: Config) -> Callable[[datetime], JobOutcome]:
    """Write the weekly report and queue it for the alert channels that take attachments."""
    from monitor.alerts.dispatch import queue_report
    from monitor.report import write_weekly_report

    def run(now: datetime) -> JobOutcome:
        paths = list(write_weekly_report(store, config, now))
        queue_report(store, config, paths, now)
        return JobOutcome(
            rows=len(paths), summary=f"weekly report: {', '.join(str(p) for p in paths)}"
        )

    return run


def report_is_due(store: Store) -> Callable[[datetime], bool]:
    """At start: due when no report ran since the last Monday 06:00 UTC (the machine was off,
    or this is the first start), so a new user gets one at once."""

    def is_due(now: datetime) -> bool:
        with store.read() as con:
            last = run_query(con, "job_last_ok", job="report", instance=ALL_INSTANCES)
        latest = last["last_ok_at"].iloc[0]
        return bool(pd.isna(latest) or latest < last_weekly_slot(now))

    return is_due


def retention_run(store: Store, config: Config) -> Callable[[datetime], JobOutcome]:
    def run(now: datetime) -> JobOutcome:
        result = apply_retention(store, now, config.retention_days)
        return JobOutcome(rows=result.rows_deleted, summary=result.summary())

    return run


def _collector_logins(
    instance: InstanceConfig, secrets: Mapping[str, str], plan: Plan
) -> dict[str, Any]:
    """source -> login for the sources this instance configures; notes for the others."""
    from monitor.collectors.marketo.client import marketo_login_from
    from monitor.collectors.salesforce.client import login_from

    mine = instance_secrets(instance, secrets)
    logins: dict[str, Any] = {}
    # (source, its login from the secrets, the variables a note names when there is none)
    for source, login_of, variables in (
        ("salesforce", login_from, ("SALESFORCE_INSTANCE_URL", "SALESFORCE_USERNAME")),
        ("marketo", marketo_login_from, ("MARKETO_CLIENT_ID",)),
    ):
        login = login_of(mine)  # a half-configured login is a ConfigError: fix it first
        if login is not None:
            logins[source] = login
        else:
            names = " / ".join(instance.variables[name] for name in variables)
            plan.notes.append(f"{source} {instance.name}: not scheduled, no login in {names}")
    return logins


def plan_jobs(
    store: Store,
    config: Config,
    instances: list[InstanceConfig],
    secrets: Mapping[str, str],
) -> Plan:
    """The jobs for these instances, in startup-round order: collections (each followed by the
    checks of its instance), inbox, stand-alone checks, alerts, report, retention."""
    check_separate_credentials(instances, secrets)
    plan = Plan()
    several = len(config.instances) > 1
    with store.write() as con:  # the dashboard's instance picker lists them from the start
        for instance in instances:
            ensure_instance(con, instance.name, label=instance.label)
    cycle = timedelta(minutes=config.salesforce_interval_minutes)
    standalone_checks = []
    for instance in instances:
        logins = _collector_logins(instance, secrets, plan)
        mine = instance_secrets(instance, secrets)
        checks = JobSpec(
            "checks",
            instance.name,
            checks_run(store, config, instance.name),
            every=None if logins else cycle,
            detail="every registered check",
        )
        if "salesforce" in logins:
            plan.specs.append(
                JobSpec(
                    "salesforce",
                    instance.name,
                    salesforce_run(store, config, instance, mine, logins["salesforce"]),
                    every=timedelta(minutes=config.salesforce_interval_minutes),
                    then=checks,
                    detail=f"{logins['salesforce'].describe()}; describe + permissions every "
                    f"{config.describe_interval_minutes} min inside the cycle; then checks",
                    records_runs=True,
                )
            )
        if "marketo" in logins:
            plan.specs.append(
                JobSpec(
                    "marketo",
                    instance.name,
                    marketo_run(store, config, instance, logins["marketo"]),
                    every=timedelta(minutes=config.marketo_interval_minutes),
                    then=checks,
                    detail=f"{logins['marketo'].describe()}; then checks",
                    records_runs=True,
                )
            )
        # The instance's own settings: 0 hours on one instance switches its sampling off.
        sampling = instance.applied_to(config)
        if {"salesforce", "marketo"} <= logins.keys() and sampling.reconciliation_interval_hours:
            plan.specs.append(
                JobSpec(
                    "reconciliation",
                    instance.name,
                    reconciliation_run(store, config, instance, logins),
                    every=timedelta(hours=sampling.reconciliation_interval_hours),
                    then=checks,
                    detail=f"{sampling.reconciliation_sample_size} Leads and Contacts compared "
                    "on both sides (2 Salesforce and 3 Marketo calls); then checks",
                    records_runs=True,
                )
            )
        folder = inbox_folder(config.inbox_dir, instance.name, several=several)
        folder.mkdir(parents=True, exist_ok=True)
        plan.specs.append(
            JobSpec(
                "inbox",
                instance.name,
                inbox_run(store, config, instance, several=several),
                every=timedelta(minutes=config.inbox_interval_minutes),
                then=checks,
                detail=f"Sync Status / Sync Errors exports dropped into {folder}/",
            )
        )
        if not logins:
            standalone_checks.append(checks)
    plan.specs += standalone_checks
    plan.specs += [
        JobSpec(
            "alerts",
            ALL_INSTANCES,
            alerts_run(store, config),
            every=timedelta(seconds=max(config.alert_group_wait_seconds, MIN_ALERT_SECONDS)),
            detail="send alerts on finding transitions, retry the outbox",
        ),
        JobSpec(
            "report",
            ALL_INSTANCES,
            report_run(store, config),
            weekly_at=REPORT_AT,
            is_due_at_start=report_is_due(store),
            detail=f"weekly health report into {config.report_dir}/",
        ),
        JobSpec(
            "retention",
            ALL_INSTANCES,
            retention_run(store, config),
            every=timedelta(days=1),
            detail=f"delete facts older than {config.retention_days} days",
        ),
    ]
    return plan
