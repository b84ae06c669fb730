"""The audit report's dollars at risk per flagged pattern (issue #16 item 4) over real HTTP: the payment estimate
of the lines behind the flag, only when the RVU file is imported, labelled an estimate (JSON, HTML, findings CSV).

Hand-worked (RVU fixture of tests/data/test_payment_estimate.py, conversion factor 33.4009): claim C0000001 bills
64493-RT and 64493-LT, the BILATERAL-RTLT pattern. Priced together: fee 158.99 non-facility / 77.16 facility each,
both multiple-procedure indicator 2, so one at 100% and the other at 50% (79.495 -> 79.50 / 38.58): at risk
238.49 non-facility, 115.74 facility, the same as the 64493-50 line it should have been.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from cms_files import PAYMENT_ROWS as ROWS
from cms_files import write_rvu

from advisor.audit.service import findings_csv, run_audit
from advisor.audit.synthetic import ClaimFile
from advisor.data import db
from advisor.services import build_catalog
from advisor.settings import Settings


def upload() -> bytes:
    cf = ClaimFile()
    cf.add("P1", "DR", date(2026, 3, 2), ["64493-RT", "64493-LT"])
    cf.add("P2", "DR", date(2026, 3, 3), ["99213"])
    return cf.to_bytes()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = tmp_path_factory.mktemp("audit_at_risk")
    db.import_paths([write_rvu(root / "PPRRVU26_JAN.csv", rows=ROWS)], root / "data" / "cms_tables.sqlite",
                    progress=False)
    return root / "data"


@pytest.fixture(scope="module")
def server(session_server_factory, data_dir):  # noqa: ANN001, ANN201
    return session_server_factory(data_dir=data_dir).start(ready_path="/healthz")


@pytest.fixture(scope="module")
def bare_server(session_server_factory, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    return session_server_factory(data_dir=tmp_path_factory.mktemp("no_rvu") / "data").start(ready_path="/healthz")


def post(server, **params: str) -> httpx.Response:  # noqa: ANN001
    return httpx.post(f"{server.url}/api/audit", params=params, files={"file": ("claims.csv", upload(), "text/csv")},
                      timeout=60)


def _pattern(body: dict, pid: str) -> dict:
    return next(p for p in body["patterns"] if p["id"] == pid)


def test_a_flagged_pattern_carries_its_dollars_at_risk(server) -> None:  # noqa: ANN001
    body = post(server).json()
    pattern = _pattern(body, "BILATERAL-RTLT")
    assert pattern["flagged"]
    risk = pattern["at_risk"]
    assert risk["estimate"] is True and risk["label"].startswith("Estimate: national Medicare")
    assert risk["non_facility"] == pytest.approx(238.49, abs=0.001)
    assert risk["facility"] == pytest.approx(115.74, abs=0.001)
    assert risk["claims"] == 1 and risk["lines_not_priced"] == 0
    assert all(p["at_risk"] is None for p in body["patterns"] if not p["flags"])


def test_the_html_report_shows_it_labelled_an_estimate(server) -> None:  # noqa: ANN001
    html = post(server, format="html").text
    assert "Dollars at risk (estimate): $238.49 non-facility, $115.74 facility, over 1 claims." in html


def test_the_findings_csv_has_a_row_per_priced_pattern(data_dir) -> None:  # noqa: ANN001
    settings = Settings(data_dir=data_dir, embedder="fake")
    text = findings_csv(run_audit(upload(), settings, catalog=build_catalog(settings)))
    row = next(line for line in text.splitlines() if "PATTERN-BILATERAL-RTLT" in line)
    assert ",info,estimate," in row and "$238.49 non-facility" in row and "Estimate:" in row


def test_no_amount_without_the_rvu_file(bare_server, tmp_path) -> None:  # noqa: ANN001
    body = post(bare_server).json()
    assert _pattern(body, "BILATERAL-RTLT")["flagged"]
    assert all(p["at_risk"] is None for p in body["patterns"])
    assert "Dollars at risk" not in post(bare_server, format="html").text
    settings = Settings(data_dir=tmp_path / "data", embedder="fake")
    assert "PATTERN-" not in findings_csv(run_audit(upload(), settings, catalog=build_catalog(settings)))
