"""Rate limits over real HTTP (issue #17 item 5): past a user's or an address's limit an answer, a stream, a chat
completion, an MCP ask tool call or an audit is a 429 in the app's one error shape (OpenAI's on /v1) with
Retry-After; users and addresses are counted apart; cheap routes are not limited; /mcp's body is limited while read.

Users come from the sign-in stand-in (tests/api/signed_in.py, `X-Test-User: id:role`); addresses are distinct
loopback source addresses (127.0.0.x), which Linux routes to the server on 127.0.0.1.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

QUESTION = {"question": "bilateral L4-5 facet injection under fluoro, codes?"}
LIMITS = {"ADVISOR_RATE_LIMIT_ASK": "3/minute", "ADVISOR_RATE_LIMIT_ASK_ADDRESS": "5/minute",
          "ADVISOR_RATE_LIMIT_AUDIT": "2/minute", "ADVISOR_MAX_JSON_BYTES": "4096", "ADVISOR_MAX_UPLOAD_BYTES": "4096"}
CSV = b"claim_id,patient_id,provider,dos,code,modifiers,units\nC1,P1,DR1,2026-03-02,64493,50,1\n"


@pytest.fixture(scope="module")
def server(session_server_factory: Any) -> Any:
    return session_server_factory(env=LIMITS, app="tests.api.signed_in:create_app").start(ready_path="/healthz")


def client(address: str) -> httpx.Client:
    """A client whose connections come from `address` (a loopback address of its own: a client address of its own)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def ask(http: httpx.Client, server: Any, user: str | None = None, path: str = "/api/ask") -> httpx.Response:
    headers = {"X-Test-User": f"{user}:coder"} if user else {}
    if path == "/v1/chat/completions":
        body: dict[str, Any] = {"model": "pain-coding-advisor",
                                "messages": [{"role": "user", "content": QUESTION["question"]}]}
    else:
        body = QUESTION
    return http.post(server.url + path, json=body, headers=headers)


def assert_limited(res: httpx.Response, setting: str) -> None:
    assert res.status_code == 429, res.text
    wait = int(res.headers["retry-after"])
    assert 1 <= wait <= 120  # at most the rest of this window and part of the next (sliding window)
    body = res.json()
    assert body["error"] == "RateLimitExceeded" and body["where"] is None
    assert f"({setting})" in body["message"] and f"retry in {wait} s" in body["message"]


def test_a_users_limit_is_a_429_with_retry_after_and_other_users_are_not_counted(server: Any) -> None:
    with client("127.0.0.11") as http:
        assert [ask(http, server, "ana").status_code for _ in range(3)] == [200, 200, 200]
        assert_limited(ask(http, server, "ana"), "ADVISOR_RATE_LIMIT_ASK")
        assert "per user" in ask(http, server, "ana").json()["message"]
        assert ask(http, server, "ben").status_code == 200  # another user from the same address
    with client("127.0.0.12") as http:  # the same user from another address is still the same user
        assert_limited(ask(http, server, "ana"), "ADVISOR_RATE_LIMIT_ASK")


def test_an_addresss_limit_counts_every_user_from_it(server: Any) -> None:
    with client("127.0.0.21") as http:
        assert [ask(http, server, user).status_code for user in ("cy", "cy", "di", "di", "ed")] == [200] * 5
        res = ask(http, server, "fay")  # fay's first request, but the address has sent 5 this minute
        assert_limited(res, "ADVISOR_RATE_LIMIT_ASK_ADDRESS")
        assert "per address" in res.json()["message"]
    with client("127.0.0.22") as http:  # fay from elsewhere: fine
        assert ask(http, server, "fay").status_code == 200


def test_without_sign_in_the_user_limit_counts_the_address(server: Any) -> None:
    with client("127.0.0.31") as http:
        assert [ask(http, server).status_code for _ in range(3)] == [200, 200, 200]
        res = ask(http, server)
        assert_limited(res, "ADVISOR_RATE_LIMIT_ASK")
        assert "per address" in res.json()["message"]
        assert http.post(server.url + "/api/check", json={"lines": ["64493-50"]}).status_code == 200  # not limited
        assert http.get(server.url + "/api/conversations").status_code == 200
    with client("127.0.0.32") as http:
        assert ask(http, server).status_code == 200


def test_stream_and_chat_completions_share_the_ask_limit(server: Any) -> None:
    with client("127.0.0.41") as http:
        assert ask(http, server, "gus", "/api/ask/stream").status_code == 200
        assert ask(http, server, "gus", "/v1/chat/completions").status_code == 200
        assert ask(http, server, "gus").status_code == 200
        assert_limited(ask(http, server, "gus", "/api/ask/stream"), "ADVISOR_RATE_LIMIT_ASK")
        res = ask(http, server, "gus", "/v1/chat/completions")
        assert res.status_code == 429 and 1 <= int(res.headers["retry-after"]) <= 120
        error = res.json()["error"]  # OpenAI's shape: its clients raise RateLimitError
        assert error["type"] == "requests" and error["code"] == "rate_limit_exceeded" and error["param"] is None
        assert "ADVISOR_RATE_LIMIT_ASK" in error["message"]


def mcp(http: httpx.Client, server: Any, tool: str, args: dict[str, Any], user: str) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": args}}
    return http.post(server.url + "/mcp", json=body, headers={
        "Accept": "application/json, text/event-stream", "X-Test-User": f"{user}:coder"})


def test_mcp_ask_tool_calls_count_and_other_tools_do_not(server: Any) -> None:
    with client("127.0.0.51") as http:
        for _ in range(3):
            res = mcp(http, server, "ask", QUESTION, "hal")
            assert res.status_code == 200 and not res.json()["result"].get("isError"), res.text
        assert_limited(mcp(http, server, "ask", QUESTION, "hal"), "ADVISOR_RATE_LIMIT_ASK")
        assert_limited(ask(http, server, "hal"), "ADVISOR_RATE_LIMIT_ASK")  # one allowance for every way in
        for _ in range(4):
            res = mcp(http, server, "check_claim", {"lines": ["64493-50"]}, "hal")
            assert res.status_code == 200 and not res.json()["result"].get("isError"), res.text


def test_audit_uploads_are_limited(server: Any) -> None:
    with client("127.0.0.61") as http:
        for _ in range(2):
            assert http.post(server.url + "/api/audit", files={"file": ("c.csv", CSV)}).status_code == 200
        assert_limited(http.post(server.url + "/api/audit", files={"file": ("c.csv", CSV)}),
                       "ADVISOR_RATE_LIMIT_AUDIT")
        assert ask(http, server).status_code == 200  # another bucket


def test_mcp_body_is_limited_while_read_even_without_a_length(server: Any) -> None:
    body = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"pad": "' + b"x" * 6000 + b'"}}'

    def chunked() -> Any:
        yield from (body[i:i + 1000] for i in range(0, len(body), 1000))

    res = httpx.post(server.url + "/mcp", content=chunked(), timeout=30, headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    assert res.status_code == 413 and res.json()["error"] == "TooLarge" and "4,096" in res.json()["message"]


def test_every_route_that_takes_a_body_limits_it_while_read(server: Any) -> None:
    """Every route in the OpenAPI schema that reads a body (a requestBody, or the audit's form), and /mcp, refuses a
    chunked body (no Content-Length) over its limit with the one 413; the others (DELETE) never read it, and no
    route answers such a body with a 2xx or a 500."""
    paths = httpx.get(server.url + "/openapi.json", timeout=30).json()["paths"]
    targets = [(method.upper(), path.replace("{", "").replace("}", ""), "requestBody" in op or path == "/api/audit")
               for path, item in paths.items() for method, op in item.items()
               if method in ("post", "put", "patch", "delete")]
    assert sum(reads for *_, reads in targets) >= 12, targets
    big = b'{"pad": "' + b"x" * 200_000 + b'"}'

    def chunked() -> Any:
        yield from (big[i:i + 8192] for i in range(0, len(big), 8192))

    for method, path, reads in [*targets, ("POST", "/mcp", True)]:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if path == "/api/audit":
            headers["Content-Type"] = "multipart/form-data; boundary=xyz"
        res = httpx.request(method, server.url + path, content=chunked(), headers=headers, timeout=30)
        if reads:
            assert res.status_code == 413, (method, path, res.status_code, res.text[:200])
            error = res.json()["error"]  # OpenAI's shape on /v1
            assert (error["code"] == "too_large" if path.startswith("/v1/") else error == "TooLarge"), (method, path)
        else:
            assert 400 <= res.status_code < 500, (method, path, res.status_code)
