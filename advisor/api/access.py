"""Who may call what: one table of every route and the least role it needs (or `public`). The auth middleware
(advisor.api.auth) looks a request up here before any route runs; tests/auth/test_roles.py holds a table of
endpoint x role x expected status and fails when the OpenAPI schema has a route this table does not decide.

Roles include the ones below them: coder (answers, checks, search, code look-ups, audits of an upload, their own
history and API tokens), lead (+ the team's feedback export and usage figures), admin (+ CMS table import/remove,
users).
"""

from __future__ import annotations

import re
from typing import Literal

from starlette.routing import compile_path

from advisor.api.principal import Role

Need = Role | Literal["public"]

PUBLIC_PREFIXES = ("/static/",)  # the page's files: the sign-in page needs them before anyone signs in

POLICY: dict[str, Need] = {
    # the page, its docs and the way in
    "GET /": "public",
    "GET /login": "public",
    "GET /healthz": "public",
    "GET /openapi.json": "public",
    "GET /docs": "public",
    "GET /docs/oauth2-redirect": "public",
    "GET /redoc": "public",
    "GET /api/auth/config": "public",
    "POST /api/auth/login": "public",
    "GET /api/auth/oidc/start": "public",
    "GET /api/auth/oidc/callback": "public",
    # signed in, any role
    "GET /api/auth/me": "coder",
    "POST /api/auth/logout": "coder",
    "GET /api/tokens": "coder",
    "POST /api/tokens": "coder",
    "DELETE /api/tokens/{token_id}": "coder",
    "POST /api/check": "coder",
    "POST /api/recommend": "coder",
    "POST /api/ask": "coder",
    "POST /api/ask/stream": "coder",
    "POST /api/search": "coder",
    "GET /api/docs": "coder",
    "GET /api/docs/{doc_id}": "coder",
    "GET /api/codes": "coder",
    "GET /api/codes/{code}": "coder",
    "GET /api/codes/{code}/units": "coder",
    "GET /api/pairs": "coder",
    "GET /api/modifiers": "coder",
    "GET /api/localities": "coder",
    "POST /api/estimate": "coder",
    "GET /api/understanding/choices": "coder",
    "GET /api/conversations": "coder",
    "POST /api/conversations": "coder",
    "GET /api/conversations/{conversation_id}": "coder",
    "PATCH /api/conversations/{conversation_id}": "coder",
    "DELETE /api/conversations/{conversation_id}": "coder",
    "POST /api/conversations/{conversation_id}/turns/{answer_id}/correct": "coder",
    "DELETE /api/history": "coder",
    "POST /api/feedback": "coder",
    "POST /api/audit": "coder",
    "GET /v1/models": "coder",
    "GET /v1/models/{model_id}": "coder",
    "POST /v1/chat/completions": "coder",
    "GET /mcp": "coder",
    "POST /mcp": "coder",
    "DELETE /mcp": "coder",
    # team leads
    "GET /api/feedback": "lead",
    "GET /api/usage": "lead",
    # admins
    "GET /api/users": "admin",
    "POST /api/users": "admin",
    "PATCH /api/users/{name}": "admin",
    "DELETE /api/users/{name}": "admin",
    "GET /api/data": "admin",
    "POST /api/data/import": "admin",
    "DELETE /api/data/{version}": "admin",
    "GET /api/access-log": "admin",
}
UNLISTED: Need = "coder"  # a path no entry matches is a 404 from the router, for signed-in users only


def _compile(policy: dict[str, Need]) -> list[tuple[str, re.Pattern[str], Need]]:
    out = []
    for key, need in policy.items():
        method, path = key.split(" ", 1)
        out.append((method, compile_path(path)[0], need))
    return out


_COMPILED = _compile(POLICY)


def need_for(method: str, path: str) -> Need:
    """The least role `method path` needs. A path listed for other methods only (a 405) needs what its GET (or
    first listed method) needs, so a wrong method does not tell an anonymous caller more than a right one."""
    if path.startswith(PUBLIC_PREFIXES):
        return "public"
    method = "GET" if method == "HEAD" else method
    fallback: Need | None = None
    for listed, regex, need in _COMPILED:
        if regex.match(path):
            if listed == method:
                return need
            fallback = fallback or need
    return fallback or UNLISTED
