"""Retention: conversations whose last activity is older than ADVISOR_RETENTION_DAYS are deleted, with their turns and
corrections (feedback ratings stay, as when a coder deletes a conversation). The deletion is logged in the access log
with counts only.

Why a lease: every worker of `advisor serve --workers N` runs the schedule. The first to take the lease for the
interval runs the deletion; the others see it held and skip, so one run happens per interval however many workers
there are, and a worker that dies mid-run gives the task back when its lease ends. The deletion itself is idempotent
(rows older than a cutoff), so even two runs at once could not delete anything twice.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from advisor.store.access import SYSTEM, AccessLog
from advisor.store.db import conversations, corrections, leases, rate_counters, turns

if TYPE_CHECKING:
    from advisor.store.conversations import ConversationStore

log = logging.getLogger("advisor.store")
LEASE = "retention"
BATCH = 500


@dataclass(frozen=True)
class RetentionResult:
    """What one retention run deleted (counts only)."""

    days: int
    cutoff: datetime
    conversations: int
    turns: int
    corrections: int

    def detail(self) -> dict[str, int | str]:
        return {"days": self.days, "cutoff": self.cutoff.isoformat(timespec="seconds"),
                "conversations": self.conversations, "turns": self.turns, "corrections": self.corrections}


def take_lease(store: ConversationStore, name: str, seconds: int, holder: str | None = None) -> bool:
    """Hold `name` for `seconds` unless another holder has it now; True when this caller got it."""
    holder = holder or f"{os.getpid()}"
    now = int(time.time())

    def work(conn: Connection) -> bool:
        row = conn.execute(select(leases).where(leases.c.name == name)).first()
        if row is None:
            conn.execute(insert(leases).values(name=name, holder=holder, held_until=now + seconds))
            return True
        if row.held_until > now:
            return False
        done = conn.execute(update(leases).where(leases.c.name == name, leases.c.held_until == row.held_until)
                            .values(holder=holder, held_until=now + seconds))
        return done.rowcount == 1  # another worker renewed it between our read and this update: theirs

    try:
        return store.write(work)
    except IntegrityError:  # PostgreSQL: another worker inserted the first lease row at the same moment
        return False


def delete_inactive(store: ConversationStore, days: int, access: AccessLog, actor: str = SYSTEM,
                    now: datetime | None = None) -> RetentionResult:
    """Delete every conversation whose last activity is before now - `days`, in batches; log the counts."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    totals = {"conversations": 0, "turns": 0, "corrections": 0}

    def batch(conn: Connection) -> int:
        ids = conn.execute(select(conversations.c.id).where(conversations.c.updated < cutoff)
                           .order_by(conversations.c.updated).limit(BATCH)).scalars().all()
        if not ids:
            return 0
        for table, key in ((corrections, "corrections"), (turns, "turns")):
            totals[key] += conn.execute(select(func.count()).select_from(table)
                                        .where(table.c.conversation_id.in_(ids))).scalar_one()
            conn.execute(delete(table).where(table.c.conversation_id.in_(ids)))
        deleted = conn.execute(delete(conversations).where(conversations.c.id.in_(ids))).rowcount
        totals["conversations"] += deleted
        return len(ids)

    while store.write(batch) == BATCH:
        pass
    result = RetentionResult(days=days, cutoff=cutoff, **totals)
    access.record(actor, "retention.delete", detail=result.detail())
    log.info("retention: deleted %d conversations (%d turns) last active before %s (%d days)",
             result.conversations, result.turns, cutoff.date(), days)
    return result


def purge_rate_counters(store: ConversationStore) -> int:
    """Drop rate-limit windows that can no longer count (advisor/store/limits.py)."""
    now = int(time.time())
    return store.write(lambda conn: conn.execute(delete(rate_counters).where(rate_counters.c.expires < now)).rowcount)


def scheduled_run(store: ConversationStore, access: AccessLog, days: int | None, interval_s: int) -> bool:
    """One tick of the schedule in `advisor serve`: when this worker takes the lease, purge old rate counters and,
    with a retention period set, delete what is past it. True when this worker ran the task."""
    if not take_lease(store, LEASE, interval_s):
        return False
    purge_rate_counters(store)
    if days is not None:
        delete_inactive(store, days, access)
    return True
