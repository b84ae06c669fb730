"""What the store hands out: plain pydantic records (no ORM objects leak out of advisor.store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Rating = Literal["up", "down"]
MAX_TITLE = 200
MAX_COMMENT = 2000


class FeedbackState(BaseModel):
    """The latest rating given to one answer (shown again when the conversation is reopened)."""

    rating: Rating
    comment: str | None = None
    created: datetime


class TurnCorrection(BaseModel):
    """The coder's latest correction of how the question was read; the turn's answer was recomputed from it."""

    edit: dict[str, Any] = Field(description="The understanding as the coder corrected it.")
    original: dict[str, Any] = Field(description="The answer as first given, with the reader's own understanding.")
    created: datetime
    count: int = Field(1, description="How many corrections the turn has had (the latest one counts).")


class Turn(BaseModel):
    """One question and the answer it got (recomputed from the coder's correction, when there is one)."""

    answer_id: str
    question: str
    answer: dict[str, Any]
    created: datetime
    feedback: FeedbackState | None = None
    correction: TurnCorrection | None = None


class ConversationSummary(BaseModel):
    """A conversation as listed in the sidebar."""

    id: str
    title: str
    created: datetime
    updated: datetime
    turns: int = 0


class Conversation(BaseModel):
    """A conversation with its turns, oldest first."""

    id: str
    title: str
    created: datetime
    updated: datetime
    turns: list[Turn] = Field(default_factory=list)


class FeedbackRow(BaseModel):
    """One feedback event, joined with the question and answer it rates (when they still exist)."""

    id: int
    created: datetime
    answer_id: str
    conversation_id: str | None
    rating: Rating
    comment: str | None
    verdict: str | None = None
    engine: str | None = None
    knowledge_version: str | None = None
    owner: str | None = Field(None, description="The account that gave the rating (its id).")
    question: str | None = None
    answer: str | None = None


class HistoryDeleted(BaseModel):
    """What deleting a user's whole history removed."""

    conversations: int
    feedback: int


class OwnerUsage(BaseModel):
    """One account's activity over a period (the team's usage figures)."""

    owner: str
    name: str | None = None
    role: str | None = None
    questions: int = 0
    conversations: int = 0
    corrections: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
