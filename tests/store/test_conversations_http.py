"""Conversations and feedback over real HTTP (uvicorn subprocess): CRUD, 404/422, CSV, 20 concurrent writers, restart."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from advisor.settings import Settings
from advisor.store import ConversationStore

ANSWER = {
    "answer": "No: a scheduled injection alone does not support 25 [1].",
    "verdict": "no",
    "claim": [{"code": "64493", "modifiers": [], "units": 1}],
    "findings": [],
    "citations": [],
    "engine": "offline",
    "knowledge_version": "kv-test",
}


@pytest.fixture(scope="module")
def server(session_server_factory):
    """One server for the tests that only look at their own ids (each server start costs seconds)."""
    return session_server_factory().start()


@pytest.fixture
def own_server(live_server_factory):
    """A server with an empty database, for tests that count everything."""
    return live_server_factory().start()


def seed(server, n_conversations: int = 1, turns: int = 1) -> list[tuple[str, list[str]]]:
    """Write conversations straight into the server's database (a second process on the same SQLite file)."""
    store = ConversationStore(Settings(data_dir=server.data_dir, database_url=None))
    out = []
    for i in range(n_conversations):
        conv = store.create(f"seeded {i}")
        out.append((conv.id, [store.add_turn(conv.id, f"question {i}.{j}", ANSWER) for j in range(turns)]))
    store.close()
    return out


def test_crud_over_http(own_server) -> None:
    server = own_server
    [(cid, [aid])] = seed(server)
    with httpx.Client(base_url=server.url, timeout=10) as c:
        listed = c.get("/api/conversations").json()
        assert [x["id"] for x in listed] == [cid] and listed[0]["turns"] == 1

        conv = c.get(f"/api/conversations/{cid}").json()
        assert conv["turns"][0]["answer_id"] == aid
        assert conv["turns"][0]["question"] == "question 0.0"
        assert conv["turns"][0]["answer"]["verdict"] == "no"
        assert conv["turns"][0]["feedback"] is None

        r = c.patch(f"/api/conversations/{cid}", json={"title": "Renamed"})
        assert r.status_code == 200 and r.json()["title"] == "Renamed"
        assert c.get(f"/api/conversations/{cid}").json()["title"] == "Renamed"

        made = c.post("/api/conversations", json={"title": "Empty one"})
        assert made.status_code == 201

        assert c.delete(f"/api/conversations/{cid}").status_code == 204
        r = c.get(f"/api/conversations/{cid}")
        assert r.status_code == 404 and r.json()["error"] == "NotFound"
        assert [x["title"] for x in c.get("/api/conversations").json()] == ["Empty one"]


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/api/conversations/missing", None),
        ("PATCH", "/api/conversations/missing", {"title": "x"}),
        ("DELETE", "/api/conversations/missing", None),
        ("POST", "/api/feedback", {"answer_id": "missing", "rating": "up"}),
    ],
)
def test_unknown_ids_are_404(server, method, path, body) -> None:
    r = httpx.request(method, server.url + path, json=body, timeout=10)
    assert r.status_code == 404
    assert r.json()["error"] == "NotFound" and r.json()["message"]


@pytest.mark.parametrize(
    "body",
    [{}, {"title": ""}, {"title": "   "}, {"title": "x" * 201}, {"title": 5}, {"title": "ok", "extra": 1}],
)
def test_bad_rename_is_422(server, body) -> None:
    [(cid, _)] = seed(server)
    r = httpx.patch(f"{server.url}/api/conversations/{cid}", json=body, timeout=10)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "InvalidInput"


@pytest.mark.parametrize(
    "body",
    [
        {"rating": "up"},
        {"answer_id": "x", "rating": "meh"},
        {"answer_id": "x", "rating": "up", "comment": "c" * 2001},
        {"answer_id": "x", "rating": "up", "surprise": True},
    ],
)
def test_bad_feedback_is_422(server, body) -> None:
    r = httpx.post(f"{server.url}/api/feedback", json=body, timeout=10)
    assert r.status_code == 422, r.text


def test_feedback_json_and_csv(server) -> None:
    [(cid, [a1, a2])] = seed(server, turns=2)
    with httpx.Client(base_url=server.url, timeout=10) as c:
        r = c.post("/api/feedback", json={"answer_id": a1, "rating": "up"})
        assert r.status_code == 201 and r.json()["rating"] == "up"
        c.post("/api/feedback", json={"answer_id": a2, "rating": "down", "comment": "Wrong: needs KX"})
        rows = [x for x in c.get("/api/feedback").json() if x["conversation_id"] == cid]
        assert [(x["answer_id"], x["rating"], x["comment"]) for x in rows] == [
            (a1, "up", None),
            (a2, "down", "Wrong: needs KX"),
        ]
        assert rows[1]["question"] == "question 0.1" and rows[1]["conversation_id"] == cid

        r = c.get("/api/feedback", params={"format": "csv"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        parsed = [x for x in csv.DictReader(io.StringIO(r.text)) if x["conversation_id"] == cid]
        assert [x["rating"] for x in parsed] == ["up", "down"]
        assert parsed[1]["comment"] == "Wrong: needs KX"
        assert c.get("/api/feedback", params={"format": "xml"}).status_code == 422

        conv = c.get(f"/api/conversations/{cid}").json()
        assert conv["turns"][1]["feedback"]["rating"] == "down"


def test_twenty_concurrent_http_writers_lose_nothing(own_server) -> None:
    server = own_server
    seeded = seed(server, n_conversations=20, turns=5)
    answer_ids = [aid for _, aids in seeded for aid in aids]

    def writer(i: int) -> list[int]:
        cid, aids = seeded[i]
        codes = []
        with httpx.Client(base_url=server.url, timeout=60) as c:
            for j, aid in enumerate(aids):
                r = c.post("/api/feedback", json={"answer_id": aid, "rating": "up", "comment": f"w{i}-{j}"})
                codes.append(r.status_code)
                # Everyone also rates writer 0's first answer: contention on one row set.
                r = c.post("/api/feedback", json={"answer_id": answer_ids[0], "rating": "down", "comment": f"hot{i}-{j}"})
                codes.append(r.status_code)
            codes.append(c.patch(f"/api/conversations/{cid}", json={"title": f"writer {i}"}).status_code)
            codes.append(c.post("/api/conversations", json={"title": f"new {i}"}).status_code)
        return codes

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(writer, range(20)))
    assert all(code in (200, 201) for codes in results for code in codes), results

    rows = httpx.get(f"{server.url}/api/feedback", timeout=30).json()
    comments = {r["comment"] for r in rows}
    assert len(rows) == 200
    assert comments == {f"w{i}-{j}" for i in range(20) for j in range(5)} | {f"hot{i}-{j}" for i in range(20) for j in range(5)}
    titles = {c["title"] for c in httpx.get(f"{server.url}/api/conversations", timeout=30).json()}
    assert titles == {f"writer {i}" for i in range(20)} | {f"new {i}" for i in range(20)}


def test_data_survives_a_server_restart(live_server_factory) -> None:
    server = live_server_factory().start()
    [(cid, [aid])] = seed(server)
    httpx.patch(f"{server.url}/api/conversations/{cid}", json={"title": "Keep me"}, timeout=10)
    httpx.post(f"{server.url}/api/feedback", json={"answer_id": aid, "rating": "up", "comment": "kept"}, timeout=10)
    server.stop()

    server.start()
    conv = httpx.get(f"{server.url}/api/conversations/{cid}", timeout=10).json()
    assert conv["title"] == "Keep me"
    assert conv["turns"][0]["answer_id"] == aid
    assert conv["turns"][0]["feedback"] == {**conv["turns"][0]["feedback"], "rating": "up", "comment": "kept"}
    assert len(httpx.get(f"{server.url}/api/feedback", timeout=10).json()) == 1


def test_security_headers_on_page_and_api(server) -> None:
    for path in ("/", "/api/conversations", "/static/app.js"):
        r = httpx.get(server.url + path, timeout=10)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
    page = httpx.get(server.url + "/", timeout=10).text
    assert "<script>" not in page.replace('<script src="/static/app.js" defer></script>', "")
    assert "http://" not in page and "https://" not in page  # nothing from a CDN
