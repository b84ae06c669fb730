"""The chat answer carries the payment estimate of its claim (issue #16 item 4) over real HTTP: only with the
imported RVU file, labelled an estimate, national unless the request names a locality.

Hand-worked from tests/data/test_payment_estimate.py (conversion factor 33.4009 from the file): a bilateral L4-5
medial branch block is 64493-50-KX, fee 4.76 RVUs x 33.4009 = 158.99 non-facility, 2.31 x 33.4009 = 77.16 facility;
150% for modifier 50 on bilateral indicator 1: 238.485 -> 238.49 and 115.74. Manhattan (13202-01, GPCI 1.064 /
1.162 / 1.586): 272.63 non-facility, as worked in tests/data/test_locality_estimate.py.
"""

from __future__ import annotations

import httpx
import pytest
from cms_files import payment_data_dir

QUESTION = "Bilateral L4-5 diagnostic medial branch block under fluoro, Medicare, what do I bill?"


@pytest.fixture(scope="module")
def server(session_server_factory, tmp_path_factory: pytest.TempPathFactory):
    data_dir = payment_data_dir(tmp_path_factory.mktemp("answer_estimate"))
    return session_server_factory(data_dir=data_dir).start(ready_path="/healthz")


@pytest.fixture(scope="module")
def bare_server(session_server_factory, tmp_path_factory: pytest.TempPathFactory):
    return session_server_factory(data_dir=tmp_path_factory.mktemp("no_rvu") / "data").start(ready_path="/healthz")


def ask(server, **body: object) -> httpx.Response:
    return httpx.post(f"{server.url}/api/ask", json={"question": QUESTION, **body}, timeout=60)


def _line(estimate: dict, line: str) -> dict:
    return next(ln for ln in estimate["lines"] if ln["line"] == line)


def test_the_answer_prices_its_claim_nationally(server) -> None:
    body = ask(server).json()
    assert [ln["code"] for ln in body["claim"]] == ["64493"]
    est = body["estimate"]
    assert est["estimate"] is True and est["label"].startswith("Estimate: national Medicare")
    assert est["locality"] is None and est["conversion_factor"] == 33.4009
    line = _line(est, "64493-50-KX")
    assert line["non_facility"] == pytest.approx(238.49, abs=0.001)
    assert line["facility"] == pytest.approx(115.74, abs=0.001)
    assert est["total_non_facility"] == pytest.approx(238.49, abs=0.001)


def test_a_locality_prices_the_answer_for_it(server) -> None:
    est = ask(server, locality="manhattan").json()["estimate"]
    assert est["locality"]["key"] == "13202-01" and "locality 13202-01" in est["label"]
    assert _line(est, "64493-50-KX")["non_facility"] == pytest.approx(272.63, abs=0.001)


def test_an_unknown_locality_is_a_422_naming_the_field(server) -> None:
    r = ask(server, locality="atlantis")
    assert r.status_code == 422 and "locality" in r.text


def test_no_estimate_for_a_commercial_payer(server) -> None:
    assert ask(server, payer="commercial").json()["estimate"] is None


def test_no_estimate_without_the_rvu_file(bare_server) -> None:
    body = ask(bare_server).json()
    assert body["claim"] and body["estimate"] is None
