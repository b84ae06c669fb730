"""GET /api/access-log: the access log for admins (who signed in, opened, exported, imported or deleted what)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from advisor.api.actor import log_access, require_admin
from advisor.api.deps import ServicesDep
from advisor.store.access import MAX_ENTRIES, AccessEntry

router = APIRouter(prefix="/api", tags=["access log"])


@router.get("/access-log", response_model=list[AccessEntry])
def get_access_log(
    request: Request,
    services: ServicesDep,
    user: Annotated[str | None, Query(max_length=200, description="Only this actor (a user id, local, system, "
                                                                  "cli:...).")] = None,
    action: Annotated[str | None, Query(max_length=64, description="An action (conversation.open) or its family "
                                                                   "(conversation).")] = None,
    since: Annotated[date | None, Query(description="From this day (UTC), YYYY-MM-DD.")] = None,
    until: Annotated[date | None, Query(description="To this day (UTC) inclusive, YYYY-MM-DD.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = 1000,
) -> list[AccessEntry]:
    """Newest first. Admins only (403 otherwise); ids, actions, counts and addresses, never question or answer
    text. Reading the log is itself logged."""
    require_admin(request, "the access log")
    entries = services.access.entries(user=user, action=action, since=since, until=until, limit=limit)
    log_access(request, "access_log.read", entries=len(entries))
    return entries
