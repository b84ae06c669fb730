"""The access log: who signed in or out, who opened, exported, imported or deleted what, and when.

Why a table of its own, in the project database: an admin must be able to answer "who read this conversation?" after
the fact, from any worker, on SQLite or PostgreSQL alike. It never holds PHI: an entry is an actor id, an action name,
the id of what was touched, counts, and the client address. Question, answer and conversation title text never enter
it; `detail` only takes numbers and short identifiers, and anything else is refused before it is written.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, insert, or_, select

from advisor.errors import InvalidInput
from advisor.store.db import access_log

if TYPE_CHECKING:
    from advisor.store.conversations import ConversationStore

# The actions written today (README, "Access log and retention").
ACTIONS = (
    "auth.sign_in", "auth.sign_in_failed", "auth.sign_out", "token.create", "token.revoke",
    "user.create", "user.update", "user.delete",
    "conversation.list", "conversation.open", "conversation.rename", "conversation.delete", "history.delete",
    "feedback.export", "audit.run", "data.import", "data.remove", "retention.delete", "access_log.read",
)
# Ids, versions, formats: letters, digits and . _ : / @ + - only, no spaces, short: a sentence (where PHI would
# hide) does not fit.
_TOKEN = re.compile(r"[A-Za-z0-9._:/@+-]{0,120}")
MAX_ENTRIES = 10_000
SYSTEM = "system"


class AccessEntry(BaseModel):
    """One access-log entry."""

    id: int
    at: datetime
    actor: str = Field(description="The signed-in user's id; 'local' in single-user mode, 'system' for scheduled "
                                   "tasks, 'cli:<account>' for the command line.")
    action: str = Field(description="e.g. conversation.open, feedback.export, retention.delete.")
    target: str | None = Field(None, description="The id of what was touched (a conversation id, a table version).")
    detail: dict[str, Any] | None = Field(None, description="Counts and identifiers only, never text.")
    address: str | None = Field(None, description="The client address, for requests over HTTP.")


def safe_token(value: str, what: str) -> str:
    """`value` if it is an identifier, never free text; raises InvalidInput (a programming error) otherwise."""
    if not _TOKEN.fullmatch(value):
        raise InvalidInput(f"{what} must be an identifier or a count, not text", what)
    return value


def as_token(text: str) -> str:
    """A table label or account name made into an identifier ("CMS PTP v32.1r0" -> "CMS_PTP_v32.1r0")."""
    return re.sub(r"[^A-Za-z0-9._:/@+-]+", "_", text.strip())[:120]


def _safe_detail(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    if not detail:
        return None
    out: dict[str, Any] = {}
    for key, value in detail.items():
        safe_token(key, "detail key")
        if isinstance(value, bool | int | float) or value is None:
            out[key] = value
        elif isinstance(value, str):
            out[key] = safe_token(value, f"detail.{key}")
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            out[key] = [safe_token(v, f"detail.{key}") for v in value][:50]
        else:
            raise InvalidInput(f"detail.{key} must be a count or an identifier", f"detail.{key}")
    return out


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """[since 00:00, the day after until 00:00) in UTC: `until` is inclusive."""
    start = datetime.combine(since, time.min, UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None
    if start and end and end <= start:
        raise InvalidInput("until is before since", "until")
    return start, end


class AccessLog:
    """Writes and reads the access_log table through the conversation store's engine (one database)."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def record(self, actor: str, action: str, target: str | None = None, detail: dict[str, Any] | None = None,
               address: str | None = None, conn: Connection | None = None) -> None:
        """Append one entry (inside `conn`'s transaction when given, so it commits with the change it logs)."""
        if action not in ACTIONS:
            raise InvalidInput(f"unknown access-log action {action!r}; add it to ACTIONS (and the README)", "action")
        values = {"at": datetime.now(UTC), "actor": safe_token(actor, "actor")[:200], "action": action,
                  "target": safe_token(target, "target")[:200] if target is not None else None,
                  "detail": _safe_detail(detail), "address": (address or None) and safe_token(address, "address")[:64]}
        if conn is not None:
            conn.execute(insert(access_log).values(**values))
            return
        self.store.write(lambda c: c.execute(insert(access_log).values(**values)))

    def entries(self, user: str | None = None, action: str | None = None, since: date | None = None,
                until: date | None = None, limit: int = 1000) -> list[AccessEntry]:
        """Newest first. `action` matches the action or its family ("conversation" matches conversation.open);
        `since`/`until` are days in UTC, both inclusive."""
        if not 1 <= limit <= MAX_ENTRIES:
            raise InvalidInput(f"limit must be 1-{MAX_ENTRIES:,}", "limit")
        start, end = day_bounds(since, until)
        query = select(access_log).order_by(access_log.c.at.desc(), access_log.c.id.desc()).limit(limit)
        if user:
            query = query.where(access_log.c.actor == user)
        if action:
            query = query.where(or_(access_log.c.action == action, access_log.c.action.like(f"{action}.%")))
        if start:
            query = query.where(access_log.c.at >= start)
        if end:
            query = query.where(access_log.c.at < end)
        with self.store.reading() as conn:
            rows = conn.execute(query).all()
        return [AccessEntry(id=r.id, at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), actor=r.actor,
                            action=r.action, target=r.target, detail=r.detail, address=r.address) for r in rows]
