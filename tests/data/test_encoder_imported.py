"""The encoder view with the official CMS tables imported (fixture files in the published layouts, tests/data/
cms_files.py), over real HTTP: imported values name their table and version, curated values that differ are shown
beside them, deleted and not-yet-effective PTP edits follow the date of service, and a date before every loaded
version says which versions exist (issue #16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cms_files import write_mue, write_ptp_text, write_rvu

from advisor.data import db

DOS = "2026-05-04"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("encoder")
    downloads, data = root / "downloads", root / "data"
    downloads.mkdir()
    files = [write_ptp_text(downloads / "ccipra-v321r0.txt"),  # one file, the whole table (no part: not partial)
             write_mue(downloads / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"),
             write_rvu(downloads / "PPRRVU26_JAN.csv")]
    db.import_paths(files, data / "cms_tables.sqlite", progress=False)
    return data


@pytest.fixture(scope="module")
def server(session_server_factory, data_dir: Path):  # noqa: ANN001, ANN201
    return session_server_factory(data_dir=data_dir).start(ready_path="/healthz")


def get(server, path: str, **params: str) -> dict:  # noqa: ANN001
    resp = httpx.get(f"{server.url}{path}", params=params, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_imported_values_name_their_table_and_curated_differences_sit_beside_them(server) -> None:  # noqa: ANN001
    body = get(server, "/api/codes/64493", date=DOS)
    glob = body["facts"]["global"]
    assert glob["value"] == "010" and glob["origin"]["kind"] == "imported"
    assert glob["origin"]["table"] == "CMS MPFS RVU 2026 A" and glob["origin"]["confidence"] == "confirmed"
    assert glob["curated"]["value"] == "000" and glob["curated"]["origin"]["kind"] == "curated"
    assert {"field": "global", "curated": "000", "imported": "010", "table": "CMS MPFS RVU 2026 A",
            "curated_confidence": "confirmed"} in body["differences"]  # curated from the CMS PPRRVU 2025 file
    assert body["facts"]["multiple_procedure"]["value"] == "2"
    assert "50%" in body["facts"]["multiple_procedure"]["meaning"]
    assert body["facts"]["imaging"]["origin"]["kind"] == "curated"  # no CMS table says it
    units = body["units"]
    assert (units["mue"], units["mai"]) == (1, 2) and units["origin"]["table"] == "CMS MUE 2026-01-01"
    assert units["curated"] is None  # the curated value agrees
    assert {t["table"] for t in body["tables"] if t["used"]} == {"CMS PTP v32.1r0", "CMS MUE 2026-01-01",
                                                                  "CMS MPFS RVU 2026 A"}
    assert body["notices"] == []


def test_pairs_follow_the_date_of_service(server) -> None:  # noqa: ANN001
    pairs = {(p["col1"], p["col2"]): p for p in get(server, "/api/codes/64493", date=DOS)["pairs"]}
    assert pairs[("64493", "64483")]["effective"] == "2026-04-01"
    assert pairs[("64493", "64483")]["origin"]["table"] == "CMS PTP v32.1r0"
    assert pairs[("64493", "27096")]["mi"] == 0 and pairs[("64635", "64493")]["other"] == "64635"
    assert ("64493", "99213") in pairs  # imported only
    assert ("64493", "62323") not in pairs  # deleted 2024-12-31; the curated pair gives way to the loaded table
    assert ("64493", "64490") not in pairs  # indicator 9, deleted
    before = {(p["col1"], p["col2"]): p for p in get(server, "/api/codes/64493", date="2024-06-01")["pairs"]}
    assert before[("64493", "62323")]["deleted"] == "2024-12-31"
    assert ("64493", "64483") not in before  # not yet effective


def test_a_date_before_every_table_names_the_versions(server) -> None:  # noqa: ANN001
    notices = " ".join(get(server, "/api/codes/64493", date="2019-01-01")["notices"])
    assert "before every imported CMS PTP table (loaded: v32.1r0 (from 2026-04-01))" in notices
    assert "CMS MUE table (loaded: 2026-01-01" in notices and "CMS MPFS RVU table (loaded: 2026 A" in notices


def test_a_code_only_the_imported_tables_hold(server) -> None:  # noqa: ANN001
    body = get(server, "/api/codes/20550", date=DOS)
    assert not body["in_catalog"] and body["descriptor"] is None and body["family"] is None
    assert body["units"]["mue"] == 1 and body["units"]["per"] == "line"
    assert [(p["col1"], p["col2"]) for p in body["pairs"]] == [("64450", "20550")]
    assert any("not in the curated catalog" in n for n in body["notices"])
    resp = httpx.get(f"{server.url}/api/codes/20551", timeout=30)
    assert resp.status_code == 404 and "20550" in resp.json()["suggestions"]


def test_units_show_the_curated_value_when_it_differs(server) -> None:  # noqa: ANN001
    body = get(server, "/api/codes/64636/units", date=DOS)
    assert (body["mue"], body["mai"], body["per"]) == (2, 3, "date of service")
    assert body["origin"]["kind"] == "imported" and body["curated"]["value"] == "MUE 4, MAI 3"
    assert "appealed" in body["appeal"]


def test_pair_lookup_names_the_version_and_follows_the_date(server) -> None:  # noqa: ANN001
    body = get(server, "/api/pairs", a="64483", b="64493", date=DOS)
    assert body["edit"] and body["pair"]["col1"] == "64493" and body["pair"]["effective"] == "2026-04-01"
    assert body["pair"]["origin"]["table"] == "CMS PTP v32.1r0" and "CMS PTP v32.1r0" in body["message"]
    early = get(server, "/api/pairs", a="64483", b="64493", date="2026-03-01")
    assert not early["edit"] and "CMS PTP v32.1r0" in early["message"] and early["notices"]
    ptp = httpx.post(f"{server.url}/api/check", json={"lines": ["64493", "64483"],
                                                       "facts": {"date_of_service": DOS}}).json()
    assert any("64493/64483" in f["message"] and "CMS PTP v32.1r0" in f["message"] for f in ptp["findings"])


def test_cli_code_and_pair_read_the_imported_tables(data_dir: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}, "ADVISOR_DATA_DIR": str(data_dir)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, env=env,
                              timeout=120)

    done = run("code", "64493", "--date", DOS, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["facts"]["global"]["curated"]["value"] == "000"
    text = run("code", "64493", "--date", DOS).stdout
    assert "global: 010 [CMS MPFS RVU 2026 A]" in text and "curated value differs: 000" in text
    pair = run("pair", "64493", "64483", "--date", DOS)
    assert pair.returncode == 0 and "64493 is column 1" in pair.stdout and "CMS PTP v32.1r0" in pair.stdout
    bad = run("pair", "64493", "64439")
    assert bad.returncode == 2 and "did you mean" in bad.stderr and "Traceback" not in bad.stderr
