"""The payment estimate for one Medicare locality (issue #16 item 4, issue #13 item 1), over real HTTP and the CLI,
on the RVU zip as CMS posts it (non-QPP and QPP PPRRVU files and the GPCI file, tests/data/cms_files.py), against a
hand-worked example within a cent.

Locality 13202-01 NY MANHATTAN: PW GPCI 1.064, PE GPCI 1.162, MP GPCI 1.586; the non-QPP file serves (CF 33.4009).
    64493  non-facility (1.52 x 1.064 + 3.10 x 1.162 + 0.14 x 1.586) = 5.44152 x 33.4009 = 181.75
           facility     (1.61728 + 0.65 x 1.162 + 0.22204)            = 2.59462 x 33.4009 =  86.66
    64493-50, 150%:  272.625 -> 272.63 | 129.99
    20552  non-facility (0.66 x 1.064 + 1.30 x 1.162 + 0.06 x 1.586) = 2.30800 x 33.4009 = 77.09, second procedure
           at 50%: 38.545 -> 38.55
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cms_files import write_real_rvu, write_real_rvu_zip

from advisor.data import db

DOS = "2026-08-03"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("locality")
    db.import_paths([write_real_rvu_zip(root / "rvu26c-updated-06-30-2026.zip")], root / "data" / "cms_tables.sqlite",
                    progress=False)
    return root / "data"


@pytest.fixture(scope="module")
def server(session_server_factory, data_dir: Path):  # noqa: ANN001, ANN201
    return session_server_factory(data_dir=data_dir).start(ready_path="/healthz")


def post(server, lines: list[str], **extra: object) -> httpx.Response:  # noqa: ANN001
    return httpx.post(f"{server.url}/api/estimate", json={"lines": lines, "date": DOS, **extra}, timeout=30)


@pytest.mark.parametrize("named", ["13202-01", "NY-01", "ny 01", "manhattan"])
def test_a_locality_estimate_matches_the_hand_worked_example(server, named: str) -> None:  # noqa: ANN001
    body = post(server, ["64493-50", "20552"], locality=named).json()
    place = body["locality"]
    assert (place["key"], place["name"], place["pw_gpci"], place["pe_gpci"], place["mp_gpci"]) == (
        "13202-01", "MANHATTAN", 1.064, 1.162, 1.586)
    assert place["origin"]["table"] == "CMS GPCI 2026 C"
    assert body["conversion_factor_origin"]["table"] == "CMS MPFS RVU 2026 C non-QPP"
    assert "locality 13202-01 NY MANHATTAN" in body["label"] and body["label"].startswith("Estimate")
    lines = {ln["line"]: ln for ln in body["lines"]}
    assert lines["64493-50"]["fee_non_facility"] == 181.75 and lines["64493-50"]["fee_facility"] == 86.66
    assert lines["64493-50"]["non_facility"] == pytest.approx(272.63, abs=0.005)
    assert lines["64493-50"]["facility"] == pytest.approx(129.99, abs=0.005)
    assert lines["20552"]["non_facility"] == pytest.approx(38.55, abs=0.005)
    assert {s["id"] for s in body["sources"]} >= {"cms-rvu-docs", "cms-gpci-2026-c"}


def test_without_a_locality_the_amounts_stay_national(server) -> None:  # noqa: ANN001
    body = post(server, ["64493"]).json()
    assert body["locality"] is None and "national" in body["label"]
    assert body["lines"][0]["non_facility"] == 158.99  # 4.76 x 33.4009


def test_a_locality_the_file_does_not_hold_or_names_twice_is_a_422(server) -> None:  # noqa: ANN001
    unknown = post(server, ["64493"], locality="Atlantis")
    assert unknown.status_code == 422 and unknown.json()["where"] == "locality"
    assert "is no locality of the CMS GPCI 2026 C file" in unknown.json()["message"]
    several = post(server, ["64493"], locality="NY")
    assert several.status_code == 422 and "13202-01 (NY MANHATTAN)" in several.json()["message"]


def test_a_locality_without_the_gpci_file_is_a_409(session_server_factory, tmp_path: Path) -> None:  # noqa: ANN001
    db.import_paths([write_real_rvu(tmp_path / "PPRRVU2026_Jul_nonQPP.csv")], tmp_path / "data" / "cms_tables.sqlite",
                    progress=False)
    srv = session_server_factory(data_dir=tmp_path / "data").start(ready_path="/healthz")
    resp = post(srv, ["64493"], locality="13202-01")
    assert resp.status_code == 409 and "GPCI" in resp.json()["message"]


def test_cli_estimate_with_a_locality(data_dir: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}, "ADVISOR_DATA_DIR": str(data_dir)}
    args = [sys.executable, "-m", "advisor", "estimate", "64493-50", "20552", "--date", DOS]
    done = subprocess.run([*args, "--locality", "manhattan"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "locality 13202-01 NY MANHATTAN: GPCI work 1.064, PE 1.162, MP 1.586 [CMS GPCI 2026 C]" in done.stdout
    assert "total: non-facility $311.18" in done.stdout  # 272.63 + 38.55
    done = subprocess.run([*args, "--locality", "Atlantis"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and "no locality" in done.stderr
