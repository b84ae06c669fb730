"""Domain errors. Each carries enough context for a 4xx body or a CLI message that says what to fix."""

from __future__ import annotations


class AdvisorError(Exception):
    """Base class: `message` is user-facing, `where` points at the offending input (line, field, file)."""

    status_code = 422

    def __init__(self, message: str, where: str | None = None,
                 details: list[dict[str, str | None]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.details = details  # one {where, message} per problem when several inputs are wrong at once

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": type(self).__name__, "message": self.message, "where": self.where}
        if self.details:
            body["details"] = self.details
        return body

    def headers(self) -> dict[str, str]:
        """HTTP headers the response carries besides the body (Retry-After for a 503)."""
        return {}


class InvalidInput(AdvisorError):
    """The caller sent something malformed (a claim line, a fact, a query)."""


class NotFound(AdvisorError):
    """An id (conversation, document, answer) that does not exist."""

    status_code = 404


class Unauthorized(AdvisorError):
    """No credentials, or ones that are not valid (HTTP 401): sign in, or send a valid API token."""

    status_code = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="advisor"'}


class Forbidden(AdvisorError):
    """Signed in, but the role may not do this (HTTP 403), or a CSRF token is missing."""

    status_code = 403


class DataError(AdvisorError):
    """A data file (knowledge document, catalog, CMS table) is malformed; names the file and the problem."""


class Conflict(AdvisorError):
    """The request is well formed but the stored data cannot take it (e.g. an answer saved without its reading)."""

    status_code = 409


class RetryLater(AdvisorError):
    """A request to send again after `retry_after` seconds (the response carries Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, where=None)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Unavailable(RetryLater):
    """The service cannot take the request now: retry after `retry_after` seconds (HTTP 503 with Retry-After)."""

    status_code = 503


class RateLimitExceeded(RetryLater):
    """This user or address sent more requests of a kind than its limit allows (HTTP 429 with Retry-After)."""

    status_code = 429


class IndexBuilding(Unavailable):
    """The guidance index is still being built (the message says how far the build is)."""
