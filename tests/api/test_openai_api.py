"""The OpenAI-compatible endpoint, driven by the real `openai` Python client against `advisor serve` on loopback:
models, a completion, the same completion streamed, a follow-up turn, OpenAI-shaped errors, and no question text in
the server's log."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.slow

MODEL = "pain-coding-advisor"
QUESTION = "Right L4-5 facet injection under fluoro, code?"
FOLLOW_UP = "what if it was bilateral?"
PRIVATE = "Quillfeather"  # a word that appears only in questions: it must never reach the log
IDS = ("conversation_id", "answer_id")


class AdvisorServe(LiveServer):
    """`advisor serve` itself (the CLI), not uvicorn on the factory."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "advisor", "serve", "--host", "127.0.0.1", "--port", str(self.port)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = AdvisorServe(tmp_path_factory.mktemp("openai") / "data").start(ready_path="/healthz")
    try:
        deadline = time.monotonic() + 300
        while httpx.get(f"{live.url}/healthz", timeout=10).json()["index"] != "ready":
            assert time.monotonic() < deadline, live.log_tail()
            time.sleep(0.2)
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def client(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-needed", max_retries=0, timeout=60)


def ask_api(server: LiveServer, question: str, conversation_id: str | None = None) -> dict[str, Any]:
    body = {"question": question, **({"conversation_id": conversation_id} if conversation_id else {})}
    r = httpx.post(f"{server.url}/api/ask", json=body, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def without_ids(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in IDS}


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def test_models(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list().data] == [MODEL]
    assert client.models.retrieve(MODEL).owned_by == MODEL
    with pytest.raises(openai.NotFoundError) as err:
        client.models.retrieve("gpt-4o")
    assert err.value.code == "model_not_found"


def test_completion_is_the_answer_with_its_citations(server: LiveServer, client: openai.OpenAI) -> None:
    done = client.chat.completions.create(model=MODEL, temperature=0.3, max_tokens=20, messages=[
        {"role": "system", "content": "You are a coding assistant."}, user(QUESTION)])
    extra = done.model_extra["advisor"]
    assert without_ids(extra) == without_ids(ask_api(server, QUESTION))  # the /api/ask body, verdict and all
    assert extra["claim"] == [{"code": "64493", "modifiers": ["RT"], "units": 1}]
    text = done.choices[0].message.content
    assert text.startswith(extra["answer"]) and "**Sources**" in text and extra["citations"]
    assert all(f"- [{c['n']}] {c['title']}" in text for c in extra["citations"])
    assert done.choices[0].finish_reason == "stop" and done.model == MODEL and done.object == "chat.completion"
    stored = httpx.get(f"{server.url}/api/conversations/{extra['conversation_id']}", timeout=30).json()
    assert [t["question"] for t in stored["turns"]] == [QUESTION]  # stored like every answer (feedback can name it)


def test_stream_sends_the_same_reply_in_openai_chunks(server: LiveServer, client: openai.OpenAI) -> None:
    question = "Bilateral L4-5 and L5-S1 facet injections under fluoro, can I bill 99213-25 too?"
    plain = client.chat.completions.create(model=MODEL, messages=[user(question)])
    chunks = list(client.chat.completions.create(model=MODEL, messages=[user(question)], stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks].count("stop") == 1 == (chunks[-1].choices[0].finish_reason
                                                                              == "stop")
    assert len({c.id for c in chunks}) == 1 and all(c.object == "chat.completion.chunk" for c in chunks)
    final = chunks[-1].model_extra["advisor"]
    assert without_ids(final) == without_ids(plain.model_extra["advisor"])
    assert final["verdict"] == "conditional" and [ln["code"] for ln in final["claim"]] == ["64493", "64494"]
    # on the wire: data lines of JSON, the last one `data: [DONE]`
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", timeout=60,
                      json={"model": MODEL, "stream": True, "messages": [user(question)]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = [ln for ln in r.iter_lines() if ln]
    assert all(ln.startswith("data: ") for ln in lines) and lines[-1] == "data: [DONE]"


def test_follow_up_turn_continues_the_conversation(server: LiveServer, client: openai.OpenAI) -> None:
    first = client.chat.completions.create(model=MODEL, messages=[user(QUESTION)])
    history = [user(QUESTION), {"role": "assistant", "content": first.choices[0].message.content}, user(FOLLOW_UP)]
    second = client.chat.completions.create(model=MODEL, messages=history)
    extra = second.model_extra["advisor"]
    assert extra["claim"] == [{"code": "64493", "modifiers": ["50"], "units": 1}]
    # the same answer /api/ask gives the follow-up in a stored conversation
    asked = ask_api(server, QUESTION)
    assert without_ids(extra) == without_ids(ask_api(server, FOLLOW_UP, asked["conversation_id"]))
    streamed = list(client.chat.completions.create(model=MODEL, messages=history, stream=True))
    assert without_ids(streamed[-1].model_extra["advisor"]) == without_ids(extra)
    # without the earlier turn the same words name no procedure: the conversation is what made it bilateral 64493
    alone = client.chat.completions.create(model=MODEL, messages=[user(FOLLOW_UP)]).model_extra["advisor"]
    assert alone["claim"] != extra["claim"]


@pytest.mark.parametrize("body,status,param,fragment", [
    ({"model": "gpt-4o", "messages": [user(QUESTION)]}, 404, "model", "does not exist"),
    ({"model": MODEL, "messages": []}, 400, "messages", "at least 1"),
    ({"model": MODEL}, 400, "messages", "Field required"),
    ({"model": MODEL, "messages": [user(QUESTION), {"role": "assistant", "content": "64493-RT"}]}, 400, "messages",
     "last message must be the user's question"),
    ({"model": MODEL, "messages": [user("   ")]}, 400, "messages[0].content", "empty"),
    ({"model": MODEL, "messages": [user("x" * 4001)]}, 400, "messages[0].content", "4000"),
    ({"model": MODEL, "messages": [user("   "), user(QUESTION)]}, 400, "messages[0].content", "empty"),
    ({"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "text", "text": QUESTION}, {"type": "image_url", "image_url": {"url": "data:,"}}]}]}, 400,
     "messages[0].content", "only text parts"),
    ({"model": MODEL, "messages": [{"role": "wizard", "content": QUESTION}]}, 400, "messages.0.role", "user"),
    ({"model": MODEL, "n": 2, "messages": [user(QUESTION)]}, 400, "n", "only 1 choice"),
])
def test_bad_input_is_an_openai_error(server: LiveServer, body: dict[str, Any], status: int, param: str,
                                      fragment: str) -> None:
    for stream in (False, True):  # a stream request fails the same way, before anything streams
        r = httpx.post(f"{server.url}/v1/chat/completions", json={**body, "stream": stream}, timeout=30)
        assert r.status_code == status, r.text
        error = r.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
        assert error["param"] == param and fragment in error["message"], error


def test_openai_client_raises_its_own_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=[user(QUESTION)])
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model=MODEL, messages=[user(" ")], stream=True)
    assert bad.value.code == "invalid_input" and "empty" in bad.value.message


def test_framework_errors_on_v1_have_the_openai_shape_and_api_keeps_its_own(server: LiveServer) -> None:
    r = httpx.post(f"{server.url}/v1/chat/completions", content=b"\xff not json",
                   headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    r = httpx.get(f"{server.url}/v1/embeddings", timeout=30)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = httpx.post(f"{server.url}/api/ask", json={}, timeout=30)  # the advisor's own API: unchanged
    assert r.status_code == 422 and r.json()["error"] == "InvalidInput" and "question" in r.json()["message"]


def test_question_text_is_never_logged(server: LiveServer, client: openai.OpenAI) -> None:
    question = f"Patient {PRIVATE}: right L4-5 facet injection under fluoro, code?"
    client.chat.completions.create(model=MODEL, messages=[user(question)])
    list(client.chat.completions.create(model=MODEL, messages=[user(question), {"role": "assistant", "content": "ok"},
                                                               user(f"and bilateral for {PRIVATE}?")], stream=True))
    httpx.post(f"{server.url}/v1/chat/completions", json={"model": MODEL, "messages": [user(PRIVATE * 500)]})
    time.sleep(0.3)
    log = server.log_tail(10**7)
    assert "POST /v1/chat/completions" in log and "ask conversation=" in log  # the log is there, and read
    assert PRIVATE not in log
