"""Per-user and per-address rate limits on the expensive or sensitive routes: answers (ask, stream, corrections,
/v1/chat/completions, the MCP ask tool over HTTP), practice audits and CMS table imports.

Why our own ~100 lines rather than slowapi: its counters live in memory (or Redis), so each worker of
`advisor serve --workers N` would allow N times the limit unless a Redis is run beside it; ours count in the project
database (advisor/store/limits.py) that every worker already shares. It also has to see inside an MCP request to tell
an `ask` tool call from a cheap look-up. A refusal is a 429 in the app's one error shape (OpenAI's on /v1) with
Retry-After.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any, Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.api.actor import client_address, user_id
from advisor.api.errors import error_body
from advisor.errors import RateLimitExceeded
from advisor.services import Services
from advisor.settings import Settings, parse_rate
from advisor.store.limits import RateCounter, Rule

Bucket = Literal["ask", "audit", "import"]
BUCKETS: tuple[Bucket, ...] = ("ask", "audit", "import")
WHAT = {"ask": "answers", "audit": "practice audits", "import": "CMS table imports"}
PERIOD_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


class Limits:
    """The configured limits of one app, counted through the app's database (a `RateCounter`)."""

    def __init__(self, settings: Settings, services: Services) -> None:
        self.services = services
        self.rates = {b: (parse_rate(getattr(settings, f"rate_limit_{b}")),
                          parse_rate(getattr(settings, f"rate_limit_{b}_address"))) for b in BUCKETS}

    @cached_property
    def counter(self) -> RateCounter:
        """Built on the first limited request (the store opens no connection before that)."""
        return RateCounter(self.services.store)

    def check(self, bucket: Bucket, user: str | None, address: str) -> None:
        """Count one request, or raise RateLimitExceeded (429) naming the limit it hit and when to retry."""
        per_user, per_address = self.rates[bucket]
        rules: list[tuple[Rule, str]] = []
        if per_user is not None:  # no one signed in: the user limit counts the address
            who = f"user:{user}" if user is not None else f"anonymous:{address}"
            rules.append((Rule(f"{bucket}:{who}", *per_user), "user"))
        if per_address is not None:
            rules.append((Rule(f"{bucket}:address:{address}", *per_address), "address"))
        if not rules:
            return
        refused = self.counter.hit([rule for rule, _ in rules])
        if refused is None:
            return
        wait, rule = refused
        scope = dict(rules)[rule]
        setting = f"ADVISOR_RATE_LIMIT_{bucket.upper()}" + ("_ADDRESS" if scope == "address" else "")
        per = "user" if scope == "user" and user is not None else "address"
        raise RateLimitExceeded(
            f"too many {WHAT[bucket]}: the limit is {rule.limit} per {PERIOD_NAMES.get(rule.period, rule.period)} "
            f"per {per} ({setting}); retry in {wait} s", wait)


def limits_of(conn: HTTPConnection) -> Limits:
    return conn.app.state.limits


def rate_limit(bucket: Bucket) -> Any:
    """A route dependency counting the request against `bucket`'s limits (a 429 before any work is done)."""

    async def dependency(request: Request) -> None:
        await run_in_threadpool(limits_of(request).check, bucket, user_id(request), client_address(request))

    return Depends(dependency)


def calls_ask(body: bytes) -> bool:
    """Whether an MCP JSON-RPC request (or batch) calls the `ask` tool."""
    try:
        message = json.loads(body)
    except ValueError:
        return False  # the SDK answers it with its own parse error
    messages = message if isinstance(message, list) else [message]
    return any(isinstance(m, dict) and m.get("method") == "tools/call" and isinstance(m.get("params"), dict)
               and m["params"].get("name") == "ask" for m in messages)


class MCPGate:
    """In front of /mcp: reads the request body under the JSON limit (chunked bodies included: /mcp is not a
    FastAPI route, so no max_body_size covers it), counts `ask` tool calls against the ask limits, then hands the
    request on with its body replayed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_bytes:
                await JSONResponse(error_body("TooLarge", f"the request body is larger than the {self.max_bytes:,}-"
                                              "byte limit for /mcp", "body"), status_code=413)(scope, receive, send)
                return
        body = b"".join(chunks)
        if calls_ask(body):
            conn = HTTPConnection(scope)
            try:
                await run_in_threadpool(limits_of(conn).check, "ask", user_id(conn), client_address(conn))
            except RateLimitExceeded as exc:
                await JSONResponse(exc.to_dict(), status_code=exc.status_code,
                                   headers=exc.headers())(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
