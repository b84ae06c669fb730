"""POST /api/ask (one answer as JSON) and POST /api/ask/stream (the same answer as server-sent events).

The stream sends `stage` events while the pipeline runs (understood, checked, retrieved), then the answer text in
`token` chunks, then one `done` event carrying the full Answer JSON. Errors inside the stream arrive as an
`error` event with the same {error, message, where} body the JSON API uses.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from advisor import operations
from advisor.answer.model import Answer, AskRequest
from advisor.api.deps import PrincipalDep, ServicesDep
from advisor.api.limits import rate_limit
from advisor.api.pool import Cancel, Cancelled, PoolsDep
from advisor.encoder.localities import checked_locality
from advisor.errors import AdvisorError

router = APIRouter(prefix="/api", tags=["ask"])


@router.post("/ask", response_model=Answer, response_model_exclude={"understanding"},
             dependencies=[rate_limit("ask")])
async def post_ask(body: AskRequest, services: ServicesDep, pools: PoolsDep, request: Request,
                   me: PrincipalDep) -> Answer:
    """Answer a coder's question: verdict, claim lines and findings from the rules engine, cited guidance. A 503 with
    Retry-After when every answer worker is busy and the queue is full, a 429 with Retry-After past this user's or
    address's rate limit (ADVISOR_RATE_LIMIT_ASK*); a client that leaves stops the work."""
    cancel = Cancel()
    return await pools.answers.run(
        lambda: operations.ask(body, services, on_event=lambda *_: cancel.check(), owner=me.id), cancel, request)


def sse(event: str, data: Any) -> str:
    """One server-sent event; data is JSON on a single line."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def chunks(text: str, size: int = 24) -> list[str]:
    """Word-boundary pieces of the answer text, as a token stream would deliver them."""
    words = re.findall(r"\S+\s*|\s+", text)
    out, current = [], ""
    for word in words:
        current += word
        if len(current) >= size:
            out.append(current)
            current = ""
    return out + ([current] if current else [])


@router.post("/ask/stream", dependencies=[rate_limit("ask")])
async def post_ask_stream(body: AskRequest, services: ServicesDep, pools: PoolsDep,
                          me: PrincipalDep) -> StreamingResponse:
    """The same answer as /api/ask, streamed: stage events, token chunks, then `done` with the full JSON. When the
    client closes the stream the work stops at its next stage."""
    if body.conversation_id:  # an unknown conversation is a 404 before the stream starts, as on /api/ask
        await run_in_threadpool(services.store.owned(me.id).history, body.conversation_id, 1)
    if body.locality is not None:  # and an unknown locality a 422 (the pipeline checks it again, for every caller)
        await run_in_threadpool(checked_locality, services.catalog, body.locality)
    pools.answers.admit()  # a full pool is a 503 before the stream starts, not an error event inside it
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    cancel = Cancel()

    def emit(kind: str, data: Any) -> None:
        cancel.check()
        loop.call_soon_threadsafe(queue.put_nowait, (kind, data))

    def work() -> None:
        try:
            answer = operations.ask(body, services, on_event=emit, owner=me.id)
            for piece in chunks(answer.answer):
                emit("token", {"text": piece})
            emit("done", answer.model_dump(mode="json", exclude={"understanding"}))
        except Cancelled:
            return
        except AdvisorError as exc:
            emit("error", exc.to_dict())
        except Exception:  # noqa: BLE001 - the stream reports it; the server log has the type only
            emit("error", {"error": "InternalError", "message": "The server hit an unexpected problem; please retry.",
                           "where": None})

    pools.answers.start(work, cancel)

    async def events() -> AsyncIterator[str]:
        try:
            while True:
                kind, data = await queue.get()
                yield sse(kind, data)
                if kind in ("done", "error"):
                    return
        finally:  # the client went away (or the stream ended): stop the work at its next stage
            cancel.set()

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
