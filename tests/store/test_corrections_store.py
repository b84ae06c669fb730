"""Corrections of the reading in the ConversationStore: the turn keeps its original answer beside the coder's
correction, across restarts and concurrent writers; a correction only reaches a turn through its own conversation;
deleting a conversation deletes its corrections; databases made before the corrections table still open."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from advisor.errors import NotFound
from advisor.settings import Settings
from advisor.store import ConversationStore

QUESTION = "Right L4-5 facet injection under fluoro, Medicare: what do I bill?"
ORIGINAL = {
    "answer": "Bill 64493-RT.",
    "verdict": None,
    "claim": [{"code": "64493", "modifiers": ["RT"], "units": 1}],
    "engine": "offline",
    "understood": {"procedures": [{"source": 0, "family": "facet_injection", "side": "right"}]},
}
EDIT = {"procedures": [{"source": 0, "family": "facet_injection", "side": "bilateral"}], "em": None,
        "payer": "medicare", "setting": "office"}


def corrected(side: str) -> dict:
    return {
        "answer": f"Bill 64493-{'50' if side == 'bilateral' else side[0].upper() + 'T'}.",
        "verdict": "no",
        "claim": [{"code": "64493", "modifiers": ["50" if side == "bilateral" else "LT"], "units": 1}],
        "engine": "offline",
        "understood": {"procedures": [{"source": 0, "family": "facet_injection", "side": side}]},
        "corrected": {"changes": [f"side right → {side}"]},
    }


def _turn_with_answer(store: ConversationStore) -> tuple[str, str]:
    conv = store.create(QUESTION)
    return conv.id, store.add_turn(conv.id, QUESTION, ORIGINAL)


def test_correction_keeps_the_original_and_survives_a_restart(store: ConversationStore, settings: Settings) -> None:
    cid, aid = _turn_with_answer(store)
    saved = store.add_correction(cid, aid, EDIT, corrected("bilateral"))
    assert saved.count == 1 and saved.original["claim"][0]["modifiers"] == ["RT"]
    store.close()

    again = ConversationStore(settings)  # a new process on the same file
    try:
        (turn,) = again.get(cid).turns
        assert turn.answer["claim"][0]["modifiers"] == ["50"]
        assert turn.answer["answer_id"] == aid and turn.answer["conversation_id"] == cid
        assert turn.correction is not None and turn.correction.edit == EDIT and turn.correction.count == 1
        assert turn.correction.original["claim"][0]["modifiers"] == ["RT"]
        assert again.turn(aid, cid).answer == turn.answer
        assert again.history(cid)[0].answer["understood"]["procedures"][0]["side"] == "bilateral"
    finally:
        again.close()


def test_latest_correction_is_shown_and_every_one_is_kept(store: ConversationStore, settings: Settings) -> None:
    cid, aid = _turn_with_answer(store)
    store.add_correction(cid, aid, EDIT, corrected("bilateral"))
    store.add_correction(cid, aid, EDIT | {"payer": "commercial"}, corrected("left"))
    turn = store.turn(aid, cid)
    assert turn.answer["claim"][0]["modifiers"] == ["LT"]
    assert turn.correction.count == 2 and turn.correction.edit["payer"] == "commercial"
    assert turn.correction.original["claim"][0]["modifiers"] == ["RT"]
    with sqlite3.connect(settings.data_dir / "advisor.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM corrections WHERE answer_id = ?", (aid,)).fetchone()[0] == 2


def test_a_correction_reaches_a_turn_only_through_its_own_conversation(store: ConversationStore) -> None:
    mine, my_answer = _turn_with_answer(store)
    theirs, their_answer = _turn_with_answer(store)
    with pytest.raises(NotFound) as err:
        store.add_correction(theirs, my_answer, EDIT, corrected("bilateral"))
    assert err.value.where == "answer_id" and "does not exist in conversation" in err.value.message
    with pytest.raises(NotFound):
        store.turn(my_answer, theirs)
    with pytest.raises(NotFound) as err:
        store.add_correction("nope", my_answer, EDIT, corrected("bilateral"))
    assert err.value.where == "conversation_id"
    store.add_correction(mine, my_answer, EDIT, corrected("bilateral"))
    assert store.get(theirs).turns[0].correction is None
    assert store.get(theirs).turns[0].answer["claim"][0]["modifiers"] == ["RT"]
    assert store.get(mine).turns[0].correction is not None


def test_deleting_the_conversation_deletes_its_corrections(store: ConversationStore, settings: Settings) -> None:
    cid, aid = _turn_with_answer(store)
    other, other_aid = _turn_with_answer(store)
    store.add_correction(cid, aid, EDIT, corrected("bilateral"))
    store.add_correction(other, other_aid, EDIT, corrected("bilateral"))
    store.delete(cid)
    with sqlite3.connect(settings.data_dir / "advisor.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM corrections WHERE conversation_id = ?", (cid,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM corrections").fetchone()[0] == 1


def test_feedback_sees_the_answer_as_corrected(store: ConversationStore) -> None:
    cid, aid = _turn_with_answer(store)
    store.add_correction(cid, aid, EDIT, corrected("bilateral"))
    row = store.add_feedback(aid, "up")
    assert row.verdict == "no"
    (exported,) = store.feedback_rows()
    assert exported.answer == "Bill 64493-50." and exported.question == QUESTION


def test_concurrent_corrections_from_two_stores_all_land(settings: Settings) -> None:
    first, second = ConversationStore(settings), ConversationStore(settings)
    try:
        cid, aid = _turn_with_answer(first)
        errors: list[BaseException] = []

        def write(store: ConversationStore, side: str) -> None:
            try:
                for _ in range(5):
                    store.add_correction(cid, aid, EDIT, corrected(side))
                    store.add_turn(cid, "and bilateral?", ORIGINAL)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(s, side))
                   for s, side in ((first, "bilateral"), (second, "left"), (first, "left"), (second, "bilateral"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        turn = second.turn(aid, cid)
        assert turn.correction.count == 20
        assert len(first.get(cid).turns) == 21
    finally:
        first.close()
        second.close()


def test_a_database_made_before_corrections_opens_and_takes_them(settings: Settings) -> None:
    """The tables as an earlier version created them (no corrections table), with a turn in them."""
    settings.data_dir.mkdir(parents=True)
    with sqlite3.connect(settings.data_dir / "advisor.sqlite3") as conn:
        conn.executescript("""
            CREATE TABLE conversations (id VARCHAR(32) PRIMARY KEY, title VARCHAR(200) NOT NULL,
                created DATETIME NOT NULL, updated DATETIME NOT NULL);
            CREATE TABLE turns (seq INTEGER PRIMARY KEY AUTOINCREMENT, answer_id VARCHAR(32) NOT NULL UNIQUE,
                conversation_id VARCHAR(32) NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                question TEXT NOT NULL, answer JSON NOT NULL, created DATETIME NOT NULL);
            CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id VARCHAR(32) NOT NULL,
                conversation_id VARCHAR(32), rating VARCHAR(4) NOT NULL, comment TEXT, verdict VARCHAR(16),
                engine VARCHAR(120), knowledge_version VARCHAR(120), created DATETIME NOT NULL);
            INSERT INTO conversations VALUES ('c1', 'old', '2025-01-01 00:00:00', '2025-01-01 00:00:00');
            INSERT INTO turns (answer_id, conversation_id, question, answer, created)
                VALUES ('a1', 'c1', 'old question', '{"answer": "Bill 64493-RT.", "verdict": null}',
                        '2025-01-01 00:00:00');
        """)
    store = ConversationStore(settings)
    try:
        (turn,) = store.get("c1").turns
        assert turn.correction is None and turn.answer["answer"] == "Bill 64493-RT."
        store.add_correction("c1", "a1", EDIT, corrected("bilateral"))
        assert store.get("c1").turns[0].answer["answer"] == "Bill 64493-50."
    finally:
        store.close()
