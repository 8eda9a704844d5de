"""Who used the org's daily API pool: the ApiTotalUsage event log files, one CSV per day, read
once a day and summed per consumer (the Marketo sync user, other integrations by connected app
or client name, people).

Calls: one query for the list of files, then one GET per file not read yet: the first read
takes up to a week's files, every later one (at most once a day, its own watermark) only the
days after the last stored one; then one User query naming the people among the consumers
(the log gives only their user id), so about 3 calls a day. Fields are Salesforce's documented
ApiTotalUsage columns (tests/fixtures/real/SOURCES.md); only calls with
COUNTS_AGAINST_API_LIMIT true count, as only they use the pool.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from simple_salesforce import format_soql

from monitor.collectors.context import Cycle
from monitor.collectors.salesforce.client import SalesforceClient
from monitor.errors import LimitExceeded, SourceError
from monitor.store.api_consumers import replace_consumer_days, store_api_users
from monitor.store.watermarks import set_watermark
from monitor.vocabulary.api_consumers import API_CONSUMERS_UNAVAILABLE

FILES_SOQL = (
    "SELECT Id, EventType, LogDate, Interval, LogFileLength FROM EventLogFile "
    "WHERE EventType = 'ApiTotalUsage' AND Interval = 'Daily' AND LogDate >= {since} "
    "ORDER BY LogDate"
)
USERS_SOQL = "SELECT Id, Name, Username FROM User WHERE Id IN {ids}"
PERSON_PREFIX = "user "
USER_COLUMNS = ["user_id", "name", "username", "resolved_at"]
WATERMARK = "salesforce.api_consumers"
INTERVAL = timedelta(days=1)
COLUMNS = ["day", "consumer", "kind", "calls", "share", "collected_at"]
UNAVAILABLE = API_CONSUMERS_UNAVAILABLE


@dataclass
class ConsumerRead:
    """What one read found: the shares per day, the calls it made, and why it had none."""

    shares: pd.DataFrame
    calls: int
    note: str = ""
    # The people among the consumers by their 15-character user id (USER_COLUMNS).
    users: pd.DataFrame | None = None


def _counted(value: str) -> bool:
    return value.strip().lower() in ("1", "true")


def consumer_of(row: dict[str, str], sync_user: str) -> tuple[str, str]:
    """(consumer, kind) of one logged call: the sync user first (it may use a connected app
    too), then the connected app, then the client name, else the person (by user id: the
    log names no one)."""
    user = row.get("USER_ID", "")
    if sync_user and user and user[:15] == sync_user[:15]:
        return "Marketo sync user", "marketo_sync"
    if row.get("CONNECTED_APP_NAME"):
        return row["CONNECTED_APP_NAME"], "integration"
    if row.get("CLIENT_NAME"):
        return row["CLIENT_NAME"], "integration"
    return f"{PERSON_PREFIX}{user or 'unknown'}", "person"


def shares_of(day: str, text: str, sync_user: str, collected_at: datetime) -> pd.DataFrame:
    """Counted calls per consumer of one day's log file, with each one's share of the day."""
    counts: dict[tuple[str, str], int] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if not _counted(row.get("COUNTS_AGAINST_API_LIMIT", "")):
            continue
        key = consumer_of(row, sync_user)
        counts[key] = counts.get(key, 0) + 1
    total = sum(counts.values())
    rows = [(day, name, kind, n, n / total, collected_at) for (name, kind), n in counts.items()]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def read_consumers(
    client: SalesforceClient,
    sync_user: str,
    now: datetime,
    days: int = 7,
    after: date | None = None,
) -> ConsumerRead:
    """The shares of the last `days` days' log files (Salesforce keeps ApiTotalUsage files a
    day without Event Monitoring, longer with it), only of days after `after` when given."""
    before = client.calls
    start = (now - timedelta(days=days)).date()
    if after is not None:
        start = max(start, after + timedelta(days=1))
    since = f"{start:%Y-%m-%d}T00:00:00Z"
    files = client.query_all_if_visible(FILES_SOQL.format(since=since))
    if not files:
        return ConsumerRead(pd.DataFrame(columns=COLUMNS), client.calls - before, UNAVAILABLE)
    frames = []
    for record in files:
        text = client.get_text(f"sobjects/EventLogFile/{record['Id']}/LogFile")
        frames.append(shares_of(str(record["LogDate"])[:10], text, sync_user, now))
    shares = pd.concat(frames, ignore_index=True)
    # Two files of one day (Salesforce may publish a day again): the day is summed afresh.
    if shares.duplicated(["day", "consumer"]).any():
        summed = shares.groupby(["day", "consumer", "kind"], as_index=False)["calls"].sum()
        summed["share"] = summed["calls"] / summed.groupby("day")["calls"].transform("sum")
        summed["collected_at"] = now
        shares = summed[COLUMNS]
    users = resolve_people(client, shares, now)
    return ConsumerRead(shares, client.calls - before, users=users)


USERS_PER_QUERY = 200


def resolve_people(client: SalesforceClient, shares: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Name and username of the people among the consumers, by one User query (Salesforce
    matches a 15- or 18-character id alike); none to name costs no call. A user the query does
    not return (deleted, or not visible to the sync user) stays shown by id."""
    people = shares.loc[shares["kind"] == "person", "consumer"].str.removeprefix(PERSON_PREFIX)
    ids = sorted({i for i in people if i and i != "unknown"})
    rows = []
    # Batches keep each query's URL short; a refused lookup only leaves people shown by id: the
    # day's use is stored all the same (only a used-up API budget stops the read).
    for first in range(0, len(ids), USERS_PER_QUERY):
        batch = ids[first : first + USERS_PER_QUERY]
        try:
            records = client.query_all(format_soql(USERS_SOQL, ids=batch))
        except LimitExceeded:
            raise
        except SourceError:
            continue
        rows += [(str(r["Id"])[:15], r.get("Name"), r.get("Username"), now) for r in records]
    return pd.DataFrame(rows, columns=USER_COLUMNS)


def is_due(marks: dict[str, str], now: datetime) -> bool:
    """Whether the last read is a day old (or there was none): a day's file appears once."""
    last = marks.get(WATERMARK)
    # A cycle a few minutes earlier in the day than the last read still reads (else the read
    # would slide to every other day).
    return not last or now - datetime.fromisoformat(last) >= INTERVAL - timedelta(minutes=30)


def collect_consumers(cycle: Cycle, sync_user: str) -> tuple[int, list[str]]:
    """Read the days not stored yet and store them with the watermark in one transaction.
    Returns (rows written, problems); only a used-up API budget raises. No event logs is no
    problem of the run: the pages and the report say so, the watermark still moves (else the
    file list would be asked for every cycle)."""
    last = cycle.store.query("api_consumer_last_day", instance=cycle.instance)
    stored = last["day"].iloc[0] if len(last) else None
    after = None if stored is None or pd.isna(stored) else pd.Timestamp(stored).date()
    try:
        read = read_consumers(cycle.client, sync_user, cycle.now, after=after)
    except LimitExceeded:
        raise
    except SourceError as exc:
        return 0, [f"API use by consumer: {exc}"]  # the watermark stays: tried again next cycle
    with cycle.store.write() as con:
        rows = replace_consumer_days(con, cycle.instance, read.shares)
        if read.users is not None:
            store_api_users(con, cycle.instance, read.users)
        set_watermark(con, cycle.instance, WATERMARK, cycle.now.isoformat(), cycle.now)
    return rows, []
