"""An OpenAI-compatible face: POST /v1/chat/completions (plain and streamed) and GET /v1/models, so any OpenAI client
or chat UI can use the advisor as the model `pain-coding-advisor`.

The last user message is the question; the earlier user messages are the conversation, read turn by turn with the
same follow-up rules /api/ask applies to a stored conversation (operations.reading_after), so "what if it was
bilateral?" continues the earlier procedure. The reply text is the answer with its citations
(operations.answer_text); the full /api/ask body (verdict, claim lines, findings, citations, ids) rides along in the
extra field `advisor` of the completion, or of the final chunk when streaming. Sampling parameters are accepted and
ignored: the answer is the rules engine's. Errors on /v1 use OpenAI's shape (advisor.api.errors).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor import operations
from advisor.answer.model import Answer, AskRequest
from advisor.api.deps import PrincipalDep, ServicesDep
from advisor.api.errors import openai_error
from advisor.api.limits import rate_limit
from advisor.api.pool import Cancel, PoolsDep
from advisor.api.routes_ask import chunks
from advisor.errors import AdvisorError, InvalidInput, NotFound

router = APIRouter(prefix="/v1", tags=["openai"])
log = logging.getLogger("advisor.api")

MODEL_ID = "pain-coding-advisor"
MAX_MESSAGES = 200
STARTED = int(time.time())


class ModelNotFound(NotFound):
    """A model this server does not serve (OpenAI's code: model_not_found)."""


class ContentPart(BaseModel):
    """One part of a message's content; only text parts are read."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ... are accepted and not read

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    """OpenAI's chat completion request; fields not listed (temperature, max_tokens, ...) are accepted, ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(..., examples=[MODEL_ID])
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    n: int | None = Field(None, description="Only 1 choice is produced.")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def _card() -> ModelCard:
    return ModelCard(id=MODEL_ID, created=STARTED, owned_by="pain-coding-advisor")


@router.get("/models", response_model=ModelList)
def list_models() -> ModelList:
    return ModelList(data=[_card()])


@router.get("/models/{model_id}", response_model=ModelCard)
def get_model(model_id: str) -> ModelCard:
    if model_id != MODEL_ID:
        raise ModelNotFound(f"The model {model_id!r} does not exist; this server serves {MODEL_ID!r}.", "model")
    return _card()


def _text(message: ChatMessage, index: int) -> str:
    """A message's text: the string, or its text parts joined; other parts (images, audio, files) are refused."""
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    other = sorted({p.type for p in message.content if p.type != "text"})
    if other:
        raise InvalidInput(f"messages[{index}].content: only text parts are read, got {', '.join(other)}",
                           f"messages[{index}].content")
    return "\n".join(p.text or "" for p in message.content)


def _ask_request(text: str, index: int) -> AskRequest:
    try:
        return AskRequest(question=text)
    except ValidationError as exc:
        message = "; ".join(str(e.get("msg", "invalid")).removeprefix("Value error, ") for e in exc.errors())
        raise InvalidInput(f"messages[{index}].content: {message}", f"messages[{index}].content") from None


def _conversation(body: ChatRequest) -> tuple[AskRequest, list[str]]:
    """The question (the last message, which must be the user's) and the earlier user messages, in order."""
    if body.model != MODEL_ID:
        raise ModelNotFound(f"The model {body.model!r} does not exist; this server serves {MODEL_ID!r} "
                            "(GET /v1/models).", "model")
    if body.n not in (None, 1):
        raise InvalidInput(f"n: only 1 choice is produced, got {body.n}", "n")
    last = len(body.messages) - 1
    if body.messages[last].role != "user":
        raise InvalidInput(f"messages[{last}]: the last message must be the user's question, got role "
                           f"{body.messages[last].role!r}", "messages")
    question = _ask_request(_text(body.messages[last], last), last)
    earlier = [_ask_request(_text(m, i), i).question for i, m in enumerate(body.messages[:last]) if m.role == "user"]
    return question, earlier


def _answer(question: AskRequest, earlier: list[str], services: Any, cancel: Cancel, owner: str) -> Answer:
    previous = operations.reading_after(earlier, services)
    return operations.ask(question, services, previous=previous, on_event=lambda *_: cancel.check(), owner=owner)


def _data(payload: dict[str, Any]) -> str:
    """One server-sent event as OpenAI streams them: a `data:` line of JSON, no event name."""
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"


def _extra(answer: Answer) -> dict[str, Any]:
    """The documented extra field `advisor`: /api/ask's body for this answer."""
    return answer.model_dump(mode="json", exclude={"understanding"})


@router.post("/chat/completions", response_model=None, dependencies=[rate_limit("ask")])
async def chat_completions(body: ChatRequest, services: ServicesDep, pools: PoolsDep,
                           request: Request, me: PrincipalDep) -> dict[str, Any] | StreamingResponse:
    """A chat completion from the advisor: the reply is the answer with its citations; `advisor` carries the
    verdict, claim lines, findings, citations, conversation_id and answer_id. Answers share the answer pool with
    /api/ask (503 Busy when it is full; a client that leaves stops the work)."""
    question, earlier = _conversation(body)  # bad input is a 4xx before anything streams
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    cancel = Cancel()
    if not body.stream:
        answer = await pools.answers.run(lambda: _answer(question, earlier, services, cancel, me.id), cancel, request)
        return {
            "id": completion_id, "object": "chat.completion", "created": created, "model": MODEL_ID,
            "system_fingerprint": answer.knowledge_version,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": operations.answer_text(answer)},
                         "logprobs": None, "finish_reason": "stop"}],
            "advisor": _extra(answer),
        }

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return _data({"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                      "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra})

    async def events() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})  # at once: the client knows the answer is coming
        try:
            answer = await pools.answers.run(lambda: _answer(question, earlier, services, cancel, me.id), cancel,
                                             request)
        except AdvisorError as exc:  # after the 200 went out: OpenAI's error event, as its own streams send
            yield _data(openai_error(exc.status_code, exc.to_dict()))
            return
        except Exception as exc:  # noqa: BLE001 - the stream reports it; the server log has the type only
            log.error("unexpected %s in a chat completion stream", type(exc).__name__)
            yield _data(openai_error(500, {"error": "InternalError",
                                           "message": "The server hit an unexpected problem; please retry."}))
            return
        for piece in chunks(operations.answer_text(answer)):
            yield chunk({"content": piece})
        yield chunk({}, "stop", system_fingerprint=answer.knowledge_version, advisor=_extra(answer))
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
