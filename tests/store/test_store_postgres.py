"""The same store on PostgreSQL: a throwaway cluster (tests/servers.py, the session's `pg_cluster`) or
ADVISOR_TEST_POSTGRES_URL.

Skipped when neither is available (no PostgreSQL binaries, or not root and no URL given).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from advisor.errors import NotFound
from advisor.settings import Settings
from advisor.store import ConversationStore

pytestmark = pytest.mark.slow

ANSWER = {"answer": "Bill 64493-50 [1].", "verdict": None, "engine": "offline", "knowledge_version": "kv"}


@pytest.fixture(scope="module")
def pg_url(pg_cluster: str) -> str:
    return pg_cluster


@pytest.fixture
def pg_store(pg_url: str, tmp_path: Path) -> Iterator[ConversationStore]:
    store = ConversationStore(Settings(data_dir=tmp_path, database_url=pg_url))
    yield store
    store.close()


def test_uses_postgres_not_sqlite(pg_store: ConversationStore, tmp_path: Path) -> None:
    assert pg_store.url.startswith("postgresql+psycopg://")
    pg_store.create("x")
    assert not (tmp_path / "advisor.sqlite3").exists()


def test_crud_turns_and_feedback_on_postgres(pg_store: ConversationStore) -> None:
    conv = pg_store.create("Postgres conversation")
    a1 = pg_store.add_turn(conv.id, "first", ANSWER)
    a2 = pg_store.add_turn(conv.id, "second", {**ANSWER, "verdict": "yes"})
    pg_store.add_feedback(a2, "down", "needs KX")
    got = pg_store.get(conv.id)
    assert [t.answer_id for t in got.turns] == [a1, a2]
    assert got.turns[1].feedback.comment == "needs KX"
    assert pg_store.rename(conv.id, "Renamed").title == "Renamed"
    rows = [r for r in pg_store.feedback_rows() if r.conversation_id == conv.id]
    assert rows[0].question == "second" and rows[0].verdict == "yes"
    pg_store.delete(conv.id)
    with pytest.raises(NotFound):
        pg_store.get(conv.id)


def test_corrections_on_postgres(pg_store: ConversationStore) -> None:
    conv = pg_store.create("corrected on postgres")
    aid = pg_store.add_turn(conv.id, "right L4-5 facet", ANSWER)
    edit = {"procedures": [{"source": 0, "family": "facet_injection", "side": "bilateral"}], "payer": "medicare"}
    pg_store.add_correction(conv.id, aid, edit, {**ANSWER, "answer": "Bill 64493-50 [1].", "verdict": "yes"})
    pg_store.add_correction(conv.id, aid, edit, {**ANSWER, "answer": "Bill 64493-LT [1].", "verdict": "no"})
    (turn,) = pg_store.get(conv.id).turns
    assert turn.answer["answer"] == "Bill 64493-LT [1]." and turn.correction.count == 2
    assert turn.correction.original["answer"] == ANSWER["answer"] and turn.correction.edit == edit
    other = pg_store.create("another")
    with pytest.raises(NotFound):
        pg_store.add_correction(other.id, aid, edit, ANSWER)
    assert pg_store.add_feedback(aid, "up").verdict == "no"
    pg_store.delete(conv.id)
    with pytest.raises(NotFound):
        pg_store.turn(aid)


def test_twenty_threads_on_postgres_lose_nothing(pg_store: ConversationStore) -> None:
    conv = pg_store.create("shared")
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def writer(i: int) -> None:
        try:
            barrier.wait()
            for j in range(5):
                pg_store.add_feedback(pg_store.add_turn(conv.id, f"w{i} q{j}", ANSWER), "up")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert len(pg_store.get(conv.id).turns) == 100
    assert len([r for r in pg_store.feedback_rows() if r.conversation_id == conv.id]) == 100


def test_server_on_postgres_survives_restart(pg_url: str, live_server_factory) -> None:
    server = live_server_factory(env={"ADVISOR_DATABASE_URL": pg_url}).start()
    made = httpx.post(f"{server.url}/api/conversations", json={"title": "on postgres"}, timeout=10).json()
    server.stop()
    server.start()
    assert httpx.get(f"{server.url}/api/conversations/{made['id']}", timeout=10).json()["title"] == "on postgres"
    assert not (server.data_dir / "advisor.sqlite3").exists()
