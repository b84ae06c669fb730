"""`create_app(settings)`: the application factory. Importing this module loads no model and opens nothing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Route

from advisor import __version__
from advisor.api import (
    routes_access,
    routes_ask,
    routes_audit,
    routes_auth,
    routes_check,
    routes_codes,
    routes_conversations,
    routes_correct,
    routes_data,
    routes_feedback,
    routes_health,
    routes_openai,
    routes_search,
)
from advisor.api.auth import AuthMiddleware
from advisor.api.edge import BodyLimits, EdgeGuardMiddleware
from advisor.api.errors import ERROR_RESPONSES, install_error_handlers
from advisor.api.limits import Limits, MCPGate
from advisor.api.pool import Pools
from advisor.api.schedule import schedule_lifespan
from advisor.api.web import install_web
from advisor.mcp.mount import MCPMount
from advisor.services import Services
from advisor.settings import Settings, get_settings


def log_to_stderr() -> None:
    """Send advisor.* INFO lines (the index build's progress, one line per answer) to the server log: uvicorn sets
    up only its own loggers. Left alone when the host process configured logging itself."""
    logger = logging.getLogger("advisor")
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def install_mcp(app: FastAPI, services: Services, max_bytes: int) -> None:
    """The MCP server (advisor.mcp) over the app's own services, as streamable HTTP at /mcp (built on first use),
    behind the gate that limits its body and counts its ask tool calls (advisor.api.limits)."""
    mount = MCPMount(services)
    app.router.routes.append(Route("/mcp", endpoint=MCPGate(mount, max_bytes)))
    app.state.mcp = mount


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The index build in the background (routes_search), the MCP server and the retention schedule, for the app's
    lifetime."""
    async with (routes_search.index_lifespan(app), app.state.mcp.running(),
                schedule_lifespan(app.state.services)):
        yield


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app around one Services object (tests pass their own settings or services)."""
    settings = settings or get_settings()
    log_to_stderr()
    app = FastAPI(
        title="Pain Coding Advisor",
        version=__version__,
        description="Interventional pain coding answers grounded in a deterministic rules engine. Every error "
                    "outside /v1 is `{error, message, where}` (ErrorBody).",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.services = services or Services(settings)
    app.state.pools = Pools(settings.answer_workers, settings.answer_queue, settings.audit_workers,
                            settings.audit_queue)
    app.state.limits = Limits(settings, app.state.services)
    install_error_handlers(app)
    # Body limits are counted while the body is read (chunked uploads too), so nothing past them is buffered or
    # spooled: JSON routes get max_json_bytes, the audit upload its file limit plus room for the multipart framing,
    # /mcp (a plain route, outside FastAPI's routers) the JSON limit through its gate (advisor.api.limits).
    limits = BodyLimits.of(settings)
    install_mcp(app, app.state.services, limits.json)
    for router in (routes_access.router, routes_health.router, routes_check.router, routes_codes.router,
                   routes_search.router, routes_ask.router, routes_conversations.router, routes_correct.router,
                   routes_feedback.router, routes_openai.router, routes_auth.router):
        app.include_router(router, max_body_size=limits.json)
    app.include_router(routes_audit.router, max_body_size=limits.upload)
    app.include_router(routes_data.router, max_body_size=limits.upload)
    # Who the request is (request.state.principal) and whether the role may call the route, before any route runs;
    # inside the edge's checks, which refuse oversized and cross-site requests without a database look-up.
    services_of_app = app.state.services
    app.add_middleware(AuthMiddleware, settings=settings, accounts=lambda: services_of_app.accounts)
    app.add_middleware(EdgeGuardMiddleware, settings=settings)
    install_web(app, settings)  # its security headers go outermost, onto the edge's refusals too
    return app
