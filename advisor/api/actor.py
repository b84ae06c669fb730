"""Who the access log names and whom the rate limits count, from the principal the auth layer set
(advisor.api.principal) and the connection. Kept apart from `principal` so that stays standard-library only.

In single-user mode the principal is LOCAL ("local", admin): the actor is "local" and the per-user limits count the
client address, as they do for a request no one has signed in for.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from advisor.api.principal import principal_of
from advisor.errors import Forbidden


def user_id(conn: HTTPConnection) -> str | None:
    """The signed-in user's id, or None (single-user mode, or no valid credentials)."""
    principal = principal_of(conn.state)
    return principal.id if principal.authenticated and principal.via != "single-user" else None


def actor_of(conn: HTTPConnection) -> str:
    """Who the access log names: the principal's id ("local" in single-user mode, "anonymous" before sign-in)."""
    return principal_of(conn.state).id


def client_address(conn: HTTPConnection) -> str:
    """The client's address as the server sees it (behind a proxy: uvicorn's --forwarded-allow-ips decides)."""
    return conn.client.host if conn.client else "unknown"


def require_admin(conn: HTTPConnection, what: str) -> None:
    """A 403 unless the caller is an admin (single-user mode's one user is). The auth layer's route table already
    says so for the routes that call this; this keeps the rule next to the data it guards."""
    principal = principal_of(conn.state)
    if not principal.may("admin"):
        raise Forbidden(f"{what} is for admins; you are signed in as {principal.role}", "role")


def log_access(conn: HTTPConnection, action: str, target: str | None = None, *, actor: str | None = None,
               **detail: Any) -> None:
    """Append an access-log entry for this request: ids and counts only, never question, answer or title text.
    `actor` names someone else than the request's principal (a sign-in names who just signed in)."""
    conn.app.state.services.access.record(actor or actor_of(conn), action, target, detail or None,
                                          client_address(conn))
