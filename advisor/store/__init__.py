"""Conversation and feedback storage (SQLite in WAL mode, or PostgreSQL), the access log, rate-limit counters and
retention. The names below load on first use, so a command that only registers `advisor access-log` does not import
SQLAlchemy."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.store.conversations import ConversationStore
    from advisor.store.models import Conversation, ConversationSummary, FeedbackRow, FeedbackState, Turn

__all__ = ["Conversation", "ConversationStore", "ConversationSummary", "FeedbackRow", "FeedbackState", "Turn"]


def __getattr__(name: str) -> Any:
    if name == "ConversationStore":
        return importlib.import_module("advisor.store.conversations").ConversationStore
    if name in __all__:
        return getattr(importlib.import_module("advisor.store.models"), name)
    raise AttributeError(f"module 'advisor.store' has no attribute {name!r}")
