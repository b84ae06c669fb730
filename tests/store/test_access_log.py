"""The access log and retention (issue #17 item 6), over real HTTP and the real CLI: who opened, exported, deleted
what and when is logged and readable by admins (endpoint and `advisor access-log` with its filters), never a
question's text; retention deletes only conversations past the period, at start of `advisor serve` and by
`advisor retention run`, logs counts only, survives a restart, and with two workers runs once without errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from advisor.settings import Settings
from advisor.store import ConversationStore
from advisor.store.db import SQLITE_FILENAME, conversations
from tests.auth.conftest import AUTH_ENV, Team, make_accounts
from tests.conftest import PROJECT_ROOT, LiveServer

# A question with planted identifiers: none of them may reach the access log or the server's log.
NAME, DOB, MRN = "Marguerite Oyelaran-Tschudi", "03/14/1951", "MRN 88412097"
PHI_QUESTION = f"Patient {NAME}, DOB {DOB}, {MRN}: bilateral L4-5 facet injection under fluoro, codes?"
PLANTED = (NAME, "Oyelaran", DOB, "1951", "88412097")
ANSWER = {"answer": "Bill 64493-50.", "verdict": None, "engine": "offline", "knowledge_version": "kv"}


def cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    environment.update({"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_EMBEDDER": "fake", "ADVISOR_SERVER_URL": "off",
                        **(env or {})})
    return subprocess.run([sys.executable, "-m", "advisor", *args], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def log_rows(data_dir: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data_dir / SQLITE_FILENAME) as db:
        return db.execute("SELECT * FROM access_log ORDER BY id").fetchall()


def entries(team: Team, **params: str) -> list[dict[str, Any]]:
    """The access log as an admin reads it, with filters."""
    with team.client("root") as admin:
        res = admin.get("/api/access-log", params=params)
    assert res.status_code == 200, res.text
    return res.json()


def test_actions_are_logged_with_ids_and_counts_never_the_question(live_server_factory: Any, tmp_path: Path) -> None:
    data = tmp_path / "logged"
    team = make_accounts(data, {"carla": "coder", "leo": "lead", "root": "admin"})
    team.server = live_server_factory(data, env=AUTH_ENV).start(ready_path="/healthz")
    carla_id, leo_id = team.people["carla"].id, team.people["leo"].id
    with team.client("carla") as carla:
        asked = carla.post("/api/ask", json={"question": PHI_QUESTION}).json()
        with carla.stream("POST", "/api/ask/stream", json={"question": PHI_QUESTION}) as res:
            assert res.status_code == 200 and "event: done" in "".join(res.iter_text())
        chat = {"model": "pain-coding-advisor", "messages": [{"role": "user", "content": PHI_QUESTION}]}
        assert carla.post("/v1/chat/completions", json=chat).status_code == 200
        conv = asked["conversation_id"]
        assert carla.get("/api/conversations").status_code == 200
        assert carla.get(f"/api/conversations/{conv}").status_code == 200
        assert carla.patch(f"/api/conversations/{conv}", json={"title": f"{NAME} {DOB}"}).status_code == 200
        assert carla.post("/api/feedback", json={"answer_id": asked["answer_id"], "rating": "down",
                                                 "comment": f"{NAME} again"}).status_code == 201
        assert carla.delete(f"/api/conversations/{conv}").status_code == 204
        refused = carla.get("/api/access-log")  # admins only
        assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    # leo signs in with his password (a browser session), exports the feedback, signs out
    session, csrf = team.session("leo")
    assert session.get("/api/feedback", params={"format": "csv"}).status_code == 200
    assert session.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    session.close()
    assert httpx.post(team.url + "/api/auth/login", json={"name": "leo", "password": "wrong"}).status_code == 401

    log = entries(team)
    mine = [(e["action"], e["target"]) for e in log if e["actor"] == carla_id]
    assert mine == [("conversation.delete", conv), ("conversation.rename", conv), ("conversation.open", conv),
                    ("conversation.list", None)]
    leos = [(e["action"], e["target"]) for e in log if e["actor"] == leo_id]
    assert leos == [("auth.sign_out", None), ("feedback.export", None), ("auth.sign_in", leo_id)]
    assert [e["actor"] for e in log if e["action"] == "auth.sign_in_failed"] == ["anonymous"]
    opened = next(e for e in log if e["action"] == "conversation.open")
    assert opened["detail"] == {"turns": 1} and opened["address"] == "127.0.0.1"
    assert next(e for e in log if e["action"] == "feedback.export")["detail"] == {"format": "csv", "rows": 1}
    # Filters: by user, by action family, by day.
    assert {e["action"] for e in entries(team, action="conversation")} == {
        "conversation.list", "conversation.open", "conversation.rename", "conversation.delete"}
    assert [e["action"] for e in entries(team, user=leo_id, action="auth")] == ["auth.sign_out", "auth.sign_in"]
    today = datetime.now(UTC).date()
    assert entries(team, since=str(today + timedelta(days=1))) == []
    assert len(entries(team, since=str(today), until=str(today))) >= 8
    with team.client("root") as admin:
        bad = admin.get("/api/access-log", params={"since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["where"] == "query.since"
    team.server.stop()

    # Nothing planted reaches the log table, whatever column, nor the server's log output.
    stored = json.dumps(log_rows(data), default=str)
    server_log = team.server.log_path.read_text(errors="replace")
    for planted in PLANTED:
        assert planted not in stored
        assert planted not in server_log
    assert "conversation.open" in stored  # the table was read, not empty


def test_the_access_log_cli_filters_by_user_action_and_date(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = ConversationStore(Settings(data_dir=data, embedder="fake"))
    from advisor.store.access import AccessLog

    access = AccessLog(store)
    access.record("u-1", "conversation.open", "c1", {"turns": 2}, "10.0.0.7")
    access.record("u-2", "conversation.delete", "c2")
    access.record("u-1", "feedback.export", detail={"format": "csv", "rows": 3})
    store.close()
    done = cli(data, "access-log", "--user", "u-1", "--json")
    assert done.returncode == 0, done.stderr
    assert [e["action"] for e in json.loads(done.stdout)] == ["feedback.export", "conversation.open"]
    done = cli(data, "access-log", "--action", "conversation")
    assert done.returncode == 0 and "u-2" in done.stdout and "conversation.delete  c2" in done.stdout
    assert "u-1" in done.stdout and "feedback.export" not in done.stdout
    assert "10.0.0.7  turns=2" in done.stdout
    tomorrow = str(date.today() + timedelta(days=2))
    assert cli(data, "access-log", "--since", tomorrow).stdout.strip() == "no access-log entries match"
    bad = cli(data, "access-log", "--since", "last week")
    assert bad.returncode == 2 and "--since" in bad.stderr and "%Y-%m-%d" in bad.stderr
    assert "access_log.read" in cli(data, "access-log", "--action", "access_log").stdout  # reading is logged


def test_the_log_refuses_text_where_ids_and_counts_belong(tmp_path: Path) -> None:
    from advisor.errors import InvalidInput
    from advisor.store.access import AccessLog

    store = ConversationStore(Settings(data_dir=tmp_path, embedder="fake"))
    access = AccessLog(store)
    for bad in ({"note": PHI_QUESTION}, {"name": NAME}, {"nested": {"a": 1}}):
        with pytest.raises(InvalidInput):
            access.record("local", "conversation.open", "c1", bad)
    with pytest.raises(InvalidInput):
        access.record("local", "conversation.open", PHI_QUESTION)
    assert access.entries() == []
    store.close()


# --------------------------------------------------------------------------- retention


def seed(data_dir: Path, old: int, recent: int, days_ago: int = 40) -> tuple[list[str], list[str]]:
    """`old` conversations last active `days_ago` days ago (two turns each) and `recent` ones from today."""
    store = ConversationStore(Settings(data_dir=data_dir, embedder="fake"))
    made = {"old": [], "recent": []}
    for kind, n in (("old", old), ("recent", recent)):
        for i in range(n):
            conv, _ = store.start(f"{PHI_QUESTION} {kind} {i}", ANSWER)
            store.add_turn(conv, "what if bilateral?", ANSWER)
            made[kind].append(conv)
    stamp = datetime.now(UTC) - timedelta(days=days_ago)
    store.write(lambda c: c.execute(update(conversations).where(conversations.c.id.in_(made["old"]))
                                    .values(updated=stamp, created=stamp)))
    store.close()
    return made["old"], made["recent"]


def stored_ids(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / SQLITE_FILENAME) as db:
        return {r[0] for r in db.execute("SELECT id FROM conversations")}


def retention_entries(data_dir: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(data_dir / SQLITE_FILENAME) as db:
        rows = db.execute("SELECT actor, detail FROM access_log WHERE action = 'retention.delete' ORDER BY id")
        return [{"actor": a, **json.loads(d)} for a, d in rows]


def wait_for(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_retention_at_serve_start_deletes_only_old_conversations_and_survives_a_restart(
        live_server_factory: Any, tmp_path: Path) -> None:
    data = tmp_path / "retained"
    old, recent = seed(data, old=3, recent=2)
    server = live_server_factory(data_dir=data, env={"ADVISOR_RETENTION_DAYS": "30"}).start(ready_path="/healthz")
    wait_for(lambda: retention_entries(data))
    assert stored_ids(data) == set(recent)
    listed = {c["id"] for c in httpx.get(server.url + "/api/conversations", timeout=30).json()}
    assert listed == set(recent)
    assert httpx.get(f"{server.url}/api/conversations/{old[0]}", timeout=30).status_code == 404
    [entry] = retention_entries(data)
    assert entry["actor"] == "system" and entry["days"] == 30
    assert (entry["conversations"], entry["turns"], entry["corrections"]) == (3, 6, 0)
    server.stop()
    server.start(ready_path="/healthz")  # a restart within the hour: nothing comes back, nothing runs twice
    time.sleep(1.0)
    assert stored_ids(data) == set(recent)
    assert len(retention_entries(data)) == 1
    assert {c["id"] for c in httpx.get(server.url + "/api/conversations", timeout=30).json()} == set(recent)
    server.stop()
    for planted in PLANTED:
        assert planted not in server.log_path.read_text(errors="replace")


def test_retention_is_off_unless_configured_and_the_cli_runs_it(tmp_path: Path) -> None:
    data = tmp_path / "cli"
    old, recent = seed(data, old=2, recent=1, days_ago=10)
    none = cli(data, "retention", "run")
    assert none.returncode == 2 and "ADVISOR_RETENTION_DAYS" in none.stderr
    assert stored_ids(data) == set(old) | set(recent)
    kept = cli(data, "retention", "run", "--days", "30")
    assert kept.returncode == 0 and kept.stdout.startswith("deleted 0 conversations"), kept.stderr
    done = cli(data, "retention", "run", env={"ADVISOR_RETENTION_DAYS": "7"})
    assert done.returncode == 0 and done.stdout.startswith("deleted 2 conversations (4 turns, 0 corrections)")
    assert stored_ids(data) == set(recent)
    assert [e["conversations"] for e in retention_entries(data)] == [0, 2]
    assert all(e["actor"].startswith("cli:") for e in retention_entries(data))


class ServeWorkers(LiveServer):
    """`advisor serve --workers 2`: two processes, each running the schedule."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "advisor", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", "2"]


def test_two_workers_run_the_retention_once_without_errors(tmp_path: Path) -> None:
    data = tmp_path / "workers"
    _, recent = seed(data, old=40, recent=3)
    server = ServeWorkers(data, env={"ADVISOR_RETENTION_DAYS": "30", "ADVISOR_RETENTION_INTERVAL_S": "2"})
    try:
        server.start(ready_path="/healthz")
        wait_for(lambda: len(retention_entries(data)) >= 3, timeout=90)  # start, then every ~2 s
        for _ in range(10):  # both workers keep answering meanwhile
            assert httpx.get(server.url + "/api/conversations", timeout=30).status_code == 200
    finally:
        server.stop()
    runs = retention_entries(data)
    assert sum(e["conversations"] for e in runs) == 40 and runs[0]["conversations"] == 40  # deleted once
    assert sum(e["turns"] for e in runs) == 80
    assert stored_ids(data) == set(recent)
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "retention task failed" not in log, log[-3000:]
    assert log.count("retention: deleted 40 conversations") == 1
    # the lease held the task to one run per interval across both workers
    with sqlite3.connect(data / SQLITE_FILENAME) as db:
        stamps = [datetime.fromisoformat(r[0]) for r in db.execute(
            "SELECT at FROM access_log WHERE action = 'retention.delete' ORDER BY at")]
    gaps = [(b - a).total_seconds() for a, b in pairwise(stamps)]
    assert all(gap >= 1.5 for gap in gaps), gaps
