"""The auth layer: who each request is (`request.state.principal`, set before any route runs) and whether their
role may call the route (advisor.api.access), as pure ASGI middleware so streams stay streams.

Single-user mode (ADVISOR_AUTH off, loopback only; `advisor serve` refuses another interface): every request is
the local admin and nothing is looked up. With sign-in on, credentials are tried in this order:
1. `Authorization: Bearer <API token>` (scripts, MCP clients, OpenAI clients; no cookie, so no CSRF token needed);
2. the session cookie the sign-in set (the page); a state-changing request must also carry the session's CSRF
   token in X-CSRF-Token (double submit: the page reads it from the advisor_csrf cookie; a page on another site can
   neither read it nor, with SameSite cookies and the Origin check of advisor.api.edge, send the session);
3. the user header of an authenticating proxy, only from an address in ADVISOR_TRUSTED_PROXIES.
Anything else is anonymous: public routes only; the rest is 401. A role below the route's is 403.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

import anyio
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from advisor.api.access import need_for
from advisor.api.errors import OPENAI_PREFIX, error_body, openai_error
from advisor.api.principal import ANONYMOUS, LOCAL, Principal
from advisor.errors import AdvisorError
from advisor.settings import Settings

if TYPE_CHECKING:
    from advisor.auth.accounts import AccountStore

SESSION_COOKIE = "advisor_session"
CSRF_COOKIE = "advisor_csrf"
CSRF_HEADER = "x-csrf-token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> list[Network]:
    """ADVISOR_TRUSTED_PROXIES as networks (a bare address is a /32 or /128)."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip()]


def peer_is_trusted(scope: Scope, networks: list[Network]) -> bool:
    client = scope.get("client")
    if not networks or not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    return any(address in net for net in networks)


def is_https(scope: Scope, networks: list[Network]) -> bool:
    """Whether the browser reached us over https: directly, or through a trusted proxy that says so."""
    if scope.get("scheme") == "https":
        return True
    return peer_is_trusted(scope, networks) and Headers(scope=scope).get("x-forwarded-proto", "") == "https"


def cookies_of(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed Cookie header is no cookie
        return {}
    return {k: v.value for k, v in jar.items()}


class AuthMiddleware:
    """Sets scope["state"]["principal"] on every HTTP request, then refuses (401/403) or passes it on."""

    def __init__(self, app: ASGIApp, settings: Settings, accounts: Callable[[], AccountStore]) -> None:
        self.app = app
        self.settings = settings
        self.accounts = accounts
        self.networks = trusted_networks(settings.trusted_proxies)
        self.proxy_header = settings.proxy_user_header.lower()

    def identify(self, scope: Scope, headers: Headers) -> tuple[Principal, str | None, str | None]:
        """(principal, the session's CSRF token, why credentials that were sent are not valid). Blocking."""
        accounts = self.accounts()
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            found = accounts.token_principal(token.strip())
            if found is None:
                return ANONYMOUS, None, "the API token is not valid (unknown, or revoked); make a new one"
            return found, None, None
        cookie = cookies_of(headers).get(SESSION_COOKIE)
        if cookie:
            session = accounts.session(cookie)
            if session is not None:
                return session.principal, session.csrf, None
        if self.networks and peer_is_trusted(scope, self.networks):
            name = headers.get(self.proxy_header, "").strip()
            if name:
                return accounts.external_user(name, "proxy", self.settings.new_user_role), None, None
        why = "the session has expired or was signed out; sign in again" if cookie else None
        return ANONYMOUS, None, why

    def refusal(self, scope: Scope, headers: Headers, principal: Principal, csrf: str | None,
                problem: str | None) -> JSONResponse | None:
        method, path = scope["method"], scope["path"]
        need = need_for(method, path)
        if need != "public" and not principal.authenticated:
            message = problem or ("sign in first (the page at /login), or send an API token as "
                                  "'Authorization: Bearer <token>'")
            return self.error(path, 401, "Unauthorized", message, "authorization",
                              {"WWW-Authenticate": 'Bearer realm="advisor"'})
        if need != "public" and not principal.may(need):
            return self.error(path, 403, "Forbidden", f"{method} {path} needs the {need} role; your account "
                              f"{principal.name!r} is a {principal.role} (an admin can change it)", "role")
        if principal.via == "session" and method in STATE_CHANGING:
            sent = headers.get(CSRF_HEADER, "")
            if not (csrf and sent and secrets.compare_digest(sent, csrf)):
                return self.error(path, 403, "Forbidden", "the CSRF token is missing or wrong: the page sends its "
                                  f"{CSRF_COOKIE} cookie back as {CSRF_HEADER}; reload the page (scripts: use an "
                                  "API token instead of the session cookie)", "csrf")
        return None

    @staticmethod
    def error(path: str, status: int, name: str, message: str, where: str,
              headers: dict[str, str] | None = None) -> JSONResponse:
        body: dict[str, Any] = error_body(name, message, where)
        if path.startswith(OPENAI_PREFIX):
            body = openai_error(status, body)
        return JSONResponse(body, status_code=status, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        if not self.settings.auth:
            state["principal"] = LOCAL
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            principal, csrf, problem = await anyio.to_thread.run_sync(self.identify, scope, headers)
        except AdvisorError as exc:  # e.g. a proxy's user name that is not a valid account name
            principal, csrf, problem = ANONYMOUS, None, exc.message
        state["principal"] = principal
        refusal = self.refusal(scope, headers, principal, csrf, problem)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
