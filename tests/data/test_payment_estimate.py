"""The payment estimate (issue #16 item 4) over real HTTP, on an RVU file in the published layout, against a
hand-worked example: a bilateral, multi-line Medicare claim, within a cent.

RVU rows (work, non-facility PE, facility PE, MP; multiple-procedure and bilateral indicators), conversion factor
33.4009 from the file's own CONV FACTOR column:
    64493  1.52  3.10  0.65  0.14  mult 2  bilat 1
    64494  1.00  1.20  0.35  0.09  mult 0  bilat 1  (add-on, ZZZ)
    20552  0.66  1.30  0.25  0.06  mult 2  bilat 0
Fees (RVUs x 33.4009, rounded to cents):
    64493  non-facility 4.76 x 33.4009 = 158.99   facility 2.31 x 33.4009 = 77.16
    64494  non-facility 2.29 x 33.4009 =  76.49   facility 1.44 x 33.4009 = 48.10
    20552  non-facility 2.02 x 33.4009 =  67.47   facility 0.97 x 33.4009 = 32.40
Claim 64493-50, 64494-50, 20552:
    64493-50  150%: 238.485 -> 238.49 | 115.74; highest-valued procedure, 100%
    64494-50  150%: 114.735 -> 114.74 | 72.15; add-on (indicator 0), not reduced
    20552     second procedure, 50%: 33.735 -> 33.74 | 16.20
    total     non-facility 386.97, facility 204.09
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cms_files import PAYMENT_ROWS as ROWS
from cms_files import RVU_HEADER, RVU_LABELS, write_rvu

from advisor.data import db


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert len(RVU_LABELS) == len(RVU_HEADER) == len(ROWS[0])
    root = tmp_path_factory.mktemp("payment")
    db.import_paths([write_rvu(root / "PPRRVU26_JAN.csv", rows=ROWS)], root / "data" / "cms_tables.sqlite",
                    progress=False)
    return root / "data"


@pytest.fixture(scope="module")
def server(session_server_factory, data_dir: Path):  # noqa: ANN001, ANN201
    return session_server_factory(data_dir=data_dir).start(ready_path="/healthz")


def post(server, lines: list, **extra: object) -> httpx.Response:  # noqa: ANN001
    return httpx.post(f"{server.url}/api/estimate", json={"lines": lines, "date": "2026-05-04", **extra}, timeout=30)


def test_bilateral_multi_line_claim_matches_the_hand_worked_example(server) -> None:  # noqa: ANN001
    body = post(server, ["64493-50", "64494-50", "20552"]).json()
    assert body["estimate"] is True and "Estimate" in body["label"]
    assert body["conversion_factor"] == 33.4009 and body["conversion_factor_origin"]["table"] == "CMS MPFS RVU 2026 A"
    lines = {ln["line"]: ln for ln in body["lines"]}
    expected = {"64493-50": (238.49, 115.74), "64494-50": (114.74, 72.15), "20552": (33.74, 16.20)}
    for line, (non_facility, facility) in expected.items():
        assert lines[line]["non_facility"] == pytest.approx(non_facility, abs=0.01)
        assert lines[line]["facility"] == pytest.approx(facility, abs=0.01)
    assert lines["64493-50"]["fee_non_facility"] == 158.99 and lines["20552"]["fee_facility"] == 32.40
    assert any("150%" in a for a in lines["64493-50"]["adjustments"])
    assert any("50%" in a and "indicator 2" in a for a in lines["20552"]["adjustments"])
    assert any("not reduced" in a for a in lines["64494-50"]["adjustments"])
    assert body["total_non_facility"] == pytest.approx(386.97, abs=0.01)
    assert body["total_facility"] == pytest.approx(204.09, abs=0.01)
    assert {s["id"] for s in body["sources"]} >= {"cms-cpm-ch12-surgery", "cms-rvu-docs"}


def test_extra_units_of_a_reduced_code_are_second_procedures(server) -> None:  # noqa: ANN001
    body = post(server, ["20552 x2"]).json()
    assert body["lines"][0]["non_facility"] == pytest.approx(67.47 + 33.74, abs=0.01)


def test_lines_without_a_national_amount_say_why(server) -> None:  # noqa: ANN001
    body = post(server, ["64999", "0216T"]).json()
    carrier, missing = body["lines"]
    assert not carrier["priced"] and "status C" in carrier["adjustments"][0]
    assert not missing["priced"] and "no row for 0216T" in missing["adjustments"][0]
    assert body["total_non_facility"] == 0


def test_bad_lines_and_missing_tables(server, session_server_factory) -> None:  # noqa: ANN001
    bad = post(server, ["64493-XY", "20552"])
    assert bad.status_code == 422 and "XY" in bad.json()["message"]
    assert post(server, [], ).status_code == 422
    empty = session_server_factory().start(ready_path="/healthz")
    resp = httpx.post(f"{empty.url}/api/estimate", json={"lines": ["64493"]}, timeout=30)
    assert resp.status_code == 409 and "advisor data import" in resp.json()["message"]


def test_cli_estimate_and_the_conversion_factor_setting(data_dir: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}, "ADVISOR_DATA_DIR": str(data_dir)}
    args = [sys.executable, "-m", "advisor", "estimate", "64493-50", "64494-50", "20552", "--date", "2026-05-04"]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "total: non-facility $386.97, facility $204.09" in done.stdout and "Estimate" in done.stdout
    done = subprocess.run(args[:5], capture_output=True, text=True, timeout=120,
                          env={**env, "ADVISOR_CONVERSION_FACTOR": "30"})
    assert done.returncode == 0 and "conversion factor 30.0 [setting ADVISOR_CONVERSION_FACTOR]" in done.stdout
    assert "total: non-facility $214.20, facility $103.95" in done.stdout  # 4.76 x 30 = 142.80, x 150%


def test_a_rules_database_from_before_the_payment_columns(tmp_path: Path) -> None:
    """Older databases lack the RVU columns: they still read (the estimate asks for a re-import), and the next
    write adds the columns."""
    import sqlite3
    from datetime import date

    from advisor.claims import coerce_lines
    from advisor.data.db import MPFS_ADDED, connect
    from advisor.data.tables import ImportedTables
    from advisor.encoder.payment import estimate
    from advisor.services import build_catalog
    from advisor.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", embedder="fake")
    db.import_paths([write_rvu(tmp_path / "PPRRVU26_JAN.csv", rows=ROWS)], settings.resolved_rules_db, progress=False)
    with sqlite3.connect(settings.resolved_rules_db) as conn:
        for name, _ in MPFS_ADDED:
            conn.execute(f"ALTER TABLE mpfs DROP COLUMN {name}")
    old = ImportedTables(settings.resolved_rules_db).mpfs("64493", date(2026, 5, 4))
    assert old is not None and old.global_days == "000" and old.work_rvu is None
    result = estimate(coerce_lines(["64493"]), build_catalog(settings), date(2026, 5, 4))
    assert not result.lines[0].priced and "import the RVU file again" in result.lines[0].adjustments[0]
    connect(settings.resolved_rules_db).close()
    with sqlite3.connect(settings.resolved_rules_db) as conn:
        assert {name for name, _ in MPFS_ADDED} <= {r[1] for r in conn.execute("PRAGMA table_info(mpfs)")}
