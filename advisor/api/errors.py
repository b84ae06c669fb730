"""Map every failure to a JSON body a client can act on; never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from advisor.errors import AdvisorError

log = logging.getLogger("advisor.api")
HTTP_ERRORS = {400: "InvalidInput", 404: "NotFound", 405: "MethodNotAllowed", 413: "TooLarge"}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AdvisorError)
    async def _advisor_error(_: Request, exc: AdvisorError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=exc.headers() or None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        body = {"error": "InvalidInput", "message": _validation_message(exc), "where": None}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The framework's own 4xx (a body that is not UTF-8 JSON, an unknown path, a wrong method) in the same
        # {error, message, where} shape as ours, saying what to fix where the framework does not.
        if exc.status_code == 400:
            message = "the request body could not be read; send a JSON object encoded as UTF-8"
        else:
            message = str(exc.detail)
        body = {"error": HTTP_ERRORS.get(exc.status_code, "HTTPError"), "message": message, "where": None}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s", type(exc).__name__)
        body = {"error": "InternalError", "message": "The server hit an unexpected problem; please retry."}
        return JSONResponse(body, status_code=500)
