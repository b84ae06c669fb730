"""Who is making a request: `request.state.principal`, set by the auth layer (advisor.api.auth) before any route runs.

Small on purpose (no imports beyond the standard library) so that other layers (rate limits, an access log) can read
it without pulling in the auth machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["coder", "lead", "admin"]
ROLES: tuple[Role, ...] = ("coder", "lead", "admin")  # each role may do what the ones before it may
LOCAL_ID = "local"


@dataclass(frozen=True)
class Principal:
    """The caller. `authenticated` is False only for a request that presented no valid credentials on a server that
    requires sign-in: such a request reaches only the public routes (health, the sign-in page and its API)."""

    id: str
    name: str
    role: Role
    authenticated: bool = True
    via: str = "single-user"  # single-user | session | token | proxy

    def may(self, role: Role) -> bool:
        """Whether this principal's role includes `role` (admin > lead > coder)."""
        return self.authenticated and ROLES.index(self.role) >= ROLES.index(role)


LOCAL = Principal(id=LOCAL_ID, name="local", role="admin", via="single-user")
ANONYMOUS = Principal(id="anonymous", name="anonymous", role="coder", authenticated=False, via="none")


def principal_of(state: object) -> Principal:
    """The principal the auth layer put on `request.state` (ANONYMOUS when none was set, e.g. outside the app)."""
    found = getattr(state, "principal", None)
    return found if isinstance(found, Principal) else ANONYMOUS
