"""ConversationStore in-process: CRUD, turns, feedback, CSV export, restarts and concurrent writers (SQLite WAL)."""

from __future__ import annotations

import csv
import io
import multiprocessing as mp
import sqlite3
import threading
from pathlib import Path

import pytest

from advisor.errors import InvalidInput, NotFound
from advisor.settings import Settings
from advisor.store import ConversationStore

ANSWER = {
    "answer": "Bill **64493-50** and **64494-50** [1].",
    "verdict": "yes",
    "claim": [{"code": "64493", "modifiers": ["50"], "units": 1}],
    "findings": [],
    "citations": [{"n": 1, "doc": "facet-injections", "title": "Facet", "section": "Bilateral", "text": "...", "sources": []}],
    "engine": "offline",
    "knowledge_version": "kv-1",
}


def test_sqlite_file_in_wal_mode_under_data_dir(store: ConversationStore, settings: Settings) -> None:
    store.create("hello")
    path = settings.data_dir / "advisor.sqlite3"
    assert path.is_file()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_create_get_list_rename_delete(store: ConversationStore) -> None:
    conv = store.create("  What do I bill for\n a bilateral MBB?  ")
    assert conv.title == "What do I bill for a bilateral MBB?"
    assert store.get(conv.id).turns == []
    other = store.create("second")
    ids = [c.id for c in store.list()]
    assert set(ids) == {conv.id, other.id}

    summary = store.rename(conv.id, "Bilateral MBB")
    assert summary.title == "Bilateral MBB"
    assert store.get(conv.id).title == "Bilateral MBB"

    store.delete(conv.id)
    with pytest.raises(NotFound):
        store.get(conv.id)
    assert [c.id for c in store.list()] == [other.id]


def test_long_or_empty_title_on_create_is_cleaned(store: ConversationStore) -> None:
    assert len(store.create("x" * 500).title) == 200
    assert store.create("   ").title == "New conversation"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 201])
def test_rename_rejects_empty_and_long_titles(store: ConversationStore, bad: str) -> None:
    conv = store.create("t")
    with pytest.raises(InvalidInput):
        store.rename(conv.id, bad)


def test_unknown_ids_raise_not_found(store: ConversationStore) -> None:
    for call in (
        lambda: store.get("nope"),
        lambda: store.rename("nope", "x"),
        lambda: store.delete("nope"),
        lambda: store.add_turn("nope", "q", ANSWER),
        lambda: store.history("nope"),
        lambda: store.add_feedback("nope", "up"),
    ):
        with pytest.raises(NotFound):
            call()


def test_turns_history_and_ordering(store: ConversationStore) -> None:
    conv = store.create("q1")
    ids = [store.add_turn(conv.id, f"question {i}", {**ANSWER, "answer": f"answer {i}"}) for i in range(5)]
    assert len(set(ids)) == 5
    got = store.get(conv.id)
    assert [t.answer_id for t in got.turns] == ids
    assert [t.question for t in got.turns] == [f"question {i}" for i in range(5)]
    assert got.turns[2].answer["answer"] == "answer 2"
    assert got.turns[2].answer["answer_id"] == ids[2]
    assert got.turns[2].answer["conversation_id"] == conv.id
    assert got.turns[0].answer["claim"] == ANSWER["claim"]
    assert [t.answer_id for t in store.history(conv.id)] == ids
    assert [t.answer_id for t in store.history(conv.id, limit=2)] == ids[-2:]
    assert store.list()[0].turns == 5
    assert store.turn(ids[1]).question == "question 1"


def test_add_turn_moves_conversation_to_top(store: ConversationStore) -> None:
    a = store.create("a")
    b = store.create("b")
    assert store.list()[0].id == b.id
    store.add_turn(a.id, "q", ANSWER)
    assert store.list()[0].id == a.id


def test_add_turn_rejects_bad_input(store: ConversationStore) -> None:
    conv = store.create("t")
    with pytest.raises(InvalidInput):
        store.add_turn(conv.id, "   ", ANSWER)
    with pytest.raises(InvalidInput):
        store.add_turn(conv.id, "q", ["not", "a", "dict"])  # type: ignore[arg-type]


def test_feedback_latest_shown_all_kept_and_survives_delete(store: ConversationStore) -> None:
    conv = store.create("t")
    aid = store.add_turn(conv.id, "Can I bill 25?", ANSWER)
    store.add_feedback(aid, "up")
    store.add_feedback(aid, "down", "  missed the KX modifier  ")
    turn = store.get(conv.id).turns[0]
    assert turn.feedback is not None and turn.feedback.rating == "down"
    assert turn.feedback.comment == "missed the KX modifier"

    rows = store.feedback_rows()
    assert [(r.rating, r.comment) for r in rows] == [("up", None), ("down", "missed the KX modifier")]
    assert rows[1].question == "Can I bill 25?"
    assert rows[1].answer == ANSWER["answer"]
    assert rows[1].verdict == "yes" and rows[1].engine == "offline" and rows[1].knowledge_version == "kv-1"

    store.delete(conv.id)
    rows = store.feedback_rows()
    assert len(rows) == 2
    assert rows[0].question is None and rows[0].answer is None  # text gone with the conversation
    assert rows[0].verdict == "yes"


def test_feedback_validation(store: ConversationStore) -> None:
    conv = store.create("t")
    aid = store.add_turn(conv.id, "q", ANSWER)
    with pytest.raises(InvalidInput):
        store.add_feedback(aid, "meh")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        store.add_feedback(aid, "up", "x" * 2001)
    assert store.add_feedback(aid, "up", "   ").comment is None


def test_csv_export_is_parseable_and_formula_safe(store: ConversationStore) -> None:
    conv = store.create("t")
    aid = store.add_turn(conv.id, 'He said "bill 99213",\nthen left', ANSWER)
    store.add_feedback(aid, "down", "=HYPERLINK(\"http://x\")")
    text = store.feedback_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["rating"] == "down"
    assert rows[0]["comment"].startswith("'=")
    assert rows[0]["question"] == 'He said "bill 99213",\nthen left'
    assert rows[0]["answer_id"] == aid


def test_data_survives_a_new_store_instance(settings: Settings) -> None:
    first = ConversationStore(settings)
    conv = first.create("persist me")
    aid = first.add_turn(conv.id, "q", ANSWER)
    first.add_feedback(aid, "up", "good")
    first.close()
    second = ConversationStore(settings)
    got = second.get(conv.id)
    assert got.title == "persist me" and got.turns[0].feedback.comment == "good"
    second.close()


def test_twenty_threads_writing_at_once_lose_nothing(store: ConversationStore) -> None:
    conv = store.create("shared")
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def writer(i: int) -> None:
        try:
            barrier.wait()
            own = store.create(f"writer {i}")
            for j in range(5):
                aid = store.add_turn(conv.id, f"w{i} q{j}", ANSWER)
                store.add_feedback(aid, "up" if j % 2 else "down", f"w{i}")
                store.add_turn(own.id, f"own {j}", ANSWER)
            store.rename(own.id, f"writer {i} done")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert len(store.get(conv.id).turns) == 100
    assert len(store.feedback_rows()) == 100
    summaries = store.list()
    assert len(summaries) == 21
    assert sum(1 for s in summaries if s.title.endswith("done") and s.turns == 5) == 20


def _process_writer(data_dir: str, conv_id: str, i: int, n: int) -> None:
    store = ConversationStore(Settings(data_dir=Path(data_dir), database_url=None))
    for j in range(n):
        aid = store.add_turn(conv_id, f"p{i} q{j}", ANSWER)
        store.add_feedback(aid, "up")
    store.close()


def test_twenty_processes_writing_the_same_sqlite_file_lose_nothing(settings: Settings) -> None:
    store = ConversationStore(settings)
    conv = store.create("multi-process")
    # forkserver: children fork from a clean, single-threaded server that already imported the store (fast, and
    # safe even when the test process runs other threads, e.g. Playwright's).
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["advisor.store", "advisor.settings"])
    procs = [ctx.Process(target=_process_writer, args=(str(settings.data_dir), conv.id, i, 5)) for i in range(20)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0] * 20
    turns = store.get(conv.id).turns
    assert len(turns) == 100
    assert {t.question for t in turns} == {f"p{i} q{j}" for i in range(20) for j in range(5)}
    assert len(store.feedback_rows()) == 100
    store.close()
