"""/healthz names each dependency with its state: the defaults (SQLite, embedded Chroma) and a deployment whose
PostgreSQL and Chroma server cannot be reached (degraded, each named with the reason; a check that needs the
imported CMS tables is a 503 naming the database, never an answer computed without them)."""

from __future__ import annotations

import time

import httpx

from tests.conftest import free_port


def wait_ready(url: str) -> dict:
    deadline = time.monotonic() + 120
    while (body := httpx.get(f"{url}/healthz", timeout=10).json())["index"] != "ready":
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    return body


def test_defaults_sqlite_and_embedded_chroma(live_server_factory) -> None:
    server = live_server_factory().start(ready_path="/healthz")
    body = wait_ready(server.url)
    deps = body["dependencies"]
    assert body["status"] == "ok" and set(deps) == {"database", "chroma", "index", "model"}
    assert deps["database"]["state"] == "ok" and deps["database"]["kind"] == "sqlite"
    assert deps["database"]["rules_tables"].endswith("cms_tables.sqlite")
    assert deps["database"]["rules_generation"] is None  # nothing imported
    assert deps["chroma"] == {"state": "ok", "kind": "embedded", "where": str(server.data_dir / "chroma")}
    assert deps["index"] == {"state": "ready"}
    assert deps["model"]["state"] == "loaded" and deps["model"]["id"].startswith("fake-hashing")


def test_unreachable_postgres_and_chroma_are_named(live_server_factory) -> None:
    pg_port, chroma_port = free_port(), free_port()  # nothing listens there
    server = live_server_factory(env={
        "ADVISOR_DATABASE_URL": f"postgresql://advisor:secret@127.0.0.1:{pg_port}/advisor",
        "ADVISOR_CHROMA_URL": f"http://127.0.0.1:{chroma_port}", "ADVISOR_INDEX_ON_START": "false"}).start(
        ready_path="/healthz")
    resp = httpx.get(f"{server.url}/healthz", timeout=30)
    assert resp.status_code == 200
    body = resp.json()
    deps = body["dependencies"]
    assert body["status"] == "degraded" and body["catalog"] is None
    assert deps["database"]["state"] == "error" and deps["database"]["kind"] == "postgresql"
    assert "secret" not in resp.text and deps["database"]["where"].startswith("postgresql+psycopg://advisor:***@")
    assert deps["chroma"]["state"] == "error" and deps["chroma"]["kind"] == "server"
    check = httpx.post(f"{server.url}/api/check", json={"lines": ["64493"]}, timeout=30)
    assert check.status_code == 503 and check.headers["Retry-After"]
    assert "rules database (PostgreSQL schema cms at postgresql://advisor:***@" in check.json()["message"]
