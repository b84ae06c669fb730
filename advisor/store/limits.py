"""Rate-limit counters in the project database, so every worker process of `advisor serve --workers N` shares them
(an in-memory counter would give each worker its own allowance: N times the limit).

A sliding window approximated from two fixed windows (the current one, and the previous one weighted by how much of
it still overlaps the last `period` seconds): a client cannot double its allowance by sending at a window's end and
again at the next one's start, as with fixed windows alone. A refused request is not counted, so Retry-After tells
the truth: after that many seconds the next request passes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from advisor.store.db import rate_counters

if TYPE_CHECKING:
    from advisor.store.conversations import ConversationStore


@dataclass(frozen=True)
class Rule:
    """At most `limit` requests per `period` seconds for `subject` (e.g. "ask:user:42", "ask:address:10.0.0.7")."""

    subject: str
    limit: int
    period: int


class RateCounter:
    """Counts hits per subject; `hit` counts one request against several rules at once, all or nothing."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self._insert: Any = (postgresql.insert if store.url.startswith("postgresql") else sqlite.insert)

    def _count(self, conn: Connection, rule: Rule, slot: int, step: int) -> int:
        """Add `step` to the rule's current window and return its new count (an atomic upsert)."""
        stmt = self._insert(rate_counters).values(subject=rule.subject, slot=slot, hits=step,
                                                  expires=(slot + 2) * rule.period)
        stmt = stmt.on_conflict_do_update(index_elements=["subject", "slot"],
                                          set_={"hits": rate_counters.c.hits + step})
        return int(conn.execute(stmt.returning(rate_counters.c.hits)).scalar_one())

    def hit(self, rules: list[Rule], now: float | None = None) -> tuple[int, Rule] | None:
        """Count one request against every rule; None when all allow it, else the seconds to wait and the rule that
        refused it (nothing is counted then)."""
        now = time.time() if now is None else now

        def work(conn: Connection) -> tuple[int, Rule] | None:
            wait, refused = 0.0, rules[0]
            for rule in rules:
                slot, elapsed = divmod(now, rule.period)
                hits = self._count(conn, rule, int(slot), 1)
                previous = conn.execute(select(rate_counters.c.hits).where(
                    rate_counters.c.subject == rule.subject, rate_counters.c.slot == int(slot) - 1)).scalar() or 0
                weight = 1 - elapsed / rule.period
                if previous * weight + hits > rule.limit and (need := _wait(rule, hits - 1, previous, elapsed)) > wait:
                    wait, refused = need, rule
            if wait <= 0:
                return None
            for rule in rules:  # refused: take the hits back
                conn.execute(update(rate_counters).where(
                    rate_counters.c.subject == rule.subject,
                    rate_counters.c.slot == int(now // rule.period)).values(hits=rate_counters.c.hits - 1))
            return max(1, math.ceil(wait)), refused

        return self.store.write(work)


def _wait(rule: Rule, current: int, previous: int, elapsed: float) -> float:
    """Seconds until one more request fits: within this window once the previous window's weight has fallen enough,
    else in the next one, once this window's own weight has."""
    to_end = rule.period - elapsed
    if current + 1 <= rule.limit and previous > 0:
        # previous * (1 - (elapsed + t) / period) + current + 1 <= limit
        t = rule.period * (1 - (rule.limit - current - 1) / previous) - elapsed
        if t < to_end:
            return max(t, 0.001)
    # next window: current * (1 - e / period) + 1 <= limit
    return to_end + (max(0.0, rule.period * (1 - (rule.limit - 1) / current)) if current else 0.0)
