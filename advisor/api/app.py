"""`create_app(settings)`: the application factory. Importing this module loads no model and opens nothing."""

from __future__ import annotations

from fastapi import FastAPI

from advisor import __version__
from advisor.api import (
    routes_ask,
    routes_audit,
    routes_check,
    routes_conversations,
    routes_correct,
    routes_feedback,
    routes_health,
    routes_search,
)
from advisor.api.errors import install_error_handlers
from advisor.api.web import install_web
from advisor.services import Services
from advisor.settings import Settings, get_settings


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app around one Services object (tests pass their own settings or services)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Pain Coding Advisor",
        version=__version__,
        description="Interventional pain coding answers grounded in a deterministic rules engine.",
        lifespan=routes_search.index_lifespan,
    )
    app.state.services = services or Services(settings)
    install_error_handlers(app)
    app.include_router(routes_health.router)
    app.include_router(routes_check.router)
    app.include_router(routes_search.router)
    app.include_router(routes_ask.router)
    app.include_router(routes_conversations.router)
    app.include_router(routes_correct.router)
    app.include_router(routes_feedback.router)
    app.include_router(routes_audit.router)
    install_web(app, settings)
    return app
