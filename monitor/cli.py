"""`python -m monitor <verb>`: exit 0 on success, 1 with a one-line reason, 2 on usage errors."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from monitor.config import Config, load_config, load_zone
from monitor.errors import ConfigError, MonitorError
from monitor.vocabulary import IMPORT_KINDS

if TYPE_CHECKING:
    from monitor.store import Store

log = logging.getLogger("monitor")
LoginT = TypeVar("LoginT")
# Each verb imports what it needs when it runs: `--help` and the light verbs never pay for
# pandas, DuckDB, the HTTP clients or the check registry (bench/bench_cli.py measures it).


def _store(config: Config) -> Store:
    from monitor.store import Store

    return Store(config.db, memory_limit=config.memory_limit)


def cmd_init(args: argparse.Namespace, config: Config) -> int:
    version = _store(config).init()
    print(f"{config.db}: schema version {version}")
    return 0


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from monitor.actions import build_demo  # numpy-heavy; only this verb needs it

    summary = build_demo(_store(config), days=args.days, seed=args.seed)
    print(
        f"demo workspace '{summary.instance}': {summary.rows:,} rows from "
        f"{summary.start:%Y-%m-%d %H:%M} to {summary.now:%Y-%m-%d %H:%M} UTC, "
        f"{summary.findings} open findings (simulated data)"
    )
    return 0


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    from monitor.collectors.exports import import_file

    zone = load_zone(args.tz, "--tz") if args.tz else config.zone
    store = _store(config)
    instance = args.instance or config.instance
    for path in args.files:
        result = import_file(
            store,
            args.kind,
            Path(path),
            instance=instance,
            zone=zone,
            skip_invalid=args.skip_invalid,
            date_order=args.date_order or config.date_order,
        )
        print(result.summary())
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return 0


def _instances(store: Store, requested: str | None, config: Config) -> list[str]:
    """The instances a verb works on: all those in the store, or the one requested, which must
    be known (a typo must not read as "0 open findings")."""
    # Read without pandas: the plan verb must start fast (bench/bench_plan.py).
    known = [str(name) for name in store.query_columns("instances")["instance"]]
    if not requested:
        return known
    if requested not in known:
        configured = sorted({*known, *(str(i.get("name", "")) for i in config.instances)} - {""})
        names = ", ".join(configured) if configured else "none yet (import or collect first)"
        raise ConfigError(f"no instance {requested!r} in {config.db}; known instances: {names}")
    return [requested]


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment for --at (`2026-11-20T14:00:00+00:00`, `2026-11-20 14:00`; without a
    zone it is UTC); anything else is a usage error."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected an ISO 8601 time such as 2026-11-20T14:00:00+00:00"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_positive(text: str) -> int:
    """A whole number above 0 (e.g. --days); anything else is a usage error."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number above 0")
    return number


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from monitor.calendar import load_calendar
    from monitor.runner import evaluate_checks, findings_judged, open_findings, run_checks

    store = _store(config)
    calendar = load_calendar(store, config)
    failed: dict[str, str] = {}
    instances = _instances(store, args.instance, config)
    if args.at:
        # Judging a past moment stores nothing: the findings' lifecycle stays the live one.
        findings = []
        for instance in instances:
            evaluation = evaluate_checks(
                store, instance, args.at, overrides=config.checks, calendar=calendar
            )
            failed.update(evaluation.failed_checks)
            findings += findings_judged(evaluation)
    else:
        now = datetime.now(UTC)
        for instance in instances:
            summary = run_checks(store, instance, now, overrides=config.checks, calendar=calendar)
            failed.update(summary.failed_checks)
        findings = open_findings(store, args.instance)
    if args.json:
        print(json.dumps(findings, indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            print(
                f"{finding['severity']:<8} {finding['instance']:<10} {finding['check']:<20} "
                f"{finding['subject']}: {finding['title']}"
            )
        print(f"{len(findings)} open findings")
    if failed:
        names = ", ".join(f"{k} ({v})" for k, v in failed.items())
        print(f"error: checks failed to run: {names}", file=sys.stderr)
        return 1
    return 0


def cmd_incidents(args: argparse.Namespace, config: Config) -> int:
    from monitor.incidents import impact_text, open_incidents

    store = _store(config)
    _instances(store, args.instance, config)
    incidents = open_incidents(store, args.instance)
    if args.json:
        print(json.dumps([i.as_json() for i in incidents], indent=2, ensure_ascii=False))
        return 0
    for incident in incidents:
        since = f"{incident.started_at:%Y-%m-%d %H:%M} UTC" if incident.started_at else "—"
        checks = Counter(f["check"] for f in incident.findings)
        print(
            f"{incident.severity.upper():<8} {incident.id} [{incident.instance}] since {since}, "
            f"owner {incident.owner}"
        )
        print(f"  {incident.title}")
        print(f"  Impact: {impact_text(incident.impact)}")
        print(f"  Fix: {incident.fix}")
        print(
            f"  Findings: {len(incident.findings)} ("
            + ", ".join(f"{check} {count}" for check, count in sorted(checks.items()))
            + ")"
        )
    findings = sum(len(i.findings) for i in incidents)
    print(f"{len(incidents)} open incidents ({findings:,} findings)")
    return 0


def cmd_plan(args: argparse.Namespace, config: Config) -> int:
    from monitor.planner import plan_mass_update
    from monitor.planner.words import plan_lines

    store = _store(config)
    known = _instances(store, args.instance, config)
    if not known:
        raise ConfigError(f"no data in {config.db} yet: import or collect first")
    instance = args.instance or (config.instance if config.instance in known else known[0])
    now = datetime.now(UTC)
    if args.at and args.at < now - timedelta(minutes=1):
        raise ConfigError(f"--at {args.at:%Y-%m-%d %H:%M} UTC is in the past: plan a future start")
    plan = plan_mass_update(
        store,
        instance,
        args.object,
        args.records,
        now,
        start=args.at,
        direction=args.direction,
        order=config.sync_object_order,
        field_name=args.field,
    )
    if args.json:
        print(json.dumps(plan.as_json(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(plan_lines(plan)))
    return 0


def cmd_checks(args: argparse.Namespace, config: Config) -> int:
    from checks import REGISTRY

    listing = [
        {
            "id": check.id,
            "title": check.title,
            "severity": check.severity,
            "owner": check.owner,
            "settings": [
                {
                    "name": s.name,
                    "default": s.default,
                    "help": s.help,
                    "value": check.resolve_settings(config.checks.get(check.id))[s.name],
                }
                for s in check.settings
            ],
            # [checks.<id>.per_object.<Object>]: only the settings that differ per object
            "per_object": {
                object_name: {
                    key: value
                    for key, value in values.items()
                    if value != check.resolve_settings(config.checks.get(check.id))[key]
                }
                for object_name, values in check.object_settings(
                    config.checks.get(check.id)
                ).items()
            },
            "runbook": check.runbook,
        }
        for check in REGISTRY
    ]
    if args.json:
        print(json.dumps(listing, indent=2, ensure_ascii=False))
        return 0
    for item in listing:
        print(f"{item['id']} ({item['severity']}, {item['owner']}): {item['title']}")
        for setting in item["settings"]:
            print(f"    {setting['name']} = {setting['value']!r}  # {setting['help']}")
        for object_name, values in item["per_object"].items():
            changed = ", ".join(f"{key} = {value!r}" for key, value in values.items())
            print(f"    for {object_name}: {changed}")
    return 0


DURATION = re.compile(r"^(\d+)([dhm])$")


def parse_duration(text: str) -> timedelta:
    """`30d`, `12h` or `90m`."""
    match = DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a duration such as 30d, 12h or 90m")
    number, unit = int(match.group(1)), match.group(2)
    return {
        "d": timedelta(days=number),
        "h": timedelta(hours=number),
        "m": timedelta(minutes=number),
    }[unit]


def parse_port(text: str) -> int:
    """A TCP port for --port: 0 (any free port) to 65535; anything else is a usage error."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a port from 0 to 65535")
    return port


def _instance_scope(requested: str | None, config: Config) -> tuple[str, Config, dict[str, str]]:
    """(instance, its configuration, its secrets under the canonical names): with several
    [[instances]] in monitor.toml, each reads its own environment variables."""
    from monitor.config.instances import configured_instances, instance_secrets, select_instances
    from monitor.config.secrets import load_secrets

    if not config.instances:
        return requested or config.instance, config, dict(load_secrets())
    instances = configured_instances(config)
    if requested is None and len(instances) > 1:
        names = ", ".join(instance.name for instance in instances)
        raise ConfigError(f"several instances are configured ({names}): pass --instance NAME")
    chosen = select_instances(instances, requested)[0]
    return chosen.name, chosen.applied_to(config), instance_secrets(chosen, load_secrets())


SALESFORCE_MISSING = (
    "Salesforce is not configured: set SALESFORCE_INSTANCE_URL and "
    "SALESFORCE_ACCESS_TOKEN (or a username login); see the README"
)
MARKETO_MISSING = (
    "Marketo is not configured: set MARKETO_IDENTITY_URL, MARKETO_BASE_URL, "
    "MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET; see the README"
)


def _configured(login: LoginT | None, missing: str) -> LoginT:
    """The login the secrets give, or the ConfigError `missing` that says what to set."""
    if login is None:
        raise ConfigError(missing)
    return login


def _collect_marketo(args: argparse.Namespace, config: Config) -> int:
    from monitor.collectors.context import Cycle
    from monitor.collectors.marketo.client import MarketoClient, marketo_login_from
    from monitor.collectors.marketo.cycle import backfill_marketo, collect_marketo

    instance, config, secrets = _instance_scope(args.instance, config)
    login = _configured(marketo_login_from(secrets), MARKETO_MISSING)
    now = datetime.now(UTC)
    cycle = Cycle(_store(config), MarketoClient(login), config, instance, now)
    if not args.since:
        report = collect_marketo(cycle)
        print(report.summary())
        return 1 if report.status == "failed" else 0

    shown: list[int] = []

    def progress(pages: int, reached: datetime, share: float) -> None:
        shown.append(pages)
        print(
            f"\rmarketo backfill: {pages} pages, up to {reached:%Y-%m-%d %H:%M} UTC ({share:.0%})",
            end="",
            file=sys.stderr,
            flush=True,
        )

    try:
        reports = backfill_marketo(cycle, now - args.since, progress=progress)
    finally:
        if shown:
            print(file=sys.stderr)  # end the progress line
    for report in reports:
        print(report.summary())
    return 1 if all(report.status == "failed" for report in reports) else 0


def _collect_reconciliation(args: argparse.Namespace, config: Config) -> int:
    """Take a reconciliation sample now (the daily job's work, whether due or not)."""
    from monitor.collectors.marketo.client import MarketoClient, marketo_login_from
    from monitor.collectors.reconciliation.collect import collect_reconciliation
    from monitor.collectors.salesforce.client import SalesforceClient, connect, login_from

    instance, config, secrets = _instance_scope(args.instance, config)
    salesforce, marketo = login_from(secrets), marketo_login_from(secrets)
    if salesforce is None or marketo is None:
        raise ConfigError(
            "a reconciliation sample reads both sides: configure Salesforce "
            "(SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN, or a username login) and "
            "Marketo (MARKETO_IDENTITY_URL, MARKETO_BASE_URL, MARKETO_CLIENT_ID, "
            "MARKETO_CLIENT_SECRET); see the README"
        )
    report = collect_reconciliation(
        _store(config),
        SalesforceClient(connect(salesforce, config.salesforce_api_version)),
        MarketoClient(marketo),
        config,
        instance,
        datetime.now(UTC),
    )
    print(report.summary())
    return 1 if report.status == "failed" else 0


def cmd_collect(args: argparse.Namespace, config: Config) -> int:
    if args.source == "marketo":
        return _collect_marketo(args, config)
    if args.source == "reconciliation":
        return _collect_reconciliation(args, config)
    from monitor.collectors.context import Cycle
    from monitor.collectors.salesforce.client import SalesforceClient, connect, login_from
    from monitor.collectors.salesforce.cycle import backfill, collect_cycle

    instance, config, secrets = _instance_scope(args.instance, config)
    login = _configured(login_from(secrets), SALESFORCE_MISSING)
    client = SalesforceClient(connect(login, config.salesforce_api_version))
    now = datetime.now(UTC)
    cycle = Cycle(_store(config), client, config, instance, now)
    sync_user = secrets.get("SALESFORCE_SYNC_USER", "")
    if args.since:

        def progress(done: int, total: int, window_end: datetime) -> None:
            print(
                f"\rbackfill {done}/{total} windows, up to {window_end:%Y-%m-%d %H:%M} UTC",
                end="" if done < total else "\n",
                file=sys.stderr,
                flush=True,
            )

        reports = backfill(
            cycle, now - args.since, step=args.step, sync_user_setting=sync_user, progress=progress
        )
    else:
        reports = [collect_cycle(cycle, sync_user)]
    for report in reports[-1:]:
        print(report.summary())
    problems = [error for report in reports for error in report.errors]
    return 1 if problems and not any(r.objects_collected for r in reports) else 0


def cmd_alerts(args: argparse.Namespace, config: Config) -> int:
    from monitor.alerts.dispatch import process_alerts, send_test
    from monitor.config.secrets import load_secrets

    store, now, secrets = _store(config), datetime.now(UTC), load_secrets()
    if not args.test:
        summary = process_alerts(store, config, now, secrets=secrets)
        print(summary.line())
        return 1 if summary.failed else 0
    results, problems = send_test(store, config, now, secrets=secrets)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not results:
        raise ConfigError(
            "no alert channel is configured: set MONITOR_ALERT_URLS (space-separated apprise "
            "URLs) or alert_urls in monitor.toml; see the README, 'Alerts'"
        )
    for channel, delivery in results:
        outcome = "sent" if delivery.ok else f"failed ({delivery.error}); kept for retry"
        print(f"{channel.label} ({channel.service}): {outcome}")
    return 0 if all(delivery.ok for _, delivery in results) else 1


def cmd_check_connection(args: argparse.Namespace, config: Config) -> int:
    from monitor.collectors.connections import check_marketo, check_salesforce

    _, config, secrets = _instance_scope(args.instance, config)
    results = [check_salesforce(config, secrets), check_marketo(config, secrets)]
    for _, line in results:
        print(line)
    if all(works is None for works, _ in results):
        print(
            "error: no source is configured, so there is nothing to check (credentials come "
            "from the environment or .streamlit/secrets.toml; see the README)",
            file=sys.stderr,
        )
        return 1
    return 0 if all(works is not False for works, _ in results) else 1


def cmd_serve_streams(args: argparse.Namespace, config: Config) -> int:
    from monitor.collectors.streams.receiver import serve_streams

    # With several [[instances]], events must land in a configured one, named on purpose.
    instance, config, _ = _instance_scope(args.instance, config)
    serve_streams(config, host=args.host, port=args.port, instance=instance)
    return 0


def parse_week_argument(text: str) -> object:
    """`2026-W47` for --week; anything else is a usage error (exit 2)."""
    from monitor.report import parse_week

    try:
        return parse_week(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    from monitor.report import build_report, write_report

    report = build_report(
        _store(config),
        week=args.week,
        instance=args.instance,
        now=datetime.now(UTC),
        check_overrides=config.checks,
    )
    print(write_report(report, args.format, Path(args.out or config.report_dir)))
    return 0


def parse_assignment(text: str) -> tuple[str, object]:
    """`key=value` or `check.key=value` for --set; the value is read as TOML (3, 2.5, true,
    "text"), else taken as text."""
    import tomllib

    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: expected key=value, e.g. sensitivity_z=4")
    try:
        value: object = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value


def _replay_overrides(
    config: Config, check_ids: list[str], assignments: list[tuple[str, object]]
) -> dict[str, dict]:
    """monitor.toml's [checks] with --set applied on top (for the replay only)."""
    from checks import get_check

    overrides = {check: dict(table) for check, table in config.checks.items()}
    for key, value in assignments:
        check_id, _, name = key.rpartition(".")
        targets = [check_id] if check_id else check_ids
        known = [c for c in targets if name in get_check(c).defaults()]
        if not known:
            raise ConfigError(
                f"--set {key}: no setting {name!r} in {', '.join(targets)} "
                "(list them with `python -m monitor checks`)"
            )
        for check in known:
            overrides.setdefault(check, {})[name] = value
    return overrides


def cmd_backtest(args: argparse.Namespace, config: Config) -> int:
    from checks import REGISTRY
    from monitor.backtest import backtest, data_span
    from monitor.calendar import load_calendar

    known = [c.id for c in REGISTRY]
    for check in args.check or []:
        if check not in known:
            raise ConfigError(f"no check {check!r}; registered: {', '.join(known)}")
    check_ids = args.check or known
    overrides = _replay_overrides(config, check_ids, args.set or [])
    store = _store(config)
    instances = _instances(store, args.instance, config)
    every = timedelta(minutes=args.every or config.salesforce_interval_minutes)
    episodes = []
    for instance in instances:
        until = args.until or data_span(store, instance)
        if until is None:
            continue
        start = args.start or until - (args.since or timedelta(days=30))
        if start >= until:
            raise ConfigError(f"--from {start:%Y-%m-%d %H:%M} is not before {until:%Y-%m-%d %H:%M}")
        found = backtest(
            store,
            instance,
            start,
            until,
            check_ids=check_ids,
            overrides=overrides,
            every=every,
            naive=args.naive,
            calendar=load_calendar(store, config),
        )
        episodes += [(instance, e) for e in found]
    if args.json:
        rows = [{"instance": instance, **e.as_json()} for instance, e in episodes]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for instance, e in episodes:
        resolved = f"{e.resolved_at:%Y-%m-%d %H:%M} UTC" if e.resolved_at else "still open"
        peak = f", peak {e.peak:,.0f}" if e.peak is not None else ""
        print(
            f"{e.severity:<8} {instance:<10} {e.check:<20} {e.subject}: "
            f"{e.opened_at:%Y-%m-%d %H:%M} UTC -> {resolved}{peak}: {e.title}"
        )
    print(f"{len(episodes):,} episodes")
    return 0


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from monitor.schedule.daemon import run_daemon

    return run_daemon(config, once=args.once, instance=args.instance)


def _add_verb(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    run: Callable[[argparse.Namespace, Config], int],
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A verb's parser, its one-line help in the verb list and the command it runs."""
    verb = verbs.add_parser(name, help=help, description=description)
    verb.set_defaults(run=run)
    return verb


def _add_json(verb: argparse.ArgumentParser, help: str = "print as JSON") -> None:
    """--json: the verbs that list something can print it as JSON instead of text."""
    verb.add_argument("--json", action="store_true", help=help)


def _add_instance(verb: argparse.ArgumentParser, help: str, metavar: str | None = None) -> None:
    """--instance: which instance the verb works on; what the default is differs per verb."""
    verb.add_argument("--instance", metavar=metavar, help=help)


def _add_moment(
    verb: argparse.ArgumentParser, flag: str, help: str | None = None, dest: str | None = None
) -> None:
    """A flag taking an ISO 8601 moment (--at, --from, --until); `dest` where the flag's name
    is no attribute name (--from)."""
    verb.add_argument(flag, type=parse_moment, metavar="TIMESTAMP", help=help, dest=dest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m monitor",
        description="Marketo <-> Salesforce sync health monitor.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    _add_verb(verbs, "init", cmd_init, "create or migrate the store (MONITOR_DB)")

    verb = _add_verb(verbs, "demo", cmd_demo, "(re)build the simulated demo workspace")
    verb.add_argument(
        "--days", type=parse_positive, default=30, help="days of history (default 30)"
    )
    verb.add_argument("--seed", type=int, default=7, help="random seed (default 7)")

    verb = _add_verb(
        verbs,
        "import",
        cmd_import,
        "import Marketo admin exports and other files",
        "Import files. Strict by default: the first invalid row stops the file "
        "and nothing of it is stored. Re-importing the same rows adds nothing.",
    )
    verb.add_argument("kind", choices=sorted(IMPORT_KINDS), help="file format")
    verb.add_argument("files", nargs="+", metavar="FILE")
    verb.add_argument("--tz", help="timezone of the export's times (default: config, else UTC)")
    verb.add_argument(
        "--date-order",
        choices=("mdy", "dmy"),
        help="month/day order of the export's dates: mdy (11/20/2026) or dmy (20/11/2026) "
        "(default: config, else mdy)",
    )
    verb.add_argument(
        "--skip-invalid",
        action="store_true",
        help="store the valid rows and quarantine the invalid ones",
    )
    _add_instance(verb, "instance to import into (default: config)")

    verb = _add_verb(
        verbs,
        "check",
        cmd_check,
        "run every check and print the open findings",
        "Run every check and print the open findings. Each check judges the data "
        "as of its newest time, so an export imported late finds what it would have found "
        "when fresh. With --at, judge as of a past moment without storing anything.",
    )
    _add_json(verb, "print the findings as a JSON array")
    _add_instance(verb, "only this instance")
    _add_moment(
        verb, "--at", "judge as of this moment (ISO 8601, UTC without a zone); stores nothing"
    )

    verb = _add_verb(
        verbs,
        "collect",
        cmd_collect,
        "collect once from a source (Salesforce or Marketo), or backfill history",
        "Collect one window from Salesforce or the Marketo REST API (credentials "
        "from the environment or .streamlit/secrets.toml). With --since, fill history (Marketo: "
        "at most 90d); an interrupted backfill resumes where it stopped.",
    )
    verb.add_argument(
        "--source",
        choices=["salesforce", "marketo", "reconciliation"],
        default="salesforce",
        help="reconciliation: take the daily sample now (needs both logins)",
    )
    verb.add_argument("--since", type=parse_duration, help="backfill this far back (30d, 12h)")
    verb.add_argument(
        "--step",
        type=parse_duration,
        default=timedelta(hours=1),
        help="Salesforce backfill window length (default 1h; one API call each)",
    )
    _add_instance(verb, "instance to collect into (default: config)")

    verb = _add_verb(
        verbs,
        "check-connection",
        cmd_check_connection,
        "say per source what works and what is missing",
    )
    _add_instance(verb, "with several [[instances]]: the one to check")

    verb = _add_verb(
        verbs,
        "serve-streams",
        cmd_serve_streams,
        "receive Marketo Data Streams (Adobe I/O Events webhooks) over HTTP",
        "Serve POST /events (bearer token MONITOR_STREAMS_TOKEN), the Adobe I/O "
        "challenge GET /events?challenge=X and GET /health until Ctrl-C or SIGTERM.",
    )
    verb.add_argument("--host", help="address to bind (default: streams_host, 127.0.0.1)")
    verb.add_argument(
        "--port", type=parse_port, help="port (default: streams_port, 8787; 0: any free)"
    )
    _add_instance(verb, "instance to store into (default: config)")

    verb = _add_verb(
        verbs,
        "run",
        cmd_run,
        "run collections, checks, inbox, alerts, report and retention on a clock",
        "Run one round of every job at once, then each job on its interval until "
        "Ctrl-C or SIGTERM (the running job finishes first). One `run` per store.",
    )
    verb.add_argument("--once", action="store_true", help="run one round of every job and exit")
    _add_instance(verb, "only this configured instance", metavar="NAME")

    verb = _add_verb(
        verbs,
        "alerts",
        cmd_alerts,
        "send the alerts that are due once (what `run` does after each check)",
        "Consume new finding transitions, queue the grouped alerts that are due and "
        "deliver the outbox; with --test, send a test message to every channel.",
    )
    verb.add_argument("--test", action="store_true", help="send a test message to every channel")

    verb = _add_verb(
        verbs,
        "report",
        cmd_report,
        "write the weekly health report (HTML, CSV zip or PDF)",
        "Build the health report of an ISO week (Monday 00:00 to Monday 00:00 UTC) "
        "for one instance or all, and print the path written. PDF needs Chromium.",
    )
    verb.add_argument(
        "--week",
        type=parse_week_argument,
        help="ISO week such as 2026-W47 (default: the last complete week)",
    )
    _add_instance(verb, "only this instance (default: all, one section each)")
    verb.add_argument("--format", choices=["html", "csv", "pdf"], default="html")
    verb.add_argument(
        "--out",
        help="file, or folder for health-report-<instance|all>-<week>.<ext> (default: report_dir)",
    )

    verb = _add_verb(
        verbs,
        "incidents",
        cmd_incidents,
        "list the open incidents: findings grouped by their shared cause",
        "List the open incidents of the stored findings (as the last check left "
        "them), worst first: title, since when, owner, impact, the fix and their findings.",
    )
    _add_json(verb)
    _add_instance(verb, "only this instance")

    verb = _add_verb(
        verbs,
        "backtest",
        cmd_backtest,
        "replay checks over stored history and print every episode they would have opened",
        "Replay checks over stored history as the scheduler would have run them: "
        "after each cycle, with only the data available then. Prints every episode (check, "
        "subject, opened, resolved or still open, peak, title). Stores nothing.",
    )
    verb.add_argument("--check", action="append", metavar="ID", help="only this check (repeat)")
    verb.add_argument(
        "--since", type=parse_duration, help="replay this far back from the newest data (30d)"
    )
    _add_moment(verb, "--from", dest="start")
    _add_moment(verb, "--until")
    _add_instance(verb, "only this instance")
    verb.add_argument(
        "--set",
        action="append",
        type=parse_assignment,
        metavar="KEY=VALUE",
        help="override a check setting for the replay only (check.key=value or key=value)",
    )
    verb.add_argument(
        "--every", type=parse_positive, metavar="MINUTES", help="minutes between cycles"
    )
    verb.add_argument(
        "--naive", action="store_true", help="evaluate every cycle from the store (slow)"
    )
    _add_json(verb, "print the episodes as a JSON array")

    verb = _add_verb(
        verbs,
        "plan",
        cmd_plan,
        "estimate how long a planned mass update holds up the sync, and its best start",
        "From the sync's measured pace while records waited (by weekday and hour), "
        "the current backlog and the order Marketo serves objects in: when the update is fully "
        "synced (with a range), which objects wait behind it and how long, and the start in the "
        "next 7 days that clears soonest. Says 'unknown' with too little history.",
    )
    verb.add_argument("--object", required=True, help="Salesforce object updated, e.g. Account")
    verb.add_argument(
        "--records", required=True, type=parse_positive, help="records the update changes"
    )
    _add_moment(verb, "--at", "planned start (ISO 8601, UTC without a zone; default: now)")
    verb.add_argument(
        "--field",
        help="field the update changes: a formula field queues no sync, one the sync user "
        "cannot read never reaches Marketo (from the latest describe)",
    )
    verb.add_argument(
        "--direction",
        choices=["sfdc_to_marketo", "marketo_to_sfdc"],
        default="sfdc_to_marketo",
        help="where the update happens: in Salesforce (default) or in Marketo",
    )
    _add_instance(verb, "instance to plan for (default: config, else the only one)")
    _add_json(verb, "print the plan as JSON")

    verb = _add_verb(verbs, "checks", cmd_checks, "list the registered checks and their settings")
    _add_json(verb)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = load_config()
        return args.run(args, config)
    except MonitorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours, and nothing left to say.
        sys.stderr.close()
        return 0
