"""Rate-limit counters, the retention lease and the retention deletion on SQLite and on PostgreSQL (the throwaway
cluster of test_store_postgres): Retry-After tells the truth, a refused request is not counted, several rules count
all or nothing, concurrent hits never overshoot, and one of many contenders gets the lease."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from advisor.settings import Settings
from advisor.store import ConversationStore
from advisor.store.access import AccessLog
from advisor.store.db import conversations
from advisor.store.limits import RateCounter, Rule
from advisor.store.retention import delete_inactive, take_lease
from tests.servers import fresh_database
from tests.store.test_store_postgres import pg_url  # noqa: F401 - the fixture, for the postgres variant

ANSWER = {"answer": "Bill 64493-50.", "verdict": None, "engine": "offline", "knowledge_version": "kv"}


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConversationStore]:
    # a database of its own: the cluster is shared by the whole session, and retention deletes every old conversation
    url = fresh_database(request.getfixturevalue("pg_url")) if request.param == "postgres" else None
    store = ConversationStore(Settings(data_dir=tmp_path, database_url=url))
    yield store
    store.close()


def unique(name: str, tmp_path: Path) -> str:
    return f"{name}:{tmp_path.name}"  # the postgres database is shared by the module's tests


def test_retry_after_tells_the_truth(db: ConversationStore, tmp_path: Path) -> None:
    counter = RateCounter(db)
    rule = Rule(unique("ask:user:a", tmp_path), 3, 10)
    start = 1_000_000.0  # the start of a window
    assert [counter.hit([rule], start + i) for i in range(3)] == [None, None, None]
    refused = counter.hit([rule], start + 3)
    assert refused is not None
    wait, which = refused
    assert which == rule
    # 3 in this window: the next one fits once the window has ended and its weight has fallen to (3 - 1) / 3
    assert wait == 11  # ceil(7 s left + 10 * (1 - 2/3) s) from start + 3
    assert counter.hit([rule], start + 3 + wait - 1) is not None  # a second early: still refused
    assert counter.hit([rule], start + 3 + wait) is None  # on time: passes


def test_a_refused_request_is_not_counted_and_rules_count_all_or_nothing(db: ConversationStore,
                                                                        tmp_path: Path) -> None:
    counter = RateCounter(db)
    user, address = Rule(unique("ask:user:b", tmp_path), 5, 60), Rule(unique("ask:address:b", tmp_path), 2, 60)
    start = 2_000_040.0
    assert counter.hit([user, address], start) is None
    assert counter.hit([user, address], start + 1) is None
    for i in range(5):  # the address refuses; the user's count must not grow meanwhile
        refused = counter.hit([user, address], start + 2 + i)
        assert refused is not None and refused[1] == address
    assert [counter.hit([user], start + 10 + i) for i in range(3)] == [None, None, None]  # 2 + 3 = 5
    assert counter.hit([user], start + 14) is not None


def test_concurrent_hits_never_overshoot(db: ConversationStore, tmp_path: Path) -> None:
    counter = RateCounter(db)
    rule = Rule(unique("audit:user:c", tmp_path), 30, 3600)
    now = 3_600_000.0
    allowed: list[bool] = []
    barrier = threading.Barrier(10)

    def client() -> None:
        barrier.wait()
        for _ in range(6):
            allowed.append(counter.hit([rule], now) is None)

    threads = [threading.Thread(target=client) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 60 and sum(allowed) == 30


def test_one_contender_gets_the_lease_until_it_ends(db: ConversationStore, tmp_path: Path) -> None:
    name = unique("retention", tmp_path)[:64]
    got: list[bool] = []
    barrier = threading.Barrier(8)

    def contender(i: int) -> None:
        barrier.wait()
        got.append(take_lease(db, name, 2, holder=f"w{i}"))

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == [False] * 7 + [True]
    assert not take_lease(db, name, 2)
    time.sleep(3.1)
    assert take_lease(db, name, 2)


def test_retention_deletes_only_what_is_past_the_period(db: ConversationStore) -> None:
    old = [db.start(f"old {i}", ANSWER)[0] for i in range(3)]
    recent = db.start("recent", ANSWER)[0]
    db.add_turn(old[0], "follow-up", ANSWER)
    stamp = datetime.now(UTC) - timedelta(days=31)
    db.write(lambda c: c.execute(update(conversations).where(conversations.c.id.in_(old)).values(updated=stamp)))
    access = AccessLog(db)
    result = delete_inactive(db, 30, access)
    assert (result.conversations, result.turns) == (3, 4)
    assert [c.id for c in db.list() if c.id in {*old, recent}] == [recent]
    assert delete_inactive(db, 30, access).conversations == 0
    logged = [e.detail for e in access.entries(action="retention")][:2]
    assert [d["conversations"] for d in logged if d] == [0, 3]
