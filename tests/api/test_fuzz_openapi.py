"""Hypothesis over the OpenAPI schema, over real HTTP (issue 15, "Proof"): every operation the schema lists gets
arbitrary JSON bodies (objects with its own field names and random values, and any JSON at all), random path
parameters and query values. Whatever it is sent, the answer is never a 5xx, and every error carries the one body
`{error, message, where}`. A fixed, small budget (derandomised) keeps it to seconds in `make test`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
BUDGET = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def server(session_server_factory):
    return session_server_factory().start(ready_path="/healthz")


def _check(res: httpx.Response, what: str) -> None:
    """No 5xx; every 4xx in the documented shape: ours, or OpenAI's on the OpenAI-compatible /v1 routes."""
    assert res.status_code < 500, f"{what} -> {res.status_code}: {res.text[:300]}"
    if res.status_code >= 400:
        body = res.json()
        if what.split()[1].startswith("/v1/"):
            assert set(body) == {"error"} and {"message", "type", "param", "code"} <= set(body["error"]), \
                f"{what} -> {body}"
        else:
            assert set(body) == {"error", "message", "where"}, f"{what} -> {body}"


def _fill(path: str, segment: str) -> str:
    """Path parameters replaced by the (percent-encoded) random segment."""
    encoded = quote(segment, safe="") or "x"
    return re.sub(r"\{[^}]+\}", lambda _: encoded, path)


def _probe(client: httpx.Client, base: str, method: str, path: str, op: dict[str, Any],
           schemas: dict[str, Any]) -> Any:
    ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    names = sorted(schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})) if ref else []
    queries = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"] or ["x"]
    bodies = (st.dictionaries(st.sampled_from(names), JSON, max_size=len(names)) | JSON) if names else JSON

    @BUDGET
    @given(body=bodies, segment=st.text(min_size=1, max_size=30),
           query=st.dictionaries(st.sampled_from(queries), st.text(max_size=20), max_size=2))
    def probe(body: Any, segment: str, query: dict[str, str]) -> None:
        kwargs: dict[str, Any] = {"params": query}
        if "requestBody" in op:
            kwargs["json"] = body
        _check(client.request(method, base + _fill(path, segment), **kwargs), f"{method} {path} {body!r:.200}")

    return probe


def test_no_operation_answers_5xx_to_arbitrary_input(server) -> None:
    spec = httpx.get(server.url + "/openapi.json", timeout=30).json()
    operations = [(method.upper(), path, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(operations) >= 15
    with httpx.Client(timeout=60) as client:
        for method, path, op in operations:
            _probe(client, server.url, method, path, op, spec["components"]["schemas"])()
