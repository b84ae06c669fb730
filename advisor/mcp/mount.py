"""/mcp on `advisor serve`: the MCP server as streamable HTTP, built on the first request to /mcp.

Why lazily: importing the MCP SDK takes about as long as the rest of the app's imports, and the page should be up
as soon as possible (README, Quick start); a server nobody reaches over MCP never pays for it. The SDK's session
manager runs a task group that must be entered and left by one task, so a task started in the app's lifespan waits
until the first request asks for the server, builds and runs it, and is cancelled at shutdown.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from advisor.services import Services

log = logging.getLogger("advisor.mcp")


class MCPMount:
    """The ASGI app at /mcp; `running()` belongs in the app's lifespan."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._asgi: Any = None
        self._wanted: anyio.Event | None = None
        self._ready: anyio.Event | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self._wanted, self._ready = anyio.Event(), anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._serve)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()

    async def _serve(self) -> None:
        assert self._wanted is not None and self._ready is not None
        await self._wanted.wait()
        try:
            module = await anyio.to_thread.run_sync(importlib.import_module, "advisor.mcp.server")
            server = module.build_server(self.services)
            asgi = server.streamable_http_app(
                streamable_http_path="/mcp", stateless_http=True, json_response=True,
                transport_security=module.transport_security(self.services.settings.host),
                host=self.services.settings.host)
            manager = server.session_manager
        except Exception as exc:  # noqa: BLE001 - /mcp answers 503 saying so; the rest of the app is unaffected
            log.error("the MCP server could not be built: %s", type(exc).__name__)
            self._ready.set()
            return
        # stateless: any worker of `advisor serve --workers N` can take any request
        async with manager.run():
            self._asgi = asgi
            self._ready.set()
            await anyio.sleep_forever()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._wanted is None or self._ready is None:
            raise RuntimeError("MCPMount.running() was not entered (the app's lifespan did not run)")
        self._wanted.set()
        await self._ready.wait()
        if self._asgi is None:
            body = {"error": "Unavailable", "message": "The MCP server could not start; the server log says why.",
                    "where": None}
            await JSONResponse(body, status_code=503)(scope, receive, send)
            return
        await self._asgi(scope, receive, send)


__all__ = ["MCPMount"]
