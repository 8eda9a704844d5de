"""The hourly roll-up of the sync's throughput (sync_drain_hourly) follows the samples written,
whether an hour's samples come in one batch or across cycles, and an older store gets it from
its stored samples when migration 012 runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from monitor.store.facts import ensure_instance, insert_frame

HOUR = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def samples(first: int, last: int, backlog: float = 100.0) -> pd.DataFrame:
    """5-minute samples `first`..`last` (0..11) of HOUR: throughput 10*(i+1), backlog waiting
    except at sample 3."""
    rows = []
    for i in range(first, last + 1):
        ts = HOUR + timedelta(minutes=5 * i)
        rows.append((ts, "throughput", 10.0 * (i + 1)))
        rows.append((ts, "backlog", 0.0 if i == 3 else backlog))
    frame = pd.DataFrame(rows, columns=["ts", "metric", "value"])
    return frame.assign(
        instance="acme", object="Lead", direction="sfdc_to_marketo", provenance="reported"
    )


def rolled_up(store) -> list[tuple]:
    with store.read() as con:
        frame = con.execute(
            "SELECT hour, samples, busy_samples, busy_throughput FROM sync_drain_hourly "
            "WHERE instance = 'acme' ORDER BY hour"
        ).df()
    return [(row[0].to_pydatetime(), *row[1:]) for row in frame.itertuples(index=False)]


def expected() -> list[tuple]:
    busy = [10.0 * (i + 1) for i in range(12) if i != 3]
    return [(HOUR, 12, 11, sum(busy))]


def test_an_hour_written_across_cycles_is_summed_afresh_not_twice(store):
    store.init()
    with store.write() as con:
        ensure_instance(con, "acme")
        insert_frame(con, "sync_stats", samples(0, 5))
        insert_frame(con, "sync_stats", samples(6, 11))
        insert_frame(con, "sync_stats", samples(0, 11))  # a re-import adds nothing
    assert [tuple(r[1:]) for r in rolled_up(store)] == [tuple(expected()[0][1:])]
    assert rolled_up(store)[0][0] == HOUR


def test_a_store_written_before_the_roll_up_gets_it_from_its_samples(store):
    store.init()
    with store.write() as con:
        ensure_instance(con, "acme")
        insert_frame(con, "sync_stats", samples(0, 11))
        # As before migration 012: no roll-up rows and the migration not recorded.
        con.execute("DELETE FROM sync_drain_hourly")
        con.execute("DELETE FROM schema_version WHERE version = 12")
    assert rolled_up(store) == []
    store.init()  # applies the migrations not recorded
    assert [tuple(r[1:]) for r in rolled_up(store)] == [tuple(expected()[0][1:])]


def test_rates_as_of_a_moment_use_only_the_hours_ended_by_then(store):
    """A row holds every sample of its hour: a plan as of 10:05 must not see 10:05-10:55."""
    store.init()
    with store.write() as con:
        ensure_instance(con, "acme")
        insert_frame(con, "sync_stats", samples(0, 11))
        later = samples(0, 11, backlog=5000.0).assign(ts=lambda f: f["ts"] + timedelta(hours=1))
        insert_frame(con, "sync_stats", later)

    def hours_seen(until: datetime) -> list[datetime]:
        rates = store.query("plan_drain_rates", instance="acme", until=until, history_days=28)
        return [hour.to_pydatetime() for hour in rates["hour"]]

    assert hours_seen(HOUR + timedelta(hours=1, minutes=5)) == [HOUR]
    assert hours_seen(HOUR + timedelta(hours=2)) == [HOUR, HOUR + timedelta(hours=1)]
