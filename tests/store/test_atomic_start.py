"""A conversation and its first turn are stored in one transaction (issue 15): a failure while storing the turn
leaves no empty conversation behind. The failure is a real one, raised by SQLite itself (a trigger that aborts the
insert, as a full disk or a constraint would)."""

from __future__ import annotations

import sqlite3

import pytest

from advisor.settings import Settings
from advisor.store import ConversationStore

ANSWER = {"answer": "Bill 64493-50.", "verdict": "yes", "claim": [], "findings": [], "citations": []}


def test_start_stores_the_conversation_and_its_turn(store: ConversationStore) -> None:
    cid, aid = store.start("Bilateral L4-5 MBB, codes?", ANSWER)
    conv = store.get(cid)
    assert conv.title == "Bilateral L4-5 MBB, codes?"
    assert [t.answer_id for t in conv.turns] == [aid]
    assert conv.turns[0].answer["conversation_id"] == cid


def test_a_failed_turn_leaves_no_empty_conversation(store: ConversationStore, settings: Settings) -> None:
    store.list()  # creates the schema
    with sqlite3.connect(settings.data_dir / "advisor.sqlite3") as conn:
        conn.execute("CREATE TRIGGER fail_turn BEFORE INSERT ON turns BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        store.start("a question whose answer could not be stored", ANSWER)
    assert store.list() == []
