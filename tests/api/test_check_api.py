"""POST /api/check over real HTTP: results, 422s that name the problem, and no 500 for any input."""

from __future__ import annotations

import httpx
import pytest



@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    return session_server_factory().start(ready_path="/healthz")


def test_healthz(server) -> None:  # noqa: ANN001
    body = httpx.get(f"{server.url}/healthz").json()
    assert body["status"] == "ok" and body["catalog"]


def test_check_returns_findings_and_corrected_claim(server) -> None:  # noqa: ANN001
    resp = httpx.post(f"{server.url}/api/check", json={
        "lines": ["99213-25", {"code": "64493", "modifiers": ["50"]}, "64494-50"],
        "payer": "medicare", "facts": {"separate_problem": False}})
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "errors"
    assert "EM-25-UNSUPPORTED" in {f["rule"] for f in body["findings"]}
    assert [ln["code"] for ln in body["claim"]] == ["64493", "64494"]
    assert all(f["sources"] for f in body["findings"])


@pytest.mark.parametrize(
    ("body", "fragment"),
    [({"lines": ["6449X"]}, "line 1"), ({"lines": ["64493", "64493--50"]}, "line 2"),
     ({"lines": ["64493 x1000"]}, "units"), ({"lines": []}, "no lines"), ({"lines": ["64493"] * 101}, "100"),
     ({"lines": ["64493"], "payer": "aetna"}, "payer"), ({"lines": ["64493"], "facts": {"colour": 1}}, "colour"),
     ({"lines": ["6449\u0007"]}, "line 1"), ({"lines": "64493"}, "lines"), ({}, "lines")],
)
def test_bad_input_is_422_with_message(server, body: dict, fragment: str) -> None:  # noqa: ANN001
    resp = httpx.post(f"{server.url}/api/check", json=body)
    assert resp.status_code == 422, resp.text
    assert fragment in resp.json()["message"]


def test_malformed_json_is_422(server) -> None:  # noqa: ANN001
    resp = httpx.post(f"{server.url}/api/check", content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code == 422


def test_openapi_documents_check(server) -> None:  # noqa: ANN001
    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert "/api/check" in schema["paths"]
    assert "CheckResult" in schema["components"]["schemas"]
