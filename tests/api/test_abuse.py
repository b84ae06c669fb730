"""Abuse cases over real HTTP (uvicorn in a subprocess): inputs that used to cost a 500, a stall or unbounded
memory get a clear 4xx or a row error within a generous wall budget, and /healthz stays up (issue 15)."""

from __future__ import annotations

import time
from datetime import date

import httpx
import pytest

from advisor.audit.synthetic import ClaimFile
from advisor.claims import MAX_LINES

HEADER = b"claim_id,patient_id,provider,dos,code\r\n"


@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    return session_server_factory(env={"ADVISOR_MAX_UPLOAD_BYTES": "2000000"}).start(ready_path="/healthz")


def audit(server, data: bytes, **kw) -> httpx.Response:  # noqa: ANN001
    return httpx.post(f"{server.url}/api/audit", files={"file": ("claims.csv", data, "text/csv")}, timeout=60, **kw)


def test_field_over_the_csv_limit_is_a_row_error_and_the_connection_lives(server) -> None:  # noqa: ANN001
    data = HEADER + b"C1,P1,D1,2025-03-14,20610\r\nC2,P1,D1,2025-03-15,\"" + b"x" * 140_000 + b"\r\n"
    with httpx.Client(timeout=60) as client:  # one keep-alive connection: the next request must still work
        res = client.post(f"{server.url}/api/audit", files={"file": ("c.csv", data, "text/csv")})
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["summary"]["claims"] == 1
        assert [e["line"] for e in body["row_errors"]] == [3]
        assert "longer than 131,072 characters" in body["row_errors"][0]["reason"]
        assert client.get(f"{server.url}/healthz").status_code == 200


def test_claim_over_the_line_limit_is_row_errors_not_a_silent_cut(server) -> None:  # noqa: ANN001
    cf = ClaimFile()
    cf.add("PT1", "DR1", date(2025, 3, 14), ["G0260-RT"] * 4000, claim_id="BIG")
    cf.add("PT2", "DR1", date(2025, 3, 14), ["64493-RT", "64493-LT"], claim_id="OK")
    started = time.perf_counter()
    res = audit(server, cf.to_bytes())
    assert res.status_code == 200, res.text
    assert time.perf_counter() - started < 10  # was 15 s of rules work for the one claim before the fix
    body = res.json()
    assert body["summary"]["claims"] == 1 and body["summary"]["lines"] == 2
    assert body["row_errors_total"] == 4000 and body["summary"]["malformed_rows"] == 4000
    assert f"over the {MAX_LINES}-line limit" in body["row_errors"][0]["reason"]
    assert "BIG" in body["row_errors"][0]["reason"]
    assert {f["claim_id"] for f in body["findings"]} == {"OK"}


def test_crafted_quotes_do_not_stall_the_delimiter_sniffer(server) -> None:  # noqa: ANN001
    started = time.perf_counter()
    res = audit(server, HEADER + b',"\n' * 30_000)
    assert res.status_code in (200, 422), res.text
    assert time.perf_counter() - started < 5  # csv.Sniffer on 64 KB of this took 29 s
