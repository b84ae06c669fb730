"""run_audit end to end, the findings CSV, the HTML report (escaped, self-contained) and the `advisor audit` command."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from typer.testing import CliRunner

from advisor.audit.report import render_report
from advisor.audit.service import findings_csv, run_audit
from advisor.audit.synthetic import START, ClaimFile, planted_panel
from advisor.cli import app
from advisor.settings import Settings

SETTINGS = Settings(embedder="fake")


def test_findings_point_at_file_lines() -> None:
    cf = ClaimFile()
    cf.add("P1", "DR", START, ["99213", "64493-RT", "64493-LT"])
    cf.add("P2", "DR", START, ["64494"])
    result = run_audit(cf.to_bytes(), SETTINGS)
    by_rule = {f.rule: f for f in result.findings}
    # engine finding id (RT + LT lines on a Medicare physician claim -> one line with 50), not the panel pattern
    # BILATERAL-RTLT of advisor/audit/patterns.py
    assert by_rule["BILATERAL-50"].lines == [3, 4] and by_rule["BILATERAL-50"].claim_id == "C0000001"
    assert by_rule["ADDON-PRIMARY"].lines == [5]
    assert result.findings[0].severity == "error"  # errors first


def test_findings_csv_lists_findings_and_bad_rows() -> None:
    data = planted_panel()[0].to_bytes() + b"=HYPERLINK(1),P,D,01/01/2025,99999X,,1,Medicare,11,\r\n"
    result = run_audit(data, SETTINGS)
    rows = list(csv.DictReader(io.StringIO(findings_csv(result))))
    assert {"claim_id", "dos", "lines", "rule", "severity", "message"} <= set(rows[0])
    assert len(rows) == len(result.findings) + 1
    bad = rows[-1]
    assert bad["rule"] == "MALFORMED-ROW" and "CPT/HCPCS" in bad["message"]


def test_formula_like_ids_are_neutralised_in_csv() -> None:
    cf = ClaimFile()
    cf.add("=cmd|' /C calc'!A0", "DR", START, ["64494"], claim_id="@SUM(1)")
    text = findings_csv(run_audit(cf.to_bytes(), SETTINGS))
    assert "'@SUM(1)" in text and "'=cmd" in text


def test_report_is_escaped_and_self_contained() -> None:
    cf, _ = planted_panel()
    cf.add("<b>PT</b>", "<script>alert(1)</script>", START, ["64494", "20552-59", "20610"], claim_id="<img src=x>")
    html = render_report(run_audit(cf.to_bytes(), SETTINGS))
    assert "<script" not in html.lower() and "<img" not in html and "&lt;script&gt;" in html
    assert html.count("<svg") == 3 and "Content-Security-Policy" in html
    assert not re.search(r"\sstyle=", html) and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "OEI-07-03-00470" in html and "Summary" in html
    assert html.index("Summary") < html.index("<svg") < html.index("Panel patterns")


def test_cli_writes_report_and_findings(tmp_path: Path) -> None:
    src = tmp_path / "claims.csv"
    src.write_bytes(planted_panel()[0].to_bytes(delimiter=";", encoding="latin-1"))
    report, out = tmp_path / "audit.html", tmp_path / "findings.csv"
    res = CliRunner().invoke(app, ["audit", str(src), "--report", str(report), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "FLAG MOD25-RATE" in res.output and "provider DR25" in res.output
    assert report.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert out.read_text(encoding="utf-8").startswith("claim_id,dos,")


def test_cli_missing_column_exits_2(tmp_path: Path) -> None:
    src = tmp_path / "claims.csv"
    src.write_text("claim,patient,dos,cpt\nC1,P1,2025-01-01,20610\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["audit", str(src)])
    assert res.exit_code == 2
    assert "provider" in res.output and "rendering_provider" in res.output


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["audit", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and "cannot read" in res.output


def test_engine_memo_assumption_date_does_not_change_findings() -> None:
    """service.ENGINE_USES_DATE = False memoises check() on the LCD revision epoch instead of the date; fail loudly if
    a rule reads the date otherwise (two dates between the same revision dates must give the same findings)."""
    from datetime import date

    from advisor.audit import service
    from advisor.audit.synthetic import bulk_panel
    from advisor.claims import parse_line
    from advisor.rules.catalog import curated_catalog
    from advisor.rules.engine import check
    from advisor.rules.model import Facts

    catalog = curated_catalog()
    claims: dict[str, list[str]] = {}
    for row in bulk_panel(400).rows:
        claims.setdefault(row[0], []).append("-".join([row[4], *filter(None, row[5].split("-"))]) + f" x{row[6]}")
    first, second = date(2026, 1, 2), date(2026, 6, 30)
    assert catalog.jurisdictions.epoch(first) == catalog.jurisdictions.epoch(second)
    assert catalog.jurisdictions.epoch(date(2020, 1, 1)) != catalog.jurisdictions.epoch(second)
    for texts in claims.values():
        lines = [parse_line(t) for t in texts]
        a = check(lines, Facts(date_of_service=first), catalog)
        b = check(lines, Facts(date_of_service=second), catalog)
        same = (a.findings, a.claim) == (b.findings, b.claim)
        assert same or service.ENGINE_USES_DATE, "a rule reads date_of_service: set ENGINE_USES_DATE = True"
