"""How `advisor ask|search|check` reach a running `advisor serve` (issue #14 item 4: a quick CLI).

A served process has the model loaded and the index open, so a CLI call that hands its request to it costs a
round trip instead of seconds of imports and model loading. `find_server` says where to send it: the URL in
ADVISOR_SERVER_URL, none when that is `off`, and with `auto` (the default) the advisor answering on the settings'
host:port, found by a connect with a very short timeout (nothing listening costs ~1 ms) and a /healthz that names
this advisor's version. Requests use the standard library only (no httpx, no asyncio), so a cold `advisor check`
stays fast, and a 4xx body {error, message, where} becomes the AdvisorError the in-process path would raise.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from advisor import __version__
from advisor.errors import AdvisorError
from advisor.settings import Settings

PROBE_S = 0.05  # connect timeout of the auto-detect probe: a loopback connect answers in well under 1 ms
HEALTH_S = 2.0  # a server that accepts the connection but does not answer /healthz in this long is not used
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WAIT_S = 900.0  # how long a CLI search waits for a server's index build (a first build takes ~30 s here)


class ServerError(AdvisorError):
    """The server could not be reached or failed (not the caller's input): the CLI exits 1, not 2."""

    status_code = 502


class RemoteError(AdvisorError):
    """A 4xx from the server, carrying its status and error name (e.g. 503 IndexBuilding with Retry-After)."""

    def __init__(self, status: int, body: dict[str, Any], retry_after: float | None = None) -> None:
        super().__init__(str(body.get("message") or f"HTTP {status}"), body.get("where"))
        self.status_code = status
        self.name = str(body.get("error") or "HTTPError")
        self.retry_after = retry_after


def _opener(url: str) -> urllib.request.OpenerDirector:
    """Loopback requests never go through an HTTP proxy from the environment; others follow it."""
    if urlparse(url).hostname in LOOPBACK:
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def request(base: str, method: str, path: str, body: Any = None, timeout: float = 120.0,
            token: str | None = None) -> Any:
    """One JSON request (with `token` as a bearer token, for a server that requires sign-in); the decoded 2xx body,
    RemoteError for a 4xx or 503, ServerError for the rest."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with _opener(base).open(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            payload = json.loads(exc.read().decode("utf-8"))
        except (ValueError, OSError):
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        if exc.code == 401:
            payload["message"] = (f"the advisor server at {base} requires sign-in: set ADVISOR_API_TOKEN to one of "
                                  f"your API tokens (server: {payload.get('message', 'unauthorized')})")
        if exc.code < 500 or exc.code == 503:
            retry = exc.headers.get("Retry-After") if exc.headers else None
            raise RemoteError(exc.code, payload, float(retry) if retry and retry.isdigit() else None) from None
        failed = payload.get("message") or f"HTTP {exc.code}"
        raise ServerError(f"the advisor server at {base} failed: {failed}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServerError(f"cannot reach the advisor server at {base} ({reason}); start it with `advisor serve` "
                          "or set ADVISOR_SERVER_URL=off to work in process") from None


def _probe_host(host: str) -> str:
    """The address a server bound to `host` answers on locally (0.0.0.0 / :: listen on loopback too)."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)


def find_server(settings: Settings) -> str | None:
    """The base URL to send CLI work to, or None to work in process (see the module docstring)."""
    if settings.server_url == "off":
        return None
    if settings.server_url != "auto":
        return settings.server_url
    host = _probe_host(settings.host)
    try:
        socket.create_connection((host, settings.port), timeout=PROBE_S).close()
    except OSError:
        return None
    base = f"http://[{host}]:{settings.port}" if ":" in host else f"http://{host}:{settings.port}"
    try:
        health = request(base, "GET", "/healthz", timeout=HEALTH_S)
    except AdvisorError:
        return None  # something else listens there, or it is not ready: work in process
    if isinstance(health, dict) and health.get("status") == "ok" and health.get("version") == __version__:
        return base
    return None


def via_server(settings: Settings, method: str, path: str, body: Any = None,
               on_wait: Callable[[str], None] | None = None) -> Any | None:
    """The server's JSON answer to one CLI request, or None to work in process: no server found, or an
    auto-detected one that went away or failed (an explicit ADVISOR_SERVER_URL fails loudly instead).

    With `on_wait`, a 503 IndexBuilding (search while the server builds its index) is retried after its
    Retry-After, telling `on_wait` the server's message each time, for up to WAIT_S seconds."""
    base = find_server(settings)
    if base is None:
        return None
    deadline, told = time.monotonic() + WAIT_S, ""
    while True:
        try:
            return request(base, method, path, body, token=settings.api_token)
        except ServerError:
            if settings.server_url == "auto":
                return None
            raise
        except RemoteError as exc:
            if on_wait is None or exc.name != "IndexBuilding" or time.monotonic() > deadline:
                raise
            if exc.message != told:
                on_wait(told := exc.message)
            time.sleep(min(max(exc.retry_after or 1.0, 0.2), 10.0))


def exit_code(exc: AdvisorError) -> int:
    """The CLI's exit status for an error: 2 for the caller's input (as in process), 1 for the server's fault."""
    return 1 if isinstance(exc, ServerError) or exc.status_code >= 500 else 2


__all__ = ["RemoteError", "ServerError", "exit_code", "find_server", "request", "via_server"]
