"""The account store and per-owner conversation store on both databases the project supports: SQLite (WAL, the
default) and PostgreSQL (a throwaway cluster, as tests/store/test_store_postgres.py starts one; skipped without
PostgreSQL). Also the upgrade of a database made before owners: its rows become the single-user owner's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, create_engine, text

from advisor.api.principal import Principal
from advisor.auth.accounts import AccountStore
from advisor.errors import Conflict, InvalidInput, NotFound
from advisor.settings import Settings
from advisor.store import ConversationStore, db
from advisor.store.db import database_url
from tests.store.test_store_postgres import pg_url  # noqa: F401 - the throwaway PostgreSQL cluster fixture

ANSWER = {"answer": "Bill 64493-RT [1].", "verdict": None, "engine": "offline", "knowledge_version": "kv"}
OLD_ROWS = [  # written into the tables as they were before owners
    "INSERT INTO conversations (id, title, created, updated) VALUES ('old1', 'Before owners', '2026-01-02 10:00:00', "
    "'2026-01-02 10:00:00')",
    "INSERT INTO turns (answer_id, conversation_id, question, answer, created) VALUES ('ans1', 'old1', "
    "'left L5-S1 TFESI?', '{\"answer\": \"64483-LT\"}', '2026-01-02 10:00:00')",
    "INSERT INTO feedback (answer_id, conversation_id, rating, created) VALUES ('ans1', 'old1', 'up', "
    "'2026-01-02 10:01:00')",
]
TABLES = ("oidc_attempts", "api_tokens", "sessions", "users", "feedback", "corrections", "turns", "conversations")


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    if url:  # a clean database for each test
        engine = create_engine(database_url(tmp_path, url))
        with engine.begin() as conn:
            for table in TABLES:
                conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
        engine.dispose()
    return Settings(data_dir=tmp_path / "data", database_url=url)


@pytest.fixture
def store(settings: Settings) -> Iterator[ConversationStore]:
    s = ConversationStore(settings)
    yield s
    s.close()


def test_each_owner_sees_and_changes_only_their_own(store: ConversationStore) -> None:
    cid, aid = store.start("right L4-5 facet", ANSWER, owner="u1")
    other_cid, other_aid = store.start("bilateral SI joint", ANSWER, owner="u2")
    assert [c.id for c in store.list(owner="u1")] == [cid]
    assert [c.id for c in store.list(owner="u2")] == [other_cid]
    for attempt in (lambda: store.get(cid, owner="u2"), lambda: store.rename(cid, "x", owner="u2"),
                    lambda: store.delete(cid, owner="u2"), lambda: store.add_turn(cid, "q", ANSWER, owner="u2"),
                    lambda: store.history(cid, owner="u2"), lambda: store.turn(aid, owner="u2"),
                    lambda: store.add_feedback(aid, "up", owner="u2"),
                    lambda: store.add_correction(cid, aid, {}, ANSWER, owner="u2")):
        with pytest.raises(NotFound):
            attempt()
    store.add_feedback(aid, "down", "wrong side", owner="u1")
    store.add_feedback(other_aid, "up", owner="u2")
    assert [f.owner for f in store.feedback_rows()] == ["u1", "u2"]  # the team's export: everyone's
    assert [f.answer_id for f in store.feedback_rows(owner="u2")] == [other_aid]

    usage = {u.owner: u for u in store.usage(datetime.now(UTC) - timedelta(days=1))}
    assert usage["u1"].questions == 1 and usage["u1"].thumbs_down == 1 and usage["u2"].thumbs_up == 1

    done = store.delete_history("u1")
    assert (done.conversations, done.feedback) == (1, 1)
    assert store.list(owner="u1") == [] and [c.id for c in store.list(owner="u2")] == [other_cid]
    assert [f.owner for f in store.feedback_rows()] == ["u2"]


def test_accounts_sessions_and_tokens(store: ConversationStore) -> None:
    accounts = AccountStore(store, session_hours=0.0003)  # about a second
    ada = accounts.add_user("ada@clinic.example", "admin", "correct-horse-1")
    with pytest.raises(Conflict):
        accounts.add_user("ada@clinic.example", "coder", "correct-horse-2")
    with pytest.raises(InvalidInput):
        accounts.add_user("bo", "boss", "correct-horse-2")
    assert accounts.verify_password("ada@clinic.example", "wrong-password") is None
    assert accounts.verify_password("nobody", "correct-horse-1") is None
    me = accounts.verify_password("ada@clinic.example", "correct-horse-1")
    assert me == Principal(id=ada.id, name="ada@clinic.example", role="admin", via="session")

    cookie, csrf = accounts.open_session(me)
    signed_in = accounts.session(cookie)
    assert signed_in is not None and signed_in.principal.id == ada.id and signed_in.csrf == csrf
    time.sleep(1.5)
    assert accounts.session(cookie) is None  # expired
    cookie, _ = accounts.open_session(me)
    accounts.close_session(cookie)
    assert accounts.session(cookie) is None

    made = accounts.create_token(me, "script")
    assert accounts.token_principal(made.token) == Principal(id=ada.id, name=ada.name, role="admin", via="token")
    accounts.set_role("ada@clinic.example", "lead")
    assert accounts.token_principal(made.token).role == "lead"  # a role change applies at once
    stranger = Principal(id="someone-else", name="x", role="admin")
    with pytest.raises(NotFound):
        accounts.revoke_token(stranger, made.id)
    assert accounts.revoke_token(me, made.id).revoked is not None
    assert accounts.token_principal(made.token) is None

    # OIDC: a pre-made --sso account is claimed; a local one is never taken over
    accounts.add_user("erin@clinic.example", "lead", origin="oidc")
    erin = accounts.external_user("erin@clinic.example", "oidc", "coder", subject="https://idp sub-1")
    assert erin.role == "lead"
    assert accounts.external_user("renamed@clinic.example", "oidc", "coder", "https://idp sub-1").id == erin.id
    with pytest.raises(Conflict):
        accounts.external_user("ada@clinic.example", "oidc", "coder", subject="https://idp sub-2")

    store.start("q", ANSWER, owner=ada.id)
    accounts.remove_user("ada@clinic.example")
    assert store.list(owner=ada.id) == []
    with pytest.raises(NotFound):
        accounts.get_user("ada@clinic.example")


def test_a_database_from_before_owners_is_upgraded(settings: Settings) -> None:
    url = database_url(settings.data_dir, settings.database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    before = MetaData()  # today's tables without the owner columns: the schema an older version created
    for name in ("conversations", "turns", "corrections", "feedback"):
        Table(name, before, *[c._copy() for c in db.metadata.tables[name].columns if c.name != "owner"])
    engine = create_engine(url)
    before.create_all(engine)
    with engine.begin() as conn:
        for statement in OLD_ROWS:
            conn.execute(text(statement))
    engine.dispose()
    store = ConversationStore(settings)
    try:
        assert [c.id for c in store.list(owner="local")] == ["old1"]  # single-user mode keeps seeing it
        assert store.list(owner="someone") == []
        assert store.get("old1").turns[0].question == "left L5-S1 TFESI?"
        assert [f.owner for f in store.feedback_rows()] == ["local"]
        cid, _ = store.start("new", ANSWER, owner="u1")
        assert [c.id for c in store.list(owner="u1")] == [cid]
    finally:
        store.close()
