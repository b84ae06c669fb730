"""Conversations: list, read, rename, delete (the ask pipeline creates them and appends turns)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from advisor.answer.understood import with_views
from advisor.api.actor import log_access
from advisor.api.deps import PrincipalDep, ServicesDep
from advisor.store.models import MAX_TITLE, Conversation, ConversationSummary, HistoryDeleted

router = APIRouter(prefix="/api", tags=["conversations"])


class TitleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., min_length=1, max_length=MAX_TITLE, examples=["Bilateral L4-5 facet, Medicare"])


@router.get("/conversations", response_model=list[ConversationSummary])
def list_conversations(services: ServicesDep, me: PrincipalDep, request: Request) -> list[ConversationSummary]:
    """Your conversations, most recently active first."""
    found = services.store.list(owner=me.id)
    log_access(request, "conversation.list", count=len(found))
    return found


@router.post("/conversations", response_model=ConversationSummary, status_code=201)
def create_conversation(body: TitleBody, services: ServicesDep, me: PrincipalDep) -> ConversationSummary:
    """An empty conversation (the chat usually lets POST /api/ask create one with the first question)."""
    conv = services.store.create(body.title, owner=me.id)
    return ConversationSummary(id=conv.id, title=conv.title, created=conv.created, updated=conv.updated, turns=0)


@router.get("/conversations/{conversation_id}", response_model=Conversation)
def get_conversation(conversation_id: str, services: ServicesDep, me: PrincipalDep,
                     request: Request) -> Conversation:
    """The conversation with its turns (question, answer JSON, answer id, created, latest feedback, and the coder's
    latest correction of the reading with the original answer, when there is one). Another user's is a 404."""
    found = services.store.get(conversation_id, owner=me.id)
    log_access(request, "conversation.open", conversation_id, turns=len(found.turns))
    return with_views(found, services.catalog)


@router.patch("/conversations/{conversation_id}", response_model=ConversationSummary)
def rename_conversation(conversation_id: str, body: TitleBody, services: ServicesDep,
                        me: PrincipalDep, request: Request) -> ConversationSummary:
    """Rename: {"title": 1-200 characters}."""
    renamed = services.store.rename(conversation_id, body.title, owner=me.id)
    log_access(request, "conversation.rename", conversation_id)  # never the title: it may quote the question
    return renamed


@router.delete("/conversations/{conversation_id}", status_code=204)
def delete_conversation(conversation_id: str, services: ServicesDep, me: PrincipalDep, request: Request) -> Response:
    """Delete the conversation and its questions and answers."""
    services.store.delete(conversation_id, owner=me.id)
    log_access(request, "conversation.delete", conversation_id)
    return Response(status_code=204)


@router.delete("/history", response_model=HistoryDeleted)
def delete_history(services: ServicesDep, me: PrincipalDep, request: Request) -> HistoryDeleted:
    """Delete all of your history at once: every conversation (questions, answers, corrections) and every rating
    you gave. Other users' history is untouched."""
    deleted = services.store.delete_history(me.id)
    log_access(request, "history.delete", conversations=deleted.conversations, feedback=deleted.feedback)
    return deleted


