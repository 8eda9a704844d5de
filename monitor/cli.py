"""`python -m monitor <verb>`: exit 0 on success, 1 with a one-line reason, 2 on usage errors."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from checks import REGISTRY
from monitor.config import Config, load_config, load_zone
from monitor.errors import ConfigError, MonitorError
from monitor.imports import IMPORTERS, import_file
from monitor.store import Store

log = logging.getLogger("monitor")


def _store(config: Config) -> Store:
    return Store(config.db, memory_limit=config.memory_limit)


def cmd_init(args: argparse.Namespace, config: Config) -> int:
    version = _store(config).init()
    print(f"{config.db}: schema version {version}")
    return 0


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from monitor.demo import build_demo  # numpy-heavy; only this verb needs it

    summary = build_demo(_store(config), days=args.days, seed=args.seed)
    print(
        f"demo workspace '{summary.instance}': {summary.rows:,} rows from "
        f"{summary.start:%Y-%m-%d %H:%M} to {summary.now:%Y-%m-%d %H:%M} UTC, "
        f"{summary.findings} open findings (simulated data)"
    )
    return 0


def cmd_import(args: argparse.Namespace, config: Config) -> int:
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
        )
        print(result.summary())
    return 0


def _instances(store: Store, requested: str | None) -> list[str]:
    if requested:
        return [requested]
    return list(store.query("instances")["instance"])


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from monitor.runner import open_findings, run_checks

    store = _store(config)
    now = datetime.now(UTC)
    failed: dict[str, str] = {}
    for instance in _instances(store, args.instance):
        summary = run_checks(store, instance, now, overrides=config.checks)
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


def cmd_checks(args: argparse.Namespace, config: Config) -> int:
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


def cmd_collect(args: argparse.Namespace, config: Config) -> int:
    from monitor.collectors.salesforce import backfill, collect_cycle
    from monitor.collectors.salesforce_client import SalesforceClient, connect, login_from
    from monitor.secrets import load_secrets

    secrets = load_secrets()
    login = login_from(secrets)
    if login is None:
        raise ConfigError(
            "Salesforce is not configured: set SALESFORCE_INSTANCE_URL and "
            "SALESFORCE_ACCESS_TOKEN (or a username login); see the README"
        )
    client = SalesforceClient(connect(login, config.salesforce_api_version))
    store = _store(config)
    instance = args.instance or config.instance
    now = datetime.now(UTC)
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
            store,
            client,
            config,
            instance=instance,
            now=now,
            since=now - args.since,
            step=args.step,
            sync_user_setting=sync_user,
            progress=progress,
        )
    else:
        reports = [
            collect_cycle(
                store, client, config, instance=instance, now=now, sync_user_setting=sync_user
            )
        ]
    for report in reports[-1:]:
        print(report.summary())
    problems = [error for report in reports for error in report.errors]
    return 1 if problems and not any(r.objects_collected for r in reports) else 0


def cmd_check_connection(args: argparse.Namespace, config: Config) -> int:
    from monitor.connections import check_salesforce
    from monitor.secrets import load_secrets

    works, line = check_salesforce(config, load_secrets())
    print(line)
    return 0 if works else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m monitor",
        description="Marketo <-> Salesforce sync health monitor.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    verb = verbs.add_parser("init", help="create or migrate the store (MONITOR_DB)")
    verb.set_defaults(run=cmd_init)

    verb = verbs.add_parser("demo", help="(re)build the simulated demo workspace")
    verb.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    verb.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    verb.set_defaults(run=cmd_demo)

    verb = verbs.add_parser(
        "import",
        help="import Marketo admin exports and other files",
        description="Import files. Strict by default: the first invalid row stops the file "
        "and nothing of it is stored. Re-importing the same rows adds nothing.",
    )
    verb.add_argument("kind", choices=sorted(IMPORTERS), help="file format")
    verb.add_argument("files", nargs="+", metavar="FILE")
    verb.add_argument("--tz", help="timezone of the export's times (default: config, else UTC)")
    verb.add_argument(
        "--skip-invalid",
        action="store_true",
        help="store the valid rows and quarantine the invalid ones",
    )
    verb.add_argument("--instance", help="instance to import into (default: config)")
    verb.set_defaults(run=cmd_import)

    verb = verbs.add_parser("check", help="run every check and print the open findings")
    verb.add_argument("--json", action="store_true", help="print the findings as a JSON array")
    verb.add_argument("--instance", help="only this instance")
    verb.set_defaults(run=cmd_check)

    verb = verbs.add_parser(
        "collect",
        help="collect once from a source (Salesforce), or backfill history",
        description="Collect one window from Salesforce (credentials from the environment or "
        ".streamlit/secrets.toml). With --since, fill history window by window; an "
        "interrupted backfill resumes where it stopped.",
    )
    verb.add_argument("--source", choices=["salesforce"], default="salesforce")
    verb.add_argument("--since", type=parse_duration, help="backfill this far back (30d, 12h)")
    verb.add_argument(
        "--step",
        type=parse_duration,
        default=timedelta(hours=1),
        help="backfill window length (default 1h; one API call each)",
    )
    verb.add_argument("--instance", help="instance to collect into (default: config)")
    verb.set_defaults(run=cmd_collect)

    verb = verbs.add_parser(
        "check-connection", help="say per source what works and what is missing"
    )
    verb.set_defaults(run=cmd_check_connection)

    verb = verbs.add_parser("checks", help="list the registered checks and their settings")
    verb.add_argument("--json", action="store_true", help="print as JSON")
    verb.set_defaults(run=cmd_checks)
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
