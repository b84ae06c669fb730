"""The MCP server, driven by the official SDK's own client: over streamable HTTP at /mcp on a real uvicorn server,
and over stdio as `advisor mcp` in a subprocess. Every tool is listed with a typed input schema and called; each
structured result is compared with the JSON API's answer to the same input on the same data."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

TOOLS = {"check_claim", "recommend_codes", "search_guidance", "ask", "lookup", "lookup_code", "lookup_pair"}
CHECK = {"lines": ["99213-25", "64493-50", "64494-50", "77003"], "payer": "medicare",
         "facts": {"separate_problem": False}}
RECOMMEND = {"procedures": [{"family": "facet_injection", "region": "lumbar", "levels": 2, "laterality": "bilateral",
                             "imaging": "fluoroscopy", "diagnostic": True}],
             "em": {"code": "99213", "separate_problem": True}, "facts": {"payer": "medicare"}}
SEARCH = {"query": "bilateral medial branch block units", "k": 3, "codes": ["64493"]}
QUESTION = "Right L4-5 facet injection under fluoro, code?"
FOLLOW_UP = "what if it was bilateral?"
IDS = ("conversation_id", "answer_id")


@pytest.fixture(scope="module")
def server(session_server_factory: Any) -> Iterator[Any]:
    live = session_server_factory().start(ready_path="/healthz")
    deadline = time.monotonic() + 300
    while httpx.get(f"{live.url}/healthz", timeout=10).json()["index"] != "ready":
        assert time.monotonic() < deadline, live.log_tail()
        time.sleep(0.2)
    yield live


def api(server: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    r = httpx.post(server.url + path, json=body, timeout=60) if body is not None else httpx.get(server.url + path)
    assert r.status_code == 200, r.text
    return r.json()


def without_ids(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in IDS}


def run(session: Callable[[Client], Awaitable[None]], target: Any) -> None:
    async def main() -> None:
        async with Client(target, read_timeout_seconds=120) as client:
            await session(client)

    asyncio.run(main())


async def call(client: Client, tool: str, args: dict[str, Any]) -> Any:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    return result


async def every_tool_matches_the_json_api(client: Client, server: Any) -> None:
    """List the tools, call each, and compare with the JSON API's results for the same input."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():  # typed input schemas: object schemas with described properties
        assert tool.input_schema["type"] == "object" and tool.input_schema["properties"], tool.name
        assert tool.description and tool.output_schema, tool.name
    assert tools["check_claim"].input_schema["required"] == ["lines"]
    assert tools["ask"].input_schema["properties"]["payer"]["anyOf"][0]["enum"] == ["medicare", "commercial"]

    checked = (await call(client, "check_claim", CHECK)).structured_content
    assert checked == api(server, "/api/check", CHECK)
    assert {f["rule"] for f in checked["findings"]} >= {"EM-25-UNSUPPORTED"}
    assert all(f["sources"] for f in checked["findings"] if f["severity"] != "info")

    recommended = (await call(client, "recommend_codes", RECOMMEND)).structured_content
    assert recommended == api(server, "/api/recommend", RECOMMEND)
    assert [ln["code"] for ln in recommended["claim"]] == ["99213", "64493", "64494"]

    passages = (await call(client, "search_guidance", SEARCH)).structured_content
    assert passages == api(server, "/api/search", SEARCH) and len(passages["results"]) == 3

    asked = await call(client, "ask", {"question": QUESTION})
    first = asked.structured_content
    assert without_ids(first) == without_ids(api(server, "/api/ask", {"question": QUESTION}))
    assert first["claim"] == [{"code": "64493", "modifiers": ["RT"], "units": 1}] and first["citations"]
    text = asked.content[0].text
    assert text.startswith(first["answer"]) and "**Sources**" in text
    assert all(f"- [{c['n']}] {c['title']}" in text for c in first["citations"])
    # a follow-up in the same conversation, as /api/ask continues one
    follow = (await call(client, "ask", {"question": FOLLOW_UP, "conversation_id": first["conversation_id"]}))
    assert follow.structured_content["claim"] == [{"code": "64493", "modifiers": ["50"], "units": 1}]
    stored = api(server, f"/api/conversations/{first['conversation_id']}")
    assert [t["question"] for t in stored["turns"]] == [QUESTION, FOLLOW_UP]

    # look-ups: the facts /api/ask gives for the same look-up asked as a question
    facts = (await call(client, "lookup", {"codes": ["64483"], "fields": ["global", "mue"]})).structured_content
    assert facts["facts"] == api(server, "/api/ask", {"question": "global days and MUE for 64483?"})["lookup"]
    pair = (await call(client, "lookup", {"codes": ["64493", "64494"], "fields": ["ptp"]})).structured_content
    asked_pair = api(server, "/api/ask", {"question": "Is there a PTP edit between 64493 and 64494?"})
    assert pair["facts"] == asked_pair["lookup"]

    # the encoder's code page and pair look-up, as GET /api/codes/{code} and GET /api/pairs
    page = (await call(client, "lookup_code", {"code": "64493"})).structured_content
    assert page == api(server, "/api/codes/64493") and page["code"] == "64493"
    edit = (await call(client, "lookup_pair", {"a": "20610", "b": "20552"})).structured_content
    assert edit == api(server, "/api/pairs?a=20610&b=20552")

    # the knowledge documents as resources, the same text GET /api/docs/{id} serves
    docs = api(server, "/api/docs")["documents"]
    resources = {str(r.uri): r for r in (await client.list_resources()).resources}
    assert set(resources) == {f"knowledge://{d['id']}" for d in docs}
    doc = docs[0]
    read = await client.read_resource(f"knowledge://{doc['id']}")
    assert read.contents[0].text == api(server, f"/api/docs/{doc['id']}")["markdown"]
    assert resources[f"knowledge://{doc['id']}"].title == doc["title"]


async def bad_input_is_a_tool_error(client: Client) -> None:
    """Bad arguments come back as a tool error naming what to fix (never a crash of the session)."""
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("check_claim", {"lines": ["64493-QQQ"]}, "modifier"),
        ("check_claim", {"lines": []}, "lines"),
        ("recommend_codes", {"procedures": [{"family": "blood_patch"}]}, "unknown procedure family"),
        ("search_guidance", {"query": "   "}, "must not be empty"),
        ("ask", {"question": " "}, "empty"),
        ("ask", {"question": FOLLOW_UP, "conversation_id": "nope"}, "does not exist"),
        ("lookup", {"codes": ["6449"]}, "not a CPT/HCPCS code"),
        ("lookup_code", {"code": "64449"}, "no code 64449"),
        ("lookup_pair", {"a": "64493", "b": "20552", "date": "tomorrow"}, "YYYY-MM-DD"),
    ]
    for tool, args, fragment in cases:
        result = await client.call_tool(tool, args)
        assert result.is_error, (tool, args)
        assert fragment in result.content[0].text, (tool, result.content[0].text)


def test_mcp_over_http_matches_the_json_api(server: Any) -> None:
    async def session(client: Client) -> None:
        await every_tool_matches_the_json_api(client, server)
        await bad_input_is_a_tool_error(client)

    run(session, f"{server.url}/mcp")


def test_mcp_over_stdio_matches_the_json_api(server: Any) -> None:
    """`advisor mcp` on the same data directory as the running server: same tools, same results."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update({"ADVISOR_DATA_DIR": str(server.data_dir), "ADVISOR_EMBEDDER": "fake", "PYTHONPATH": str(PROJECT_ROOT)})
    params = StdioServerParameters(command=sys.executable, args=["-m", "advisor", "mcp"], env=env, cwd=PROJECT_ROOT)

    async def session(client: Client) -> None:
        deadline = time.monotonic() + 120  # the stdio server opens the (already built) index in the background
        while (await client.call_tool("search_guidance", {"query": "facet"})).is_error:
            assert time.monotonic() < deadline, "the stdio server's index never became ready"
            await asyncio.sleep(0.2)
        await every_tool_matches_the_json_api(client, server)
        await bad_input_is_a_tool_error(client)

    run(session, params)


def test_recommend_api_rejects_an_unknown_family(server: Any) -> None:
    r = httpx.post(f"{server.url}/api/recommend", json={"procedures": [{"family": "blood_patch"}]}, timeout=30)
    assert r.status_code == 422 and r.json()["where"] == "procedures[0].family"
    assert "facet_injection" in r.json()["message"]
    r = httpx.post(f"{server.url}/api/recommend", json={"procedures": []}, timeout=30)
    assert r.status_code == 422 and "at least one procedure" in r.json()["message"]


def test_mcp_http_refuses_a_foreign_host_on_loopback(server: Any) -> None:
    """Served on loopback, /mcp checks the Host header (DNS rebinding): a request naming another host is refused."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    r = httpx.post(f"{server.url}/mcp", json=body, timeout=30, headers={
        "Host": "attacker.example", "Accept": "application/json, text/event-stream"})
    assert 400 <= r.status_code < 500 and r.status_code != 404


def test_the_app_imports_the_sdk_only_when_mcp_is_used(tmp_path: Any) -> None:
    """Building the app (and so `advisor serve`'s start) does not import the MCP SDK; /mcp builds it on first use."""
    code = ("import sys; from advisor.api.app import create_app; from advisor.settings import Settings; "
            f"create_app(Settings(data_dir={str(tmp_path)!r}, embedder='fake')); "
            "print(sorted(m for m in ('mcp', 'mcp_types') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, check=True)
    assert done.stdout.strip() == "[]", done.stderr
