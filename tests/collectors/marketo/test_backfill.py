"""Marketo backfill over real HTTPS against the stand-in: the history walked page by page, each
page committed with its token, resumed after an interruption, handed over to the stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.collectors.context import Cycle
from monitor.collectors.marketo.client import (
    DailyQuotaExceeded,
    MarketoClient,
    marketo_login_from,
)
from monitor.collectors.marketo.cycle import backfill_marketo, collect_marketo
from monitor.config import Config
from monitor.errors import ConfigError
from monitor.store import Store
from monitor.store.activities import SFDC_ACTIVITY_TYPES
from tests.interrupting import interrupt_at
from tests.standins.https import trusted
from tests.standins.marketo import MarketoStandIn, steady_activities

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=2)


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketoStandIn]:
    with trusted(MarketoStandIn(), monkeypatch) as running:
        # Three days of activity, 100 log entries per page: about 20 pages for two days.
        steady_activities(running, NOW - timedelta(days=3), hours=72, every_minutes=15)
        running.scan_size = 100
        yield running


def client_for(standin: MarketoStandIn) -> MarketoClient:
    return MarketoClient(marketo_login_from(standin.secrets()), sleep=lambda seconds: None)


def backfill(store: Store, client: MarketoClient, **options):
    cycle = Cycle(store, client, Config(), "prod", options.pop("now", NOW))
    return backfill_marketo(
        cycle,
        options.pop("since", SINCE),
        **options,
    )


def stored_ids(store: Store) -> list[str]:
    with store.read() as con:
        return [r[0] for r in con.execute("SELECT activity_id FROM marketo_activities").fetchall()]


def expected_ids(standin: MarketoStandIn, start: datetime, end: datetime) -> set[str]:
    sfdc = {standin.type_id(name) for name in SFDC_ACTIVITY_TYPES.values()}
    return {
        record["marketoGUID"]
        for record, moment in zip(standin.log, standin._dates, strict=True)
        if record["activityTypeId"] in sfdc and start < moment <= end
    }


def pages_to_walk(standin: MarketoStandIn, start: datetime, end: datetime) -> int:
    """Pages a walk from `start` past `end` takes: each page scans `scan_size` log entries."""
    entries = sum(start < moment <= end for moment in standin._dates)
    return -(-entries // standin.scan_size)


def marks(store: Store) -> dict[str, str]:
    with store.read() as con:
        return dict(con.execute("SELECT name, value FROM watermarks").fetchall())


def test_backfill_refuses_more_than_the_90_days_marketo_keeps(standin, store):
    with pytest.raises(ConfigError, match="Marketo keeps lead activities for 90 days"):
        backfill(store, client_for(standin), since=NOW - timedelta(days=91))
    assert standin.rest_calls() == 0


def test_backfill_while_the_daily_quota_is_used_up_is_refused_and_recorded(standin, store):
    client = client_for(standin)
    standin.fail_next(607)
    with pytest.raises(DailyQuotaExceeded):
        collect_marketo(Cycle(store, client, Config(), "prod", NOW))
    calls = standin.rest_calls()

    with pytest.raises(DailyQuotaExceeded, match="no calls until it resets at 2026-11-21 06:00"):
        backfill(store, client, now=NOW + timedelta(hours=1))

    assert standin.rest_calls() == calls
    with store.read() as con:
        run = con.execute(
            "SELECT run_id, status, rows_written, api_calls, error FROM collection_runs "
            "WHERE job = 'marketo' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    assert "|backfill|" in run[0]
    assert run[1:4] == ("failed", 0, 0)
    assert "daily API quota was used up (607)" in run[4]


def test_backfill_walks_the_history_with_progress_and_hands_over_to_the_stream(standin, store):
    seen: list[tuple[int, datetime, float]] = []
    reports = backfill(store, client_for(standin), progress=lambda *a: seen.append(a))

    stored = stored_ids(store)
    assert len(stored) == len(set(stored))
    assert set(stored) == expected_ids(standin, SINCE, NOW)
    # One report per stream (10 types every cycle, the 2 rare ones), then one ordinary cycle.
    assert [r.kind for r in reports] == ["backfill", "backfill", "cycle"]
    assert all(r.status == "ok" for r in reports)
    assert [pages for pages, _, _ in seen] == list(range(1, len(seen) + 1))
    shares = [share for _, _, share in seen]
    assert shares[-1] == 1.0 and all(0 <= s <= 1 for s in shares)
    reached = [moment for _, moment, _ in seen[: reports[0].pages]]
    assert reached == sorted(reached) and reached[0] > SINCE
    state = marks(store)
    assert not any(name.startswith("marketo.backfill.") for name in state)
    assert json.loads(state["marketo.stream.0"])["origin"] == SINCE.isoformat()
    with store.read() as con:
        runs = con.execute("SELECT count(*) FROM collection_runs WHERE job = 'marketo'").fetchone()
    assert runs == (3,)


def test_a_second_backfill_over_covered_history_reads_nothing_again(standin, store):
    client = client_for(standin)
    backfill(store, client)
    before = standin.rest_calls("activities.json")
    reports = backfill(store, client, now=NOW + timedelta(minutes=5))
    # The history is covered: one page brings the hourly stream up to now, one is the closing
    # ordinary cycle's.
    assert standin.rest_calls("activities.json") - before == 2
    assert sum(r.rows_written for r in reports[:-1]) == 0


def test_an_interrupted_backfill_resumes_from_its_kept_token_with_no_gap(standin, store):
    client = client_for(standin)
    with pytest.raises(KeyboardInterrupt):
        backfill(store, client, progress=interrupt_at(5))  # after five pages
    cursor = json.loads(marks(store)["marketo.backfill.0"])
    assert cursor["since"] == SINCE.isoformat()
    calls_before = len(standin.requests)
    walked_before = standin.rest_calls("activities.json")

    reports = backfill(store, client)

    resumed = [r for r in standin.calls_since(calls_before) if r.path.endswith("activities.json")]
    assert resumed[0].first("nextPageToken") == cursor["token"]
    assert standin.rest_calls("pagingtoken.json") == 2  # one per stream, none again on resume
    stored = stored_ids(store)
    assert len(stored) == len(set(stored))
    assert set(stored) == expected_ids(standin, SINCE, NOW)
    # No page walked twice: the first run's 5 pages and the second run's make one walk.
    assert walked_before == 5
    assert 5 + reports[0].pages == pages_to_walk(standin, SINCE, NOW)


def test_backfill_after_steady_collection_fills_only_the_gap_before_the_stream(standin, store):
    client = client_for(standin)
    collect_marketo(Cycle(store, client, Config(), "prod", NOW - timedelta(hours=24)))
    origin = json.loads(marks(store)["marketo.stream.0"])["origin"]
    assert origin == (NOW - timedelta(hours=24, minutes=5)).isoformat()

    reports = backfill(store, client)

    stream = json.loads(marks(store)["marketo.stream.0"])
    assert stream["origin"] == SINCE.isoformat()
    assert set(stored_ids(store)) == expected_ids(standin, SINCE, NOW)
    # The cursor stopped once it passed the stream's origin: it did not walk on to now.
    gap = pages_to_walk(standin, SINCE, datetime.fromisoformat(origin))
    assert reports[0].pages <= gap + 1 < pages_to_walk(standin, SINCE, NOW)
