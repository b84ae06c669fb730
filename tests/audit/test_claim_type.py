"""Claim type in the audit: a physician's export at POS 24 is read as professional claims (POS stays POS), the
claim type comes from a column or the file's option (CLI --claim-type, API form field), and the file's MAC from
--mac / a mac column. Over real HTTP for the API, through the real CLI for the command."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from advisor.audit.service import run_audit
from advisor.audit.synthetic import START, ClaimFile
from advisor.cli import app
from advisor.rules.model import ClaimType

PHYSICIAN_LINES = ["64493-50", "64494-50", "27096-50"]


def physician_export_at_asc() -> bytes:
    """A physician's own claims for cases done at an ASC (POS 24): modifier 50, as the physician claim wants."""
    cf = ClaimFile()
    for i in range(6):
        cf.add(f"P{i}", "DR1", START, PHYSICIAN_LINES, pos="24")
    return cf.to_bytes()


def side_findings(result) -> list[str]:  # noqa: ANN001
    return [f.message for f in result.findings if "RT" in f.message.split() or "LT" in f.message.split()
            or "RT and LT" in f.message]


def test_physician_export_at_pos_24_flags_nothing_about_rt_lt() -> None:
    result = run_audit(physician_export_at_asc())
    assert side_findings(result) == []
    assert not any(f.rule.startswith("FACILITY") or f.rule == "SI-FACILITY-G0260" for f in result.findings)


def test_without_a_claim_type_column_the_summary_says_how_claims_were_read() -> None:
    text = "claim_id,patient_id,provider,dos,code,modifiers,pos\nC1,P1,D1,2026-01-05,64493,50,24\n"
    result = run_audit(text.encode())
    assert side_findings(result) == []
    assert any("professional claim" in n and "place of service is kept as POS" in n for n in result.summary.notes)


def test_the_file_option_makes_it_an_asc_facility_claim() -> None:
    result = run_audit(physician_export_at_asc(), claim_type=ClaimType.ASC)
    assert side_findings(result), "the ASC facility claim reports each side on its own line"
    assert any(f.rule == "SI-FACILITY-G0260" for f in result.findings)


def test_a_claim_type_column_wins_per_claim() -> None:
    cf = ClaimFile()
    cf.add("P1", "DR1", START, ["27096-50"], pos="24", claim_type="professional")
    cf.add("P2", "DR1", START, ["27096-50"], pos="24", claim_type="asc")
    result = run_audit(cf.to_bytes(), claim_type=ClaimType.HOSPITAL_OUTPATIENT)
    g0260 = {f.claim_id for f in result.findings if f.rule == "SI-FACILITY-G0260"}
    assert g0260 == {"C0000002"}


def test_the_file_mac_reaches_the_lcd_rules() -> None:
    cf = ClaimFile()
    cf.add("P1", "DR1", START.replace(year=2026), ["64493-KX"])
    plain = run_audit(cf.to_bytes())
    cgs = run_audit(cf.to_bytes(), mac="OH")
    assert plain.summary.claims == cgs.summary.claims == 1
    assert any("no MAC given" in n for n in plain.summary.notes)
    assert any("CGS's jurisdiction (J15)" in n for n in cgs.summary.notes)
    with pytest.raises(Exception, match="unknown MAC"):
        run_audit(cf.to_bytes(), mac="Atlantis")


def test_cli_claim_type_option(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes(physician_export_at_asc())
    runner = CliRunner()
    plain = runner.invoke(app, ["audit", str(path), "--json"])
    asc = runner.invoke(app, ["audit", str(path), "--json", "--claim-type", "asc", "--mac", "J15"])
    assert plain.exit_code == 0 and asc.exit_code == 0, asc.output
    assert "SI-FACILITY-G0260" not in plain.output and "SI-FACILITY-G0260" in asc.output
    bad = runner.invoke(app, ["audit", str(path), "--claim-type", "24"])
    assert bad.exit_code == 2 and "place of service" in bad.output


@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    return session_server_factory().start(ready_path="/healthz")


def post(server, data: dict[str, str]) -> httpx.Response:  # noqa: ANN001
    return httpx.post(f"{server.url}/api/audit", data=data,
                      files={"file": ("claims.csv", physician_export_at_asc(), "text/csv")}, timeout=60)


def test_api_claim_type_and_mac_form_fields(server) -> None:  # noqa: ANN001
    plain, asc = post(server, {}), post(server, {"claim_type": "asc", "mac": "CGS"})
    assert plain.status_code == 200 and asc.status_code == 200, asc.text
    rules = lambda res: {f["rule"] for f in res.json()["findings"]}  # noqa: E731
    assert "SI-FACILITY-G0260" not in rules(plain) and "SI-FACILITY-G0260" in rules(asc)


@pytest.mark.parametrize(("data", "fragment"), [({"claim_type": "24"}, "place of service"),
                                                ({"mac": "Noridian"}, "JE, JF")])
def test_api_bad_options_are_422(server, data: dict[str, str], fragment: str) -> None:  # noqa: ANN001
    res = post(server, data)
    assert res.status_code == 422, res.text
    assert fragment in res.json()["message"]
