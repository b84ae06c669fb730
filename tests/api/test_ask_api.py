"""POST /api/ask and /api/ask/stream over real HTTP (uvicorn on a free loopback port, offline engine)."""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(session_server_factory: Any) -> Iterator[Any]:
    live = session_server_factory().start()
    yield live


def post(server: Any, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=120)


def test_ask_returns_rules_answer(server: Any) -> None:
    r = post(server, "/api/ask", {"question": "can I bill 99213-25 with a scheduled lumbar ESI, nothing else addressed?"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "no"
    assert body["claim"] == [{"code": "62323", "modifiers": [], "units": 1}]
    assert any(f["rule"] == "EM-25-UNSUPPORTED" for f in body["findings"])
    assert body["engine"] == "offline" and body["engine_label"] == "Offline rules engine"
    assert body["conversation_id"] and body["answer_id"] and body["knowledge_version"]
    markers = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", body["answer"])}
    assert markers == {c["n"] for c in body["citations"]}
    assert "understanding" not in body


def test_follow_up_through_conversation(server: Any) -> None:
    first = post(server, "/api/ask", {"question": "Right L4-5 facet injection under fluoro, code?"}).json()
    second = post(server, "/api/ask", {"question": "what if it was bilateral?",
                                       "conversation_id": first["conversation_id"]}).json()
    assert second["claim"] == [{"code": "64493", "modifiers": ["50"], "units": 1}]
    history = httpx.get(f"{server.url}/api/conversations/{first['conversation_id']}", timeout=30)
    assert history.status_code == 200 and len(history.json()["turns"]) == 2


def test_payer_field_overrides(server: Any) -> None:
    body = post(server, "/api/ask", {"question": "Diagnostic MBB right L4-5, codes?", "payer": "commercial"}).json()
    assert [ln["code"] for ln in body["claim"]] == ["64493"] and "KX" not in body["claim"][0]["modifiers"]


@pytest.mark.parametrize("body,fragment", [
    ({"question": "   "}, "empty"),
    ({"question": "x" * 4001}, "4000"),
    ({"question": "facet", "payer": "tricare"}, "payer"),
    ({}, "question"),
])
def test_bad_input_is_422(server: Any, body: dict[str, Any], fragment: str) -> None:
    r = post(server, "/api/ask", body)
    assert r.status_code == 422 and fragment in r.json()["message"]


def test_unknown_conversation_is_404(server: Any) -> None:
    for path in ("/api/ask", "/api/ask/stream"):
        r = post(server, path, {"question": "and bilateral?", "conversation_id": "nope"})
        assert r.status_code == 404 and "does not exist" in r.json()["message"]


def test_out_of_scope_answer(server: Any) -> None:
    body = post(server, "/api/ask", {"question": "What code do I use for a porcelain dental crown?"}).json()
    assert "outside what I cover" in body["answer"] and body["claim"] == [] and body["verdict"] is None


def test_stream_sends_tokens_then_done(server: Any) -> None:
    events: list[tuple[str, Any]] = []
    with httpx.stream("POST", server.url + "/api/ask/stream", timeout=120,
                      json={"question": "Bilateral L4-5 and L5-S1 facet injections under fluoro, codes?"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
    kinds = [k for k, _ in events]
    assert kinds[-1] == "done" and "token" in kinds and "stage" in kinds
    done = events[-1][1]
    text = "".join(d["text"] for k, d in events if k == "token")
    assert text == done["answer"]
    assert [ln["code"] for ln in done["claim"]] == ["64493", "64494"] and done["answer_id"]
