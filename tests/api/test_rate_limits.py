"""Rate limits over real HTTP (issue #17 item 5): past a user's or an address's limit an answer, a stream, a chat
completion, an MCP ask tool call, an audit or a CMS import is a 429 in the app's one error shape (OpenAI's on /v1)
with Retry-After; users and addresses are counted apart; cheap routes are not limited; every body is limited while
read.

Users sign in for real (ADVISOR_AUTH=true, accounts and API tokens made as `advisor users add` makes them,
tests/auth/conftest.py); addresses are distinct loopback source addresses (127.0.0.x), which Linux routes to the
server on 127.0.0.1. Single-user mode (no sign-in) has its own server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.conftest import AUTH_ENV, Team, make_accounts

QUESTION = {"question": "bilateral L4-5 facet injection under fluoro, codes?"}
LIMITS = {"ADVISOR_RATE_LIMIT_ASK": "3/minute", "ADVISOR_RATE_LIMIT_ASK_ADDRESS": "5/minute",
          "ADVISOR_RATE_LIMIT_AUDIT": "2/minute", "ADVISOR_RATE_LIMIT_IMPORT": "1/minute",
          "ADVISOR_MAX_JSON_BYTES": "4096", "ADVISOR_MAX_UPLOAD_BYTES": "4096"}
CSV = b"claim_id,patient_id,provider,dos,code,modifiers,units\nC1,P1,DR1,2026-03-02,64493,50,1\n"
PEOPLE = dict.fromkeys(("ana", "ben", "cy", "di", "ed", "fay", "gus", "hal", "ivy"), "coder") | {
    "root": "admin", "boss": "admin"}


@pytest.fixture(scope="module")
def team(session_server_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Team:
    data_dir = tmp_path_factory.mktemp("limits") / "data"
    team = make_accounts(data_dir, PEOPLE)
    team.server = session_server_factory(data_dir, env={**AUTH_ENV, **LIMITS}).start(ready_path="/healthz")
    return team


@pytest.fixture(scope="module")
def single_user(session_server_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    data_dir = Path(tmp_path_factory.mktemp("single")) / "data"
    return session_server_factory(data_dir, env=LIMITS).start(ready_path="/healthz")


def client(address: str, team: Team | None = None, user: str | None = None) -> httpx.Client:
    """A client whose connections come from `address` (a loopback address of its own), as `user` (API token)."""
    headers = {"Authorization": f"Bearer {team.tokens[user]}"} if team and user else {}
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), headers=headers, timeout=60,
                        base_url=team.url if team else "")


def ask(http: httpx.Client, url: str = "", path: str = "/api/ask") -> httpx.Response:
    if path == "/v1/chat/completions":
        body: dict[str, Any] = {"model": "pain-coding-advisor",
                                "messages": [{"role": "user", "content": QUESTION["question"]}]}
    else:
        body = QUESTION
    return http.post(url + path, json=body)


def assert_limited(res: httpx.Response, setting: str) -> None:
    assert res.status_code == 429, res.text
    wait = int(res.headers["retry-after"])
    assert 1 <= wait <= 120  # at most the rest of this window and part of the next (sliding window)
    body = res.json()
    assert body["error"] == "RateLimitExceeded" and body["where"] is None
    assert f"({setting})" in body["message"] and f"retry in {wait} s" in body["message"]


def test_a_users_limit_is_a_429_with_retry_after_and_other_users_are_not_counted(team: Team) -> None:
    with client("127.0.0.11", team, "ana") as ana, client("127.0.0.11", team, "ben") as ben:
        assert [ask(ana).status_code for _ in range(3)] == [200, 200, 200]
        assert_limited(ask(ana), "ADVISOR_RATE_LIMIT_ASK")
        assert "per user" in ask(ana).json()["message"]
        assert ask(ben).status_code == 200  # another user from the same address
    with client("127.0.0.12", team, "ana") as ana:  # the same user from another address is still the same user
        assert_limited(ask(ana), "ADVISOR_RATE_LIMIT_ASK")


def test_an_addresss_limit_counts_every_user_from_it(team: Team) -> None:
    codes = []
    for user, n in (("cy", 2), ("di", 2), ("ed", 1)):
        with client("127.0.0.21", team, user) as http:
            codes += [ask(http).status_code for _ in range(n)]
    assert codes == [200] * 5
    with client("127.0.0.21", team, "fay") as fay:  # fay's first, but the address has sent 5 this minute
        res = ask(fay)
        assert_limited(res, "ADVISOR_RATE_LIMIT_ASK_ADDRESS")
        assert "per address" in res.json()["message"]
    with client("127.0.0.22", team, "fay") as fay:  # fay from elsewhere: fine
        assert ask(fay).status_code == 200


def test_without_sign_in_the_user_limit_counts_the_address(single_user: Any) -> None:
    url = single_user.url
    with client("127.0.0.31") as http:
        assert [ask(http, url).status_code for _ in range(3)] == [200, 200, 200]
        res = ask(http, url)
        assert_limited(res, "ADVISOR_RATE_LIMIT_ASK")
        assert "per address" in res.json()["message"]
        assert http.post(url + "/api/check", json={"lines": ["64493-50"]}).status_code == 200  # not limited
        assert http.get(url + "/api/conversations").status_code == 200
    with client("127.0.0.32") as http:
        assert ask(http, url).status_code == 200


def test_stream_and_chat_completions_share_the_ask_limit(team: Team) -> None:
    with client("127.0.0.41", team, "gus") as gus:
        assert ask(gus, path="/api/ask/stream").status_code == 200
        assert ask(gus, path="/v1/chat/completions").status_code == 200
        assert ask(gus).status_code == 200
        assert_limited(ask(gus, path="/api/ask/stream"), "ADVISOR_RATE_LIMIT_ASK")
        res = ask(gus, path="/v1/chat/completions")
        assert res.status_code == 429 and 1 <= int(res.headers["retry-after"]) <= 120
        error = res.json()["error"]  # OpenAI's shape: its clients raise RateLimitError
        assert error["type"] == "requests" and error["code"] == "rate_limit_exceeded" and error["param"] is None
        assert "ADVISOR_RATE_LIMIT_ASK" in error["message"]


def mcp(http: httpx.Client, tool: str, args: dict[str, Any]) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": args}}
    return http.post("/mcp", json=body, headers={"Accept": "application/json, text/event-stream"})


def test_mcp_ask_tool_calls_count_and_other_tools_do_not(team: Team) -> None:
    with client("127.0.0.51", team, "hal") as hal:
        for _ in range(3):
            res = mcp(hal, "ask", QUESTION)
            assert res.status_code == 200 and not res.json()["result"].get("isError"), res.text
        assert_limited(mcp(hal, "ask", QUESTION), "ADVISOR_RATE_LIMIT_ASK")
        assert_limited(ask(hal), "ADVISOR_RATE_LIMIT_ASK")  # one allowance for every way in
        for _ in range(4):
            res = mcp(hal, "check_claim", {"lines": ["64493-50"]})
            assert res.status_code == 200 and not res.json()["result"].get("isError"), res.text


def test_audit_uploads_and_cms_imports_are_limited(team: Team) -> None:
    with client("127.0.0.61", team, "ivy") as ivy:
        for _ in range(2):
            assert ivy.post("/api/audit", files={"file": ("c.csv", CSV)}).status_code == 200
        assert_limited(ivy.post("/api/audit", files={"file": ("c.csv", CSV)}), "ADVISOR_RATE_LIMIT_AUDIT")
        assert ask(ivy).status_code == 200  # another bucket
    with client("127.0.0.62", team, "root") as root:
        first = root.post("/api/data/import", files={"files": ("notes.txt", b"not a CMS table")})
        assert first.status_code == 422  # counted: the work was done, and refused
        assert_limited(root.post("/api/data/import", files={"files": ("notes.txt", b"x")}),
                       "ADVISOR_RATE_LIMIT_IMPORT")
        assert_limited(root.delete("/api/data/v32.1r0"), "ADVISOR_RATE_LIMIT_IMPORT")


def test_every_route_that_takes_a_body_limits_it_while_read(team: Team) -> None:
    """Every route in the OpenAPI schema that reads a body (a requestBody, or an upload's form), and /mcp, refuses a
    chunked body (no Content-Length) over its limit with the one 413; the others (DELETE) never read it, and no
    route answers such a body with a 500."""
    paths = httpx.get(team.url + "/openapi.json", timeout=30).json()["paths"]
    uploads = ("/api/audit", "/api/data/import")
    targets = [(method.upper(), path.replace("{", "").replace("}", ""), "requestBody" in op or path in uploads)
               for path, item in paths.items() for method, op in item.items()
               if method in ("post", "put", "patch", "delete")]
    assert sum(reads for *_, reads in targets) >= 12, targets
    big = b'{"pad": "' + b"x" * 200_000 + b'"}'

    def chunked() -> Any:
        yield from (big[i:i + 8192] for i in range(0, len(big), 8192))

    for method, path, reads in [*targets, ("POST", "/mcp", True)]:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                   "Authorization": f"Bearer {team.tokens['boss']}"}  # an admin passes every route's role check
        if path in uploads:
            headers["Content-Type"] = "multipart/form-data; boundary=xyz"
        res = httpx.request(method, team.url + path, content=chunked(), headers=headers, timeout=30)
        if reads:
            assert res.status_code == 413, (method, path, res.status_code, res.text[:200])
            error = res.json()["error"]  # OpenAI's shape on /v1
            assert error["code"] == "too_large" if path.startswith("/v1/") else error == "TooLarge", (method, path)
        else:  # DELETE routes ignore the body
            assert res.status_code < 500, (method, path, res.status_code)
