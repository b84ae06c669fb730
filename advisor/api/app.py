"""`create_app(settings)`: the application factory. Importing this module loads no model and opens nothing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Route

from advisor import __version__
from advisor.api import (
    routes_ask,
    routes_audit,
    routes_check,
    routes_conversations,
    routes_correct,
    routes_feedback,
    routes_health,
    routes_openai,
    routes_search,
)
from advisor.api.errors import install_error_handlers
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


def install_mcp(app: FastAPI, services: Services) -> None:
    """The MCP server (advisor.mcp) over the app's own services, as streamable HTTP at /mcp (built on first use)."""
    mount = MCPMount(services)
    app.router.routes.append(Route("/mcp", endpoint=mount))
    app.state.mcp = mount


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The index build in the background (routes_search) and the MCP server, for the app's lifetime."""
    async with routes_search.index_lifespan(app), app.state.mcp.running():
        yield


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app around one Services object (tests pass their own settings or services)."""
    settings = settings or get_settings()
    log_to_stderr()
    app = FastAPI(
        title="Pain Coding Advisor",
        version=__version__,
        description="Interventional pain coding answers grounded in a deterministic rules engine.",
        lifespan=lifespan,
    )
    app.state.services = services or Services(settings)
    install_error_handlers(app)
    install_mcp(app, app.state.services)
    app.include_router(routes_health.router)
    app.include_router(routes_check.router)
    app.include_router(routes_search.router)
    app.include_router(routes_ask.router)
    app.include_router(routes_conversations.router)
    app.include_router(routes_correct.router)
    app.include_router(routes_feedback.router)
    app.include_router(routes_audit.router)
    app.include_router(routes_openai.router)
    install_web(app, settings)
    return app
