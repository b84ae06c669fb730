"""Map every failure to one JSON body a client can act on, `{error, message, where}`, never a stack trace: our own
errors, validation errors, the framework's (a body that cannot be parsed, an unknown path, a wrong method, a
multipart body that cannot be read) and the edge's (too large, foreign origin, busy). `ErrorBody` documents the shape
in the OpenAPI schema for every route (ERROR_RESPONSES). The OpenAI-compatible routes (/v1/...) answer OpenAI's
shape instead, {"error": {message, type, param, code}}, with 400 where the rest says 422, so OpenAI clients raise their
usual errors."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from advisor.errors import AdvisorError

log = logging.getLogger("advisor.api")
HTTP_ERRORS = {400: "InvalidInput", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
               413: "TooLarge", 415: "UnsupportedMediaType", 429: "RateLimitExceeded", 503: "Busy"}


class ErrorBody(BaseModel):
    """What every error response carries."""

    error: str = Field(description="A stable name: InvalidInput, NotFound, MethodNotAllowed, TooLarge, Forbidden, "
                                   "Conflict, RateLimitExceeded, Busy, InternalError, ...", examples=["InvalidInput"])
    message: str = Field(description="What went wrong and what to change, in words.")
    where: str | None = Field(None, description="The offending field, line or file, when there is one.")


def _doc(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("The body could not be parsed (not UTF-8, not JSON, a broken multipart form)."),
    401: _doc("Sign-in required: no session or API token, or one that is not valid (expired, revoked)."),
    403: _doc("The role may not do this, a page's request without its CSRF token, or a state-changing request "
              "from a browser page on another origin."),
    404: _doc("Unknown path or id."),
    405: _doc("The path exists; the method does not."),
    413: _doc("The body is larger than the limit for this route."),
    422: _doc("The body parsed but a field is invalid; `where` names it."),
    429: _doc("More requests of this kind than this user's or address's rate limit; retry after the Retry-After "
              "seconds."),
    500: _doc("An unexpected problem; details only in the server log (type only)."),
    503: _doc("Too many answers in progress; retry after the Retry-After seconds."),
}


def error_body(error: str, message: str, where: str | None = None) -> dict[str, str | None]:
    return {"error": error, "message": message, "where": where}


def _validation(exc: RequestValidationError) -> tuple[str, str | None]:
    """The message (every problem, `field: problem`) and where (the first field)."""
    parts: list[str] = []
    where: str | None = None
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        if err.get("type") == "json_invalid":
            position = loc.rsplit(".", 1)[-1] if loc else "?"
            parts.append(f"the body is not valid JSON (near character {position}); send a JSON object as UTF-8")
            where = where or "body"
            continue
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
        where = where or loc or None
    return "; ".join(parts) or "invalid request", where


def _framework_message(request: Request, exc: StarletteHTTPException) -> str:
    """The framework's terse details, reworded to say what to fix."""
    if exc.status_code == 400:
        if request.headers.get("content-type", "").startswith("multipart/"):
            return ("the multipart form could not be read; send the file as multipart/form-data with a boundary "
                    "(e.g. curl -F file=@claims.csv)")
        return "the request body could not be read; send a JSON object encoded as UTF-8"
    if exc.status_code == 404:
        return f"no route {request.url.path}; the API is described at /docs"
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        return f"{request.method} is not allowed on {request.url.path}" + (f"; use {allowed}" if allowed else "")
    if exc.status_code == 413:
        limit = request.scope.get("starlette.max_body_size")
        file = " (the file plus its multipart framing)" if request.url.path == "/api/audit" else ""
        return (f"the request body is larger than the {limit:,}-byte limit for {request.url.path}{file}"
                if isinstance(limit, int) else "the request body is too large")
    return str(exc.detail)


OPENAI_PREFIX = "/v1/"


def openai_error(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """Our {error, message, where} body in OpenAI's error shape; `code` is our error name in snake case
    (invalid_input, model_not_found, rate_limit_exceeded with type "requests", as OpenAI's own 429s, ...)."""
    kind = "server_error" if status >= 500 else "requests" if status == 429 else "invalid_request_error"
    code = re.sub(r"(?<!^)(?=[A-Z])", "_", str(body.get("error") or "error")).lower()
    return {"error": {"message": body.get("message", ""), "type": kind, "param": body.get("where"), "code": code}}


def respond(request: Request, body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error response in the shape the route's clients expect (OpenAI's under /v1/)."""
    if request.url.path.startswith(OPENAI_PREFIX):
        return JSONResponse(openai_error(status, body), status_code=400 if status == 422 else status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AdvisorError)
    async def _advisor_error(request: Request, exc: AdvisorError) -> JSONResponse:
        return respond(request, exc.to_dict(), exc.status_code, exc.headers() or None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, where = _validation(exc)
        return respond(request, error_body("InvalidInput", message, where), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = _framework_message(request, exc)
        where = "body" if exc.status_code in (400, 413) else None
        body = error_body(HTTP_ERRORS.get(exc.status_code, "HTTPError"), message, where)
        return respond(request, body, exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s", type(exc).__name__)
        body = error_body("InternalError", "The server hit an unexpected problem; please retry.")
        return respond(request, body, 500)
