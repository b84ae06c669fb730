"""Every route in the OpenAPI schema x every role (and no sign-in) -> the expected status, over real HTTP.

The table below is the proof that each route has a role decision: `test_the_table_covers_every_route` fails when the
schema has a route the table (or advisor.api.access.POLICY) does not list, so a new route cannot ship without one.
An allowed call gets the route's own answer for the sample request (200, 201, 204, or the route's own 404/409/422
for a sample id that does not exist or a sample body it rejects); a refused one gets 401 (no credentials) or 403
(a role below the route's), in the app's one error format.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from advisor.api.access import POLICY
from tests.auth.conftest import Team

pytestmark = pytest.mark.slow

RECOMMEND = {"procedures": [{"family": "facet_injection", "region": "lumbar", "levels": 2, "laterality": "bilateral",
                             "imaging": "fluoroscopy", "diagnostic": True}], "facts": {"payer": "medicare"}}
CSV = b"claim_id,patient_id,provider,dos,code,modifiers\nC1,P1,DR1,2026-03-02,64493,RT\n"
CHAT = {"model": "pain-coding-advisor", "messages": [{"role": "user", "content": "Right L4-5 facet injection, code?"}]}
ANY = "public"  # the same answer for everyone, signed in or not

# (method, schema path, the request actually sent, request kwargs, {who: status}); who: anon, coder, lead, admin.
# A role missing from a row's dict gets the status of the role below it.
ROWS: list[tuple[str, str, str, dict[str, Any], dict[str, int]]] = [
    ("GET", "/healthz", "/healthz", {}, {"anon": 200}),
    ("GET", "/api/auth/config", "/api/auth/config", {}, {"anon": 200}),
    ("POST", "/api/auth/login", "/api/auth/login", {"json": {"name": "nobody", "password": "not-the-password"}},
     {"anon": 401}),
    ("GET", "/api/auth/oidc/start", "/api/auth/oidc/start", {}, {"anon": 404}),  # no OIDC on this server
    ("GET", "/api/auth/oidc/callback", "/api/auth/oidc/callback?code=c&state=s", {}, {"anon": 404}),
    ("GET", "/api/auth/me", "/api/auth/me", {}, {"anon": 401, "coder": 200}),
    ("POST", "/api/auth/logout", "/api/auth/logout", {}, {"anon": 401, "coder": 204}),
    ("GET", "/api/tokens", "/api/tokens", {}, {"anon": 401, "coder": 200}),
    ("POST", "/api/tokens", "/api/tokens", {"json": {"name": "role table"}}, {"anon": 401, "coder": 201}),
    ("DELETE", "/api/tokens/{token_id}", "/api/tokens/no-such-token", {}, {"anon": 401, "coder": 404}),
    ("POST", "/api/check", "/api/check", {"json": {"lines": ["64493-RT"]}}, {"anon": 401, "coder": 200}),
    ("POST", "/api/recommend", "/api/recommend", {"json": RECOMMEND}, {"anon": 401, "coder": 200}),
    ("POST", "/api/ask", "/api/ask", {"json": {"question": "Right L4-5 facet injection, code?"}},
     {"anon": 401, "coder": 200}),
    ("POST", "/api/ask/stream", "/api/ask/stream", {"json": {"question": "Right L4-5 facet injection, code?"}},
     {"anon": 401, "coder": 200}),
    ("POST", "/api/search", "/api/search", {"json": {"query": ""}}, {"anon": 401, "coder": 422}),
    ("GET", "/api/docs", "/api/docs", {}, {"anon": 401, "coder": 200}),
    ("GET", "/api/docs/{doc_id}", "/api/docs/no-such-doc", {}, {"anon": 401, "coder": 404}),
    ("GET", "/api/codes", "/api/codes?q=6449", {}, {"anon": 401, "coder": 200}),
    ("GET", "/api/codes/{code}", "/api/codes/64493", {}, {"anon": 401, "coder": 200}),
    ("GET", "/api/codes/{code}/units", "/api/codes/64493/units", {}, {"anon": 401, "coder": 200}),
    ("GET", "/api/pairs", "/api/pairs?a=64493&b=64494", {}, {"anon": 401, "coder": 200}),
    ("GET", "/api/modifiers", "/api/modifiers", {}, {"anon": 401, "coder": 200}),
    ("GET", "/api/localities", "/api/localities", {}, {"anon": 401, "coder": 200}),
    ("POST", "/api/estimate", "/api/estimate", {"json": {"lines": ["64493"]}}, {"anon": 401, "coder": 409}),
    ("GET", "/api/understanding/choices", "/api/understanding/choices", {}, {"anon": 401, "coder": 200}),
    ("GET", "/api/conversations", "/api/conversations", {}, {"anon": 401, "coder": 200}),
    ("POST", "/api/conversations", "/api/conversations", {"json": {"title": "role table"}},
     {"anon": 401, "coder": 201}),
    ("GET", "/api/conversations/{conversation_id}", "/api/conversations/nope", {}, {"anon": 401, "coder": 404}),
    ("PATCH", "/api/conversations/{conversation_id}", "/api/conversations/nope", {"json": {"title": "t"}},
     {"anon": 401, "coder": 404}),
    ("DELETE", "/api/conversations/{conversation_id}", "/api/conversations/nope", {}, {"anon": 401, "coder": 404}),
    ("POST", "/api/conversations/{conversation_id}/turns/{answer_id}/correct",
     "/api/conversations/nope/turns/nope/correct", {"json": {}}, {"anon": 401, "coder": 422}),
    ("DELETE", "/api/history", "/api/history", {}, {"anon": 401, "coder": 200}),
    ("POST", "/api/feedback", "/api/feedback", {"json": {"answer_id": "nope", "rating": "up"}},
     {"anon": 401, "coder": 404}),
    ("POST", "/api/audit", "/api/audit", {"files": {"file": ("claims.csv", CSV, "text/csv")}},
     {"anon": 401, "coder": 200}),
    ("GET", "/v1/models", "/v1/models", {}, {"anon": 401, "coder": 200}),
    ("GET", "/v1/models/{model_id}", "/v1/models/pain-coding-advisor", {}, {"anon": 401, "coder": 200}),
    ("POST", "/v1/chat/completions", "/v1/chat/completions", {"json": CHAT}, {"anon": 401, "coder": 200}),
    ("GET", "/api/feedback", "/api/feedback", {}, {"anon": 401, "coder": 403, "lead": 200}),
    ("GET", "/api/usage", "/api/usage", {}, {"anon": 401, "coder": 403, "lead": 200}),
    ("GET", "/api/users", "/api/users", {}, {"anon": 401, "coder": 403, "lead": 403, "admin": 200}),
    ("POST", "/api/users", "/api/users", {"json": {"name": "made-by-table", "role": "coder",
                                                   "password": "long-enough-password"}},
     {"anon": 401, "coder": 403, "lead": 403, "admin": 201}),
    ("PATCH", "/api/users/{name}", "/api/users/nobody", {"json": {"role": "lead"}},
     {"anon": 401, "coder": 403, "lead": 403, "admin": 404}),
    ("DELETE", "/api/users/{name}", "/api/users/nobody", {}, {"anon": 401, "coder": 403, "lead": 403, "admin": 404}),
    ("GET", "/api/data", "/api/data", {}, {"anon": 401, "coder": 403, "lead": 403, "admin": 200}),
    ("GET", "/api/access-log", "/api/access-log?action=auth", {}, {"anon": 401, "coder": 403, "lead": 403,
                                                                   "admin": 200}),
    ("POST", "/api/data/import", "/api/data/import", {"files": {"files": ("notes.txt", b"not a CMS table\n",
                                                                          "text/plain")}},
     {"anon": 401, "coder": 403, "lead": 403, "admin": 422}),
    ("DELETE", "/api/data/{version}", "/api/data/v99.9r9", {}, {"anon": 401, "coder": 403, "lead": 403, "admin": 422}),
]
WHO = ("anon", "coder", "lead", "admin")
AS = {"coder": "carla", "lead": "leo", "admin": "ada"}


def expected(statuses: dict[str, int], who: str) -> int:
    for w in reversed(WHO[: WHO.index(who) + 1]):
        if w in statuses:
            return statuses[w]
    raise AssertionError("no status for anon")


def test_the_table_covers_every_route(team: Team) -> None:
    """Every operation in the OpenAPI schema has a row here and an entry in the access policy, and back."""
    schema = httpx.get(team.url + "/openapi.json").json()
    in_schema = {(m.upper(), path) for path, ops in schema["paths"].items() for m in ops}
    in_table = {(m, path) for m, path, *_ in ROWS}
    assert in_schema - in_table == set(), "routes without a row in the role table"
    assert in_table - in_schema == set(), "rows for routes that no longer exist"
    assert {(m, p) for m, p in in_schema if f"{m} {p}" not in POLICY} == set(), "routes without a role decision"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("method", "path", "url", "kwargs", "statuses"), ROWS,
                         ids=[f"{r[0]} {r[1]}" for r in ROWS])
def test_role_table(team: Team, who: str, method: str, path: str, url: str, kwargs: dict[str, Any],
                    statuses: dict[str, int]) -> None:
    want = expected(statuses, who)
    with team.client(AS.get(who)) as client:
        r = client.request(method, url, **kwargs)
    assert r.status_code == want, f"{who} {method} {url}: {r.status_code} {r.text[:300]}"
    if want in (401, 403) and (want != statuses.get("anon") or who == "anon"):
        body = r.json()
        if url.startswith("/v1/"):
            assert body["error"]["code"] in ("unauthorized", "forbidden"), body
        else:
            assert body["error"] in ("Unauthorized", "Forbidden") and body["message"], body
    if want == 401 and path != "/api/auth/login":
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_mcp_needs_a_signed_in_caller(team: Team) -> None:
    """/mcp is not in the OpenAPI schema (a mounted ASGI app); it is a coder's route like the JSON API, and an MCP
    client sends its API token as a bearer token."""
    headers = {"Accept": "application/json, text/event-stream"}
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    for method in ("GET", "POST", "DELETE"):
        r = httpx.request(method, team.url + "/mcp", json=ping if method == "POST" else None, headers=headers,
                          timeout=60)
        assert r.status_code == 401 and r.json()["error"] == "Unauthorized", (method, r.text)
    with team.client("carla") as client:
        r = client.post("/mcp", json=ping, headers=headers)
    assert r.status_code == 200 and r.json()["id"] == 1, r.text


def test_a_wrong_method_tells_an_anonymous_caller_nothing(team: Team) -> None:
    assert httpx.put(team.url + "/api/users", timeout=30).status_code == 401
    with team.client("carla") as client:
        assert client.put("/api/users").status_code == 403
        assert client.get("/api/no-such-route").status_code == 404
