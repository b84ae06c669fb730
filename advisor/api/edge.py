"""Checks at the edge, before any route runs. A body whose Content-Length is over the route's limit is a 413 before a
byte of it is read (bodies without a length, chunked uploads, are counted while read: app.py gives each router its
limit through FastAPI's max_body_size). State-changing requests from a browser page on another origin are
refused (403), so a page elsewhere cannot make a coder's browser post to this server (CSRF: the API has no cookies or
tokens of its own, but it may run on a trusted network reachable from the coder's browser).

A browser sends `Origin` on every cross-origin POST and `Sec-Fetch-Site` with every request; command-line clients
(curl, httpx, the CLI) send neither and pass. The server's own origin is taken from the Host header (so it works on
any host and port); more origins (an authenticating proxy's) come from ADVISOR_ALLOWED_ORIGINS.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from advisor.api.errors import error_body
from advisor.settings import Settings

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUDIT_PATH = "/api/audit"
UPLOAD_PATHS = (AUDIT_PATH, "/api/data/import")  # file uploads: the upload limit, not the JSON one
MULTIPART_OVERHEAD = 64 * 1024  # room for the form's framing around the uploaded file


@dataclass(frozen=True)
class BodyLimits:
    """Request body limits in bytes: JSON routes, and the audit upload (its file limit plus the framing)."""

    json: int
    upload: int

    @classmethod
    def of(cls, settings: Settings) -> BodyLimits:
        return cls(settings.max_json_bytes, settings.max_upload_bytes + MULTIPART_OVERHEAD)

    def for_path(self, path: str) -> int:
        return self.upload if path in UPLOAD_PATHS else self.json


def _host_of(origin: str) -> str | None:
    parts = urlsplit(origin)
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None


class EdgeGuardMiddleware:
    """Pure ASGI (does not buffer: streams stay streams)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limits = BodyLimits.of(settings)
        self.allowed = {h for o in settings.allowed_origins.split(",") if (h := _host_of(o.strip().lower()))}

    def foreign(self, headers: Headers) -> str | None:
        """Why the request comes from another site, or None when it does not (or is not from a browser)."""
        origin = headers.get("origin")
        if origin is not None:
            host = _host_of(origin.strip().lower())
            if host is not None and (host == headers.get("host", "").lower() or host in self.allowed):
                return None
            return f"Origin {origin[:100]!r}"
        if headers.get("sec-fetch-site") == "cross-site":
            return "a cross-site request (Sec-Fetch-Site)"
        return None

    def refusal(self, scope: Scope) -> JSONResponse | None:
        headers = Headers(scope=scope)
        why = self.foreign(headers) if scope["method"] in STATE_CHANGING else None
        if why is not None:
            return JSONResponse(error_body(
                "Forbidden", f"{why} is not this server's origin: a page on another site may not change data here. "
                "Use the app at this server's own address, or add the origin to ADVISOR_ALLOWED_ORIGINS.", "origin",
            ), status_code=403)
        length, path = headers.get("content-length", ""), scope["path"]
        limit = self.limits.for_path(path)
        if length.isdigit() and int(length) > limit:
            what = " (the file plus its multipart framing)" if path in UPLOAD_PATHS else ""
            return JSONResponse(error_body(
                "TooLarge", f"the request body is {int(length):,} bytes; the limit for {path} is {limit:,} "
                f"bytes{what}", "body"), status_code=413)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self.refusal(scope) if scope["type"] == "http" else None
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
