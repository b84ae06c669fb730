"""Conversation and feedback storage (SQLite in WAL mode, or PostgreSQL)."""

from advisor.store.conversations import ConversationStore
from advisor.store.models import Conversation, ConversationSummary, FeedbackRow, FeedbackState, Turn

__all__ = ["Conversation", "ConversationStore", "ConversationSummary", "FeedbackRow", "FeedbackState", "Turn"]
