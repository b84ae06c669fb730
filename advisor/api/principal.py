"""Who is asking: the one place the API reads the signed-in user, for rate limits, the access log and role checks.

The sign-in layer sets `request.state.principal` (an object with `.id`, `.name`, `.role`) before route handlers run.
Without it (single-user mode on loopback, or before sign-in is configured) the actor is "local" and rate limits
fall back to the client address.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from advisor.errors import Forbidden

LOCAL = "local"
ADMIN = "admin"


def principal_of(request: HTTPConnection) -> Any | None:
    """The signed-in user, or None."""
    return getattr(request.state, "principal", None)


def user_id(request: HTTPConnection) -> str | None:
    """The signed-in user's id, or None."""
    principal = principal_of(request)
    return None if principal is None else str(principal.id)


def actor_of(request: HTTPConnection) -> str:
    """Who the access log names: the signed-in user's id, else "local"."""
    return user_id(request) or LOCAL


def client_address(request: HTTPConnection) -> str:
    """The client's address as the server sees it (behind a proxy: uvicorn's --forwarded-allow-ips decides)."""
    return request.client.host if request.client else "unknown"


def require_admin(request: HTTPConnection, what: str) -> None:
    """A 403 unless the caller is an admin. Single-user mode (no one signed in) is its own admin."""
    principal = principal_of(request)
    if principal is not None and getattr(principal, "role", None) != ADMIN:
        raise Forbidden(f"{what} is for admins; you are signed in as {getattr(principal, 'role', 'no role')}",
                        "role")


def log_access(request: HTTPConnection, action: str, target: str | None = None, **detail: Any) -> None:
    """Append an access-log entry for this request (ids and counts only: never question, answer or title text).
    The sign-in layer calls it too: log_access(request, "auth.sign_in") once `request.state.principal` is set."""
    request.app.state.services.access.record(actor_of(request), action, target, detail or None,
                                             client_address(request))
