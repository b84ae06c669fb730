"""The web app: index.html at `/`, its files under /static, and security headers (strict CSP) on every response."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.settings import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# FastAPI's own interactive docs load their script from a CDN with an inline bootstrap: leave them alone.
_EXEMPT = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    """Pure ASGI (does not buffer, so server-sent events still stream)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_web(app: FastAPI, settings: Settings) -> None:
    """Serve web/ (no build step) and add the security headers."""
    web_dir = Path(settings.web_dir)
    app.add_middleware(SecurityHeadersMiddleware)

    def page(name: str) -> Response:
        path = web_dir / name
        if not path.is_file():
            return PlainTextResponse(f"The web app is not installed (web/{name} missing).", status_code=404)
        return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    def web_index() -> Response:
        return page("index.html")

    @app.get("/login", include_in_schema=False)
    def web_login() -> Response:
        """The sign-in page (the workbench sends a visitor without a session here)."""
        return page("login.html")

    if web_dir.is_dir():
        app.mount("/static", StaticFiles(directory=web_dir), name="static")
