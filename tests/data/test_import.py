"""Import of the CMS files as published: detection, validation, one transaction, re-import, removal."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from typer.testing import CliRunner

from advisor.data import db
from advisor.data.detect import MUE, PTP, RVU, version_from_name
from advisor.errors import DataError

from cms_files import PTP_ROWS, rvu_row


def counts(path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("files", "ptp", "mue", "mpfs")}


@pytest.mark.parametrize(("kind", "name", "version", "effective", "part"), [
    (PTP, "ccipra-v321r0-f1.txt", "v32.1r0", date(2026, 4, 1), "f1"),
    (PTP, "medicare-ncci-2026q1-practitioner-ptp-edits-ccipra-v320r0-f4.zip", "v32.0r0", date(2026, 1, 1), "f4"),
    (PTP, "ccipra-v323r1-f2.xlsx", "v32.3r1", date(2026, 10, 1), "f2"),
    (MUE, "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv", "2026-01-01", date(2026, 1, 1), ""),
    (RVU, "PPRRVU26_JAN.csv", "2026 A", date(2026, 1, 1), ""),
    (RVU, "PPRRVU2025_Oct.csv", "2025 D", date(2025, 10, 1), ""),
    (RVU, "RVU26B.zip", "2026 B", date(2026, 4, 1), ""),
])
def test_version_from_name(kind, name, version, effective, part):
    v = version_from_name(kind, name)
    assert v is not None and (v.version, v.effective, v.part) == (version, effective, part)


def test_import_all_three_kinds_and_status(cms):
    reports = db.import_paths([cms.ptp_text(), cms.mue(), cms.rvu()], cms.db, progress=False)
    assert [(r.table, r.rows, r.status) for r in reports] == [
        ("CMS PTP v32.1r0", len(PTP_ROWS), "loaded"), ("CMS MUE 2026-01-01", 5, "loaded"),
        ("CMS MPFS RVU 2026 A", 4, "loaded")]
    loaded = {e.table: e for e in db.status(cms.db)}
    assert loaded["CMS PTP v32.1r0"].effective == "2026-04-01" and loaded["CMS PTP v32.1r0"].parts == ["f1"]
    with sqlite3.connect(cms.db) as conn:
        row = conn.execute("SELECT eff, del, mi FROM ptp WHERE col1 = '20610' AND col2 = '20553'").fetchone()
        assert row == (20150101, 99991231, 1)
        assert conn.execute("SELECT mai, mai_text FROM mue WHERE code = '64636'").fetchone() == (3, "Date of Service Edit: Clinical")
        assert conn.execute("SELECT global_days, mult_proc, bilateral FROM mpfs WHERE code = '64493' AND modifier = ''"
                            ).fetchone() == ("010", "2", "1")
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ptp_pair", "mue_code", "mpfs_code"} <= indexes


def test_excel_and_zip_layouts(cms):
    xlsx = cms.ptp_xlsx()
    db.import_paths([xlsx], cms.db, progress=False)
    with sqlite3.connect(cms.db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM ptp").fetchone()[0] == len(PTP_ROWS)
        assert conn.execute("SELECT 1 FROM ptp WHERE col1 = '0001A' AND col2 = '99213'").fetchone()
    # The zip as downloaded: text + Excel of the same part and a readme; the text file is read, once.
    text = cms.ptp_text("ccipra-v322r0-f1.txt")
    xlsx2 = cms.ptp_xlsx("ccipra-v322r0-f1.xlsx")
    z = cms.zip("medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f1.zip",
                {"ccipra-v322r0-f1.txt": text, "ccipra-v322r0-f1.xlsx": xlsx2, "README.txt": "Read me first.\n"})
    reports = db.import_paths([z], cms.db, progress=False)
    assert [(r.table, r.rows) for r in reports] == [("CMS PTP v32.2r0", len(PTP_ROWS))]
    assert reports[0].where.endswith("!ccipra-v322r0-f1.txt")


def test_reimport_same_version_changes_nothing(cms):
    paths = [cms.ptp_text(), cms.mue(), cms.rvu()]
    db.import_paths(paths, cms.db, progress=False)
    before = counts(cms.db)
    with sqlite3.connect(cms.db) as conn:
        files_before = conn.execute("SELECT * FROM files ORDER BY id").fetchall()
    reports = db.import_paths(paths, cms.db, progress=False)
    assert {r.status for r in reports} == {"unchanged"}
    assert counts(cms.db) == before
    with sqlite3.connect(cms.db) as conn:
        assert conn.execute("SELECT * FROM files ORDER BY id").fetchall() == files_before


def test_corrected_file_of_same_version_replaces_it(cms):
    db.import_paths([cms.ptp_text()], cms.db, progress=False)
    reports = db.import_paths([cms.ptp_text(rows=PTP_ROWS[:3])], cms.db, progress=False)
    assert reports[0].status == "replaced"
    assert counts(cms.db)["ptp"] == 3


@pytest.mark.parametrize(("bad_row", "message"), [
    ("64493\t64494\t\t2026010\t*\t1\tStandards", "malformed date '2026010' in Effective Date"),
    ("64493\t64494\t\t20260101\t2026-12-31\t1\tStandards", "malformed date '2026-12-31' in Deletion Date"),
    ("6449\t64494\t\t20260101\t*\t1\tStandards", "malformed code '6449' in Column 1"),
    ("64493\t64494\t\t20260101\t*\t2\tStandards", "modifier indicator '2' is not 0, 1 or 9"),
    ("64493\t64494\t\t20260101", "4 columns, expected at least 6 (truncated line?)"),
])
def test_bad_row_names_file_and_line_and_rolls_back(cms, bad_row, message):
    db.import_paths([cms.mue()], cms.db, progress=False)
    before = counts(cms.db)
    bad = cms.ptp_text(extra_lines=[bad_row])
    line = 6 + len(PTP_ROWS) + 1
    with pytest.raises(DataError) as err:
        # The good RVU file is imported in the same call: it must be rolled back too.
        db.import_paths([cms.rvu(), bad], cms.db, progress=False)
    assert f"{bad}: line {line}: {message}" in err.value.message
    assert counts(cms.db) == before


def test_bad_mue_and_rvu_rows(cms):
    with pytest.raises(DataError, match=r"line 5: MUE adjudication indicator '4 Something'"):
        db.import_paths([cms.mue(rows=[["64493", "1", "4 Something", "x"]])], cms.db, progress=False)
    with pytest.raises(DataError, match=r"line 5: MUE value 'one' is not a whole number"):
        db.import_paths([cms.mue(rows=[["64493", "one", "2 Date of Service Edit: Policy", "x"]])], cms.db,
                        progress=False)


    with pytest.raises(DataError, match=r"PPRRVU26_JAN.csv: line 6: GLOB DAYS '10 DAYS'"):
        db.import_paths([cms.rvu(rows=[rvu_row("64493", "10 days", "2", "1")])], cms.db, progress=False)
    assert not db.status(cms.db)


def test_unknown_layout_truncated_zip_and_unnamed_version(cms):
    odd = cms.dir / "ccipra-v321r0-f1.txt"
    odd.write_text("Code\tUnits\n64493\t1\n")
    with pytest.raises(DataError, match="unknown layout"):
        db.import_paths([odd], cms.db, progress=False)
    z = cms.zip("ccipra-v321r0-f2.zip", {"ccipra-v321r0-f2.txt": cms.ptp_text("x.txt")})
    data = z.read_bytes()
    z.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"ccipra-v321r0-f2.zip: not a readable zip"):
        db.import_paths([z], cms.db, progress=False)
    renamed = cms.ptp_text("ptp-edits.txt")
    with pytest.raises(DataError, match="does not tell the version"):
        db.import_paths([renamed], cms.db, progress=False)
    hospital = cms.ptp_text("ccioph-v321r0-f1.txt")
    with pytest.raises(DataError, match="not the practitioner PTP table"):
        db.import_paths([hospital], cms.db, progress=False)
    outpatient = cms.dir / "MCR_MUE_OutpatientHospitalServices_Eff_01-01-2026.csv"
    outpatient.write_text('"HCPCS/CPT Code","Outpatient Hospital Services MUE Values","MUE Adjudication Indicator"\n')
    with pytest.raises(DataError, match="import the practitioner services table"):
        db.import_paths([outpatient], cms.db, progress=False)
    assert not db.status(cms.db)


def test_remove_version(cms):
    db.import_paths([cms.ptp_text(), cms.ptp_text("ccipra-v321r0-f2.txt"), cms.mue()], cms.db, progress=False)
    assert db.remove(cms.db, "v32.1r0") == ["CMS PTP v32.1r0"]
    assert [e.table for e in db.status(cms.db)] == ["CMS MUE 2026-01-01"]
    assert counts(cms.db)["ptp"] == 0
    with pytest.raises(DataError, match="no imported table"):
        db.remove(cms.db, "v99.9r9")


def test_cli_import_status_remove_and_exit_2(cms, monkeypatch):
    from advisor.cli import app
    from advisor.settings import get_settings

    monkeypatch.setenv("ADVISOR_RULES_DB_PATH", str(cms.db))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(app, ["data", "import", str(cms.ptp_text()), str(cms.mue())])
        assert result.exit_code == 0, result.output
        assert "CMS PTP v32.1r0 f1: 11 rows (loaded)" in result.output
        result = runner.invoke(app, ["data", "status"])
        assert "CMS PTP v32.1r0" in result.output and "CMS MUE 2026-01-01" in result.output
        bad = cms.ptp_text("ccipra-v322r0-f1.txt", extra_lines=["64493\t64494\t\tyesterday\t*\t1\tx"])
        result = runner.invoke(app, ["data", "import", str(bad)])
        assert result.exit_code == 2
        assert f"{bad}: line 18: malformed date 'yesterday'" in result.output
        assert "nothing was imported" in result.output
        result = runner.invoke(app, ["data", "remove", "CMS PTP v32.1r0"])
        assert result.exit_code == 0 and "removed CMS PTP v32.1r0" in result.output
        result = runner.invoke(app, ["data", "remove", "v32.1r0"])
        assert result.exit_code == 2
    finally:
        get_settings.cache_clear()
