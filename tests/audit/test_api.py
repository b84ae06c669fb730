"""POST /api/audit over real HTTP (uvicorn on a free loopback port)."""

from __future__ import annotations

import httpx
import pytest

from advisor.audit.synthetic import planted_panel


@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    """uvicorn in a subprocess (conftest LiveServer) with a small upload limit."""
    return session_server_factory(env={"ADVISOR_MAX_UPLOAD_BYTES": "200000"}).start(ready_path="/healthz")


def post(server, data: bytes, name: str = "claims.csv", **params):  # noqa: ANN001, ANN201
    return httpx.post(f"{server.url}/api/audit", params=params, files={"file": (name, data, "text/csv")}, timeout=60)


def test_json_result(server) -> None:  # noqa: ANN001
    res = post(server, planted_panel()[0].to_bytes())
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["summary"]["claims"] == 140 and body["summary"]["patterns_flagged"] == 9
    assert {p["id"] for p in body["patterns"] if p["flagged"]} >= {"MOD25-RATE", "EM-IN-GLOBAL"}
    assert body["findings_total"] == len(body["findings"]) and not body["findings_truncated"]
    assert res.headers["cache-control"] == "no-store"


def test_findings_can_be_capped(server) -> None:  # noqa: ANN001
    body = post(server, planted_panel()[0].to_bytes(), max_findings=3).json()
    assert len(body["findings"]) == 3 and body["findings_truncated"]


def test_html_report(server) -> None:  # noqa: ANN001
    res = post(server, planted_panel()[0].to_bytes(), format="html")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert "style-src 'sha256-" in res.headers["content-security-policy"]
    assert "<svg" in res.text and "claims.csv" in res.text


@pytest.mark.parametrize("data,status,word", [
    (b"claim,patient,dos,cpt\nC1,P1,2025-01-01,20610\n", 422, "rendering_provider"),
    (b"", 422, "empty"),
    (b"%PDF-1.4 binary\x00\x01", 422, "not a CSV"),
    (b"claim,patient,npi,dos,cpt\n" + b"C1,P1,D1,2025-01-01,20610\n" * 20_000, 413, "limit"),
])
def test_bad_uploads(server, data: bytes, status: int, word: str) -> None:  # noqa: ANN001
    res = post(server, data)
    assert res.status_code == status, res.text
    assert word in res.json()["message"]


def test_missing_file_field(server) -> None:  # noqa: ANN001
    res = httpx.post(f"{server.url}/api/audit", data={"other": "x"}, timeout=30)
    assert res.status_code == 422 and "'file'" in res.json()["message"]
