"""The CMS downloads in their published layouts (issue #13 item 1): the four PTP parts as zipped each quarter, the
practitioner MUE file (CSV, xlsx, zip) with its notice record and the line break in its first header cell, the
2026 PPRRVU split into non-QPP and QPP files with stacked captions, the GPCI file, and a partial PTP table. The
fixtures are written byte for byte by tests/data/cms_files.py, which names where each layout was seen."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from cms_files import (
    PTP_PART_RANGES,
    REAL_PTP_ROWS,
    real_mue_bytes,
    write_real_gpci,
    write_real_mue,
    write_real_mue_xlsx,
    write_real_ptp_zip,
    write_real_rvu,
    write_real_rvu_zip,
)
from typer.testing import CliRunner

from advisor.claims import parse_line
from advisor.data import db
from advisor.data.tables import ImportedTables
from advisor.errors import DataError
from advisor.rules.engine import check
from advisor.rules.model import Facts
from advisor.services import build_catalog

DOS = date(2026, 8, 3)
MUE_NAME = "MCR_MUE_PractitionerServices_Eff_07-01-2026"


def test_fixtures_keep_the_published_bytes(cms) -> None:
    """What makes the real files hard: Latin-1 (0xAE), CRLF records, an LF inside the quoted header cell."""
    raw = real_mue_bytes()
    assert b"CPT\xae is a registered trademark" in raw
    assert b'"HCPCS/\nCPT Code",Practitioner Services MUE Values' in raw
    assert b"\r\n0001U,1,2 Date of Service Edit: Policy," in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = (write_real_ptp_zip(cms.dir, parts=("f1",))[0])
    assert text.name == "medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f1.zip"


def test_all_four_ptp_parts_as_downloaded(cms) -> None:
    reports = db.import_paths(write_real_ptp_zip(cms.dir), cms.db, progress=False)
    assert [(r.table, r.part, r.rows, r.status) for r in reports] == [
        ("CMS PTP v32.2r0", part, len(REAL_PTP_ROWS[part]), "loaded") for part in ("f1", "f2", "f3", "f4")]
    assert reports[0].where.endswith("!ccipra-v322r0-f1.TXT")
    (loaded,) = db.status(cms.db)
    assert loaded.parts == ["f1", "f2", "f3", "f4"] and not loaded.partial and loaded.effective == "2026-07-01"
    with sqlite3.connect(cms.db) as conn:
        ranges = {p: (lo, hi) for p, lo, hi in conn.execute("SELECT part, min_code, max_code FROM files")}
        assert ranges == PTP_PART_RANGES
        # the wrapped header's continuation lines ("prior to 1996", "*=no data", "9=not applicable") are not rows
        assert conn.execute("SELECT del, mi FROM ptp WHERE col1 = '0001A'").fetchone() == (20231231, 1)
    # quarterly versions live side by side; the date of service picks one
    db.import_paths(write_real_ptp_zip(cms.dir, version="v321r0", quarter="2026q2"), cms.db, progress=False)
    tables = ImportedTables(cms.db)
    assert tables.version_for("ptp", date(2026, 5, 1)).version == "v32.1r0"
    assert tables.version_for("ptp", DOS).version == "v32.2r0"


def test_a_partial_ptp_table_keeps_the_curated_pairs_of_the_missing_parts(cms) -> None:
    db.import_paths(write_real_ptp_zip(cms.dir, parts=("f1",)), cms.db, progress=False)
    (loaded,) = db.status(cms.db)
    assert loaded.partial and loaded.missing == ["f2", "f3", "f4"]
    catalog = build_catalog(cms.settings)

    def ptp(*lines: str) -> list[str]:
        result = check([parse_line(x) for x in lines], Facts(date_of_service=DOS), catalog)
        return [f.message for f in result.findings if f.rule == "PTP"]

    # column 1 in the loaded part's range: the CMS part answers, with its version
    assert any("20610/20553" in m and "CMS PTP v32.2r0" in m for m in ptp("20610", "20553"))
    # curated pairs whose codes fall in the missing parts (64635, 64493 and 27096: f2 and f4) stay in force
    assert any("64635/64493" in m and "curated table" in m for m in ptp("64635", "64493"))
    assert any("64493/27096" in m and "curated table" in m for m in ptp("64493", "27096"))
    # the encoder says the table is partial
    from advisor.encoder.pairs import pair

    found = pair("64635", "64493", catalog, DOS)
    assert found.pair is not None and found.pair.origin.table == "curated"
    assert any("partial (parts f2, f3, f4 not imported)" in n for n in found.notices)
    # the missing parts arrive: the CMS table answers everywhere
    db.import_paths(write_real_ptp_zip(cms.dir, parts=("f2", "f3", "f4")), cms.db, progress=False)
    assert not db.status(cms.db)[0].partial
    catalog = build_catalog(cms.settings)
    assert ptp("64635", "64493") == []  # the f4 fixture holds no such edit
    assert any("64493/27096" in m and "CMS PTP v32.2r0" in m for m in ptp("64493", "27096"))


@pytest.mark.parametrize("form", ["csv", "xlsx", "zip"])
def test_the_practitioner_mue_file_as_published(cms, form: str) -> None:
    csv_path = write_real_mue(cms.dir / f"{MUE_NAME}.csv")
    if form == "csv":
        path = csv_path
    elif form == "xlsx":
        path = write_real_mue_xlsx(cms.dir / f"{MUE_NAME}.xlsx")
    else:  # the quarterly zip holds the same table as .xlsx and .csv; the .csv is read, once
        xlsx = write_real_mue_xlsx(cms.dir / f"{MUE_NAME}.xlsx")
        path = cms.zip("medicare-ncci-2026-q3-practitioner-services-mue-table.zip",
                       {csv_path.name: csv_path, xlsx.name: xlsx})
    (report,) = db.import_paths([path], cms.db, progress=False)
    assert (report.table, report.rows) == ("CMS MUE 2026-07-01", 6)
    if form == "zip":
        assert report.where.endswith(f"!{MUE_NAME}.csv")
    with sqlite3.connect(cms.db) as conn:
        rows = {c: (v, m, t) for c, v, m, t in conn.execute("SELECT code, value, mai, mai_text FROM mue")}
    assert rows["64636"] == (4, 3, "Date of Service Edit: Clinical")
    assert rows["64493"] == (1, 2, "Date of Service Edit: Policy")
    assert "0001U" in rows and len(rows) == 6  # the notice record is not a row


def test_a_bad_mue_row_names_its_line_after_the_multi_line_notice(cms) -> None:
    path = write_real_mue(cms.dir / f"{MUE_NAME}.csv", rows=["64493,one,2 Date of Service Edit: Policy,CMS Policy"])
    with pytest.raises(DataError) as err:
        db.import_paths([path], cms.db, progress=False)
    # the notice spans 7 lines and the header 2: the bad row is line 10 of the file, as an editor shows it
    assert "line 10: MUE value 'one' is not a whole number" in err.value.message


def test_pprrvu_qpp_and_non_qpp_are_distinct_variants(cms) -> None:
    non_qpp = write_real_rvu(cms.dir / "PPRRVU2026_Jul_nonQPP.csv")
    qpp = write_real_rvu(cms.dir / "PPRRVU2026_Jul_QPP.csv", cf="33.5675")
    reports = db.import_paths([non_qpp, qpp], cms.db, progress=False)
    assert [(r.table, r.rows, r.status) for r in reports] == [
        ("CMS MPFS RVU 2026 C non-QPP", 4, "loaded"), ("CMS MPFS RVU 2026 C QPP", 4, "loaded")]
    assert {e.table for e in db.status(cms.db)} == {"CMS MPFS RVU 2026 C non-QPP", "CMS MPFS RVU 2026 C QPP"}
    tables = ImportedTables(cms.db)
    # the stacked captions name the columns: WORK/RVU, NON-FAC/PE RVU, GLOB/DAYS, CONV/FACTOR
    row = tables.mpfs("64493", DOS)
    assert row is not None and row.version.table == "CMS MPFS RVU 2026 C non-QPP"
    assert (row.work_rvu, row.pe_nonfac, row.pe_fac, row.mp_rvu, row.conv_factor) == (1.52, 3.10, 0.65, 0.14, 33.4009)
    assert (row.global_days, row.mult_proc, row.bilateral, row.status) == ("000", "2", "1", "A")
    # re-importing either changes nothing (they no longer replace each other)
    assert {r.status for r in db.import_paths([qpp, non_qpp], cms.db, progress=False)} == {"unchanged"}


def test_the_rvu_zip_imports_both_pprrvu_files_and_the_gpci_and_skips_the_rest(cms) -> None:
    reports = db.import_paths([write_real_rvu_zip(cms.dir / "rvu26c-updated-06-30-2026.zip")], cms.db,
                              progress=False)
    assert sorted((r.table, r.rows) for r in reports) == [
        ("CMS GPCI 2026 C", 9), ("CMS MPFS RVU 2026 C QPP", 4), ("CMS MPFS RVU 2026 C non-QPP", 4)]
    places = ImportedTables(cms.db).localities(DOS)
    manhattan = next(p for p in places if p.key == "13202-01")
    assert (manhattan.state, manhattan.name, manhattan.pw, manhattan.pe, manhattan.mp) == (
        "NY", "MANHATTAN", 1.064, 1.162, 1.586)
    assert next(p for p in places if p.key == "01212-01").name == "HAWAII, GUAM"  # a quoted comma
    assert len(places) == 9  # footnotes after the table are not localities


def test_a_gpci_file_alone_takes_its_year(cms) -> None:
    (report,) = db.import_paths([write_real_gpci(cms.dir / "GPCI2026.csv")], cms.db, progress=False)
    assert (report.table, report.rows) == ("CMS GPCI 2026", 9)
    assert db.status(cms.db)[0].effective == "2026-01-01"


def test_cli_says_unchanged_once_and_flags_a_partial_table(cms, monkeypatch) -> None:
    from advisor.cli import app
    from advisor.settings import get_settings

    monkeypatch.setenv("ADVISOR_RULES_DB_PATH", str(cms.db))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        (f1,) = write_real_ptp_zip(cms.dir, parts=("f1",))
        result = runner.invoke(app, ["data", "import", str(f1)])
        assert result.exit_code == 0, result.output
        assert "CMS PTP v32.2r0 f1: 4 rows (loaded) from" in result.output
        assert "note: CMS PTP v32.2r0 is partial: parts f2, f3, f4 not imported" in result.output
        result = runner.invoke(app, ["data", "import", str(f1)])
        assert "CMS PTP v32.2r0 f1: already loaded (unchanged) from" in result.output
        assert "unchanged (unchanged)" not in result.output
        result = runner.invoke(app, ["data", "status"])
        assert "PARTIAL" in result.output and "curated pairs" in result.output
        result = runner.invoke(app, ["data", "status", "--json"])
        assert '"partial": true' in result.output and '"missing": [' in result.output
    finally:
        get_settings.cache_clear()
