"""The real ChatOpenAI client code against a small fake OpenAI-compatible server on loopback that answers
/v1/chat/completions with scripted tool calls, then a final message (as vLLM, llama.cpp or LM Studio would)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from advisor.answer.engines import make_engine
from advisor.answer.model import AskRequest
from advisor.answer.pipeline import AnswerPipeline, MemoryStore


def completion(message: dict[str, Any], finish: str) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "fake-vllm",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def tool_call(name: str, args: dict[str, Any], i: int) -> dict[str, Any]:
    return completion({"role": "assistant", "content": None, "tool_calls": [
        {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}, "tool_calls")


class FakeOpenAI:
    """Scripted replies in order; records each request body."""

    def __init__(self, script: list[dict[str, Any]]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body})
                reply = outer.script.pop(0) if outer.script else completion({"role": "assistant", "content": ""}, "stop")
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAI]:
    script = [
        tool_call("recommend_codes", {"description": "right L5-S1 TFESI with fluoro"}, 1),
        tool_call("search_guidance", {"query": "transforaminal 64483 imaging included"}, 2),
        completion({"role": "assistant", "content": "Bill 64483 [1]; fluoroscopy is included, so no 77003."}, "stop"),
    ]
    with FakeOpenAI(script) as server:
        yield server


def test_chatopenai_against_fake_server(settings, catalog, searcher, fake_server: FakeOpenAI) -> None:
    cfg = settings.model_copy(update={"engine": "openai", "llm_base_url": fake_server.base_url,
                                      "llm_model": "fake-vllm", "llm_timeout_s": 10})
    p = AnswerPipeline(cfg, catalog, searcher=searcher, store=MemoryStore(), engine=make_engine(cfg))
    answer = p.ask(AskRequest(question="Right L5-S1 TFESI with fluoro. Code?"))
    assert answer.engine == "fake-vllm" and answer.engine_label == "OpenAI-compatible: fake-vllm"
    assert [str(ln) for ln in answer.claim] == ["64483-RT"] or [ln.code for ln in answer.claim] == ["64483"]
    assert "64483" in answer.answer and "[1]" in answer.answer and len(answer.citations) == 1
    assert answer.notice is None
    first = fake_server.requests[0]
    assert first["path"] == "/v1/chat/completions"
    assert {t["function"]["name"] for t in first["body"]["tools"]} == {"recommend_codes", "check_claim", "search_guidance"}
    last = fake_server.requests[-1]["body"]["messages"]
    assert [m["role"] for m in last if m["role"] == "tool"] == ["tool", "tool"]


def test_unreachable_server_falls_back(settings, catalog, searcher) -> None:
    with FakeOpenAI([]) as server:
        url = server.base_url
    cfg = settings.model_copy(update={"engine": "openai", "llm_base_url": url, "llm_model": "gone", "llm_timeout_s": 3})
    p = AnswerPipeline(cfg, catalog, searcher=searcher, store=MemoryStore(), engine=make_engine(cfg))
    answer = p.ask(AskRequest(question="Right L5-S1 TFESI with fluoro. Code?"))
    assert answer.engine == "offline" and answer.notice and "gone" in answer.notice
    assert [ln.code for ln in answer.claim] == ["64483"]
