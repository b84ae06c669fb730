"""The app with a stand-in for the sign-in layer, for the rate-limit and access-log tests (issue #17 items 5-6).

Sign-in itself (issue #17 items 2-4) is built on another branch; its contract with this one is that it sets
`request.state.principal` (an object with `.id`, `.name`, `.role`) before route handlers run. This stand-in does
exactly that from an `X-Test-User: <id>:<role>` header, so the tests can act as several users over real HTTP. It is
served by uvicorn like the real app: `LiveServer(app="tests.api.signed_in:create_app")`.
"""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from advisor.api.app import create_app as create_real_app


class HeaderPrincipal:
    """Sets scope state's principal from X-Test-User (no header: no one is signed in)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-user":
                    user, _, role = value.decode().partition(":")
                    scope.setdefault("state", {})["principal"] = SimpleNamespace(id=user, name=user,
                                                                                 role=role or "coder")
        await self.app(scope, receive, send)


def create_app() -> FastAPI:
    app = create_real_app()
    app.add_middleware(HeaderPrincipal)
    return app
