"""Map every failure to a JSON body a client can act on; never a stack trace.

The advisor's own routes answer {error, message, where}. The OpenAI-compatible routes (/v1/...) answer OpenAI's
shape, {"error": {message, type, param, code}}, with 400 where the rest of the API says 422, so OpenAI clients
raise their usual errors (BadRequestError, NotFoundError)."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from advisor.errors import AdvisorError

log = logging.getLogger("advisor.api")
HTTP_ERRORS = {400: "InvalidInput", 404: "NotFound", 405: "MethodNotAllowed", 413: "TooLarge"}
OPENAI_PREFIX = "/v1/"


def openai_error(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """Our {error, message, where} body in OpenAI's error shape; `code` is our error name in snake case
    (invalid_input, model_not_found, ...)."""
    kind = "server_error" if status >= 500 else "invalid_request_error"
    code = re.sub(r"(?<!^)(?=[A-Z])", "_", str(body.get("error") or "error")).lower()
    return {"error": {"message": body.get("message", ""), "type": kind, "param": body.get("where"), "code": code}}


def respond(request: Request, body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error response in the shape the route's clients expect (OpenAI's under /v1/)."""
    if request.url.path.startswith(OPENAI_PREFIX):
        return JSONResponse(openai_error(status, body), status_code=400 if status == 422 else status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def _validation(exc: RequestValidationError) -> tuple[str, str | None]:
    parts, first = [], None
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        first = first or loc or None
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request", first


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AdvisorError)
    async def _advisor_error(request: Request, exc: AdvisorError) -> JSONResponse:
        return respond(request, exc.to_dict(), exc.status_code, exc.headers() or None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, where = _validation(exc)
        where = where if request.url.path.startswith(OPENAI_PREFIX) else None
        return respond(request, {"error": "InvalidInput", "message": message, "where": where}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The framework's own 4xx (a body that is not UTF-8 JSON, an unknown path, a wrong method) in the same
        # shape as ours, saying what to fix where the framework does not.
        if exc.status_code == 400:
            message = "the request body could not be read; send a JSON object encoded as UTF-8"
        else:
            message = str(exc.detail)
        body = {"error": HTTP_ERRORS.get(exc.status_code, "HTTPError"), "message": message, "where": None}
        return respond(request, body, exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s", type(exc).__name__)
        body = {"error": "InternalError", "message": "The server hit an unexpected problem; please retry."}
        return respond(request, body, 500)
