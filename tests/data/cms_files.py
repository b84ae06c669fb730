"""Writers for small CMS files in the exact published layouts (copyright lines, multi-line headers)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path


PTP_PREAMBLE = [
    "CPT only copyright 2025 American Medical Association.  All rights reserved.\t\t\t\t\t\t",
    "Column1/Column2 Edits\t\t\t\t\t\t",
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale",
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t",
    "\t\t\t\t*=no data\t1=allowed\t",
    "\t\t\t\t\t9=not applicable\t",
]
# (col1, col2, effective, deletion or "*", modifier indicator, rationale)
PTP_ROWS = [
    ("0001A", "99213", "20220101", "20231231", "1", "CPT Manual or CMS manual coding instruction"),
    ("20610", "20553", "20150101", "*", "1", "Misuse of Column Two code with Column One code"),
    ("27096", "20552", "20040101", "*", "1", "Standards of medical/surgical practice"),
    ("64450", "20550", "20100101", "*", "1", "Standards of medical/surgical practice"),
    ("64493", "27096", "20110401", "*", "0", "Mutually exclusive procedures"),
    ("64493", "62323", "20170101", "20241231", "1", "Standards of medical/surgical practice"),
    ("64493", "64483", "20260401", "*", "1", "Standards of medical/surgical practice"),
    ("64493", "64490", "20100101", "20100101", "9", "Mutually exclusive procedures"),
    ("64493", "99213", "20100101", "*", "1", "Standards of medical/surgical practice"),
    ("64635", "64493", "20120101", "*", "1", "Standards of medical/surgical practice"),
    ("G0260", "20552", "20040101", "*", "1", "Standards of medical/surgical practice"),
]
MUE_PREAMBLE = [
    ["CPT codes, descriptions and other data only are copyright 2025 American Medical Association. All Rights Reserved."],
    ["Applicable FARS/DFARS Restrictions Apply to Government Use."],
    [],
]
MUE_HEADER = ["HCPCS/CPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator", "MUE Rationale"]
MUE_ROWS = [
    ["20550", "1", "1 Line Edit", "Anatomic Consideration"],
    ["20610", "1", "1 Line Edit", "Anatomic Consideration"],
    ["64450", "1", "2 Date of Service Edit: Policy", "CMS Policy"],
    ["64493", "1", "2 Date of Service Edit: Policy", "CMS Policy"],
    ["64636", "2", "3 Date of Service Edit: Clinical", "Clinical: Data"],
]
RVU_PREAMBLE = [
    ["Copyright 2025 American Medical Association. All rights reserved."],
    ["2026 National Physician Fee Schedule Relative Value File January Release"],
    [],
]
RVU_LABELS = ["", "", "", "STATUS", "NOT USED FOR MEDICARE", "WORK", "NON-FAC", "NON-FAC NA", "FACILITY",
              "FACILITY NA", "MP", "NON-FACILITY", "FACILITY", "PCTC", "GLOB", "PRE", "INTRA", "POST", "MULT", "BILAT",
              "ASST", "CO-", "TEAM", "ENDO", "CONV"]
RVU_HEADER = ["HCPCS", "MOD", "DESCRIPTION", "CODE", "PAYMENT", "RVU", "PE RVU", "INDICATOR", "PE RVU", "INDICATOR",
              "RVU", "TOTAL", "TOTAL", "IND", "DAYS", "OP", "OP", "OP", "PROC", "SURG", "SURG", "SURG", "SURG", "BASE",
              "FACTOR"]


def rvu_row(code: str, glob: str, mult: str, bilat: str, mod: str = "", desc: str = "Procedure") -> list[str]:
    return [code, mod, desc, "A", "", "1.05", "3.2", "", "0.6", "", "0.1", "4.35", "1.75", "0", glob, "0.1", "0.8",
            "0.1", mult, bilat, "1", "0", "0", "", "33.4009"]


RVU_ROWS = [
    rvu_row("20552", "000", "2", "0"),
    rvu_row("64493", "010", "2", "1"),  # deliberately not the curated 000, to show the import wins
    rvu_row("64493", "000", "2", "1", mod="26"),
    rvu_row("99213", "XXX", "0", "9"),
]


def write_ptp_text(path: Path, rows=PTP_ROWS, extra_lines: list[str] | None = None) -> Path:
    lines = PTP_PREAMBLE + ["\t".join((r[0], r[1], "", r[2], r[3], r[4], r[5])) for r in rows] + (extra_lines or [])
    path.write_text("\r\n".join(lines) + "\r\n", encoding="latin-1")
    return path


def write_ptp_xlsx(path: Path, rows=PTP_ROWS) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CPT only copyright 2025 American Medical Association. All rights reserved."])
    ws.append(["Column1/Column2 Edits"])
    ws.append(["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date", "Deletion Date",
               "Modifier 0=not allowed 1=allowed 9=not applicable", "PTP Edit Rationale"])
    ws.append([None, None, None, None, "*=no data", None, None])
    for r in rows:
        col1 = int(r[0]) if r[0].isdigit() else r[0]  # Excel stores numeric codes as numbers
        ws.append([col1, r[1], None, int(r[2]), r[3] if r[3] == "*" else int(r[3]), int(r[4]), r[5]])
    wb.save(path)
    return path


def write_zip(path: Path, members: dict[str, Path | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            if isinstance(content, Path):
                zf.write(content, name)
            else:
                zf.writestr(name, content)
    return path


def write_mue(path: Path, rows=MUE_ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, quoting=csv.QUOTE_ALL)
        out.writerows(MUE_PREAMBLE)
        out.writerow(MUE_HEADER)
        out.writerows(rows)
    return path


def write_rvu(path: Path, rows=RVU_ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerows(RVU_PREAMBLE)
        out.writerow(RVU_LABELS)
        out.writerow(RVU_HEADER)
        out.writerows(rows)
    return path


def payment_row(code: str, work: str, pe_nf: str, pe_f: str, mp: str, mult: str, bilat: str, glob: str = "000",
                status: str = "A", mod: str = "") -> list[str]:
    """A row of the published layout (cms_files.RVU_HEADER): HCPCS, MOD, DESCRIPTION, STATUS ... CONV FACTOR."""
    return [code, mod, "Procedure", status, "", work, pe_nf, "", pe_f, "", mp, "", "", "0", glob, "", "", "", mult,
            bilat, "2", "0", "0", "", "33.4009"]


# RVU rows with payment amounts for the payment-estimate tests (hand-worked in tests/data/test_payment_estimate.py).
PAYMENT_ROWS = [
    payment_row("64493", "1.52", "3.10", "0.65", "0.14", "2", "1"),
    payment_row("64494", "1.00", "1.20", "0.35", "0.09", "0", "1", glob="ZZZ"),
    payment_row("20552", "0.66", "1.30", "0.25", "0.06", "2", "0"),
    payment_row("99213", "1.30", "1.10", "0.50", "0.10", "0", "9", glob="XXX"),
    payment_row("64999", "0", "0", "0", "0", "2", "0", status="C"),
]


# --- The published layouts, byte for byte ------------------------------------------------------------------------
# Each writer below reproduces one CMS download as published: its notice or caption lines, its header (wrapped,
# stacked or holding a line break), its encoding and its line ends. Where each layout was seen: the committed
# excerpts of the real downloads in the public repository reuven-ops/Biller (evals/fixtures/, with their README
# naming the CMS URL and the retrieval date) and its docs/SOURCES.md (formats "verified from the downloaded files":
# PTP .TXT tab-delimited Latin-1 with the AMA notice, a title line and a wrapped header; MUE CSV Latin-1 whose record
# 0 is a quoted multi-line AMA notice and whose first header cell holds a line break; PPRRVU CSV with ten preamble and
# caption lines before the HCPCS,MOD,DESCRIPTION row, split since 2026 into QPP and non-QPP files; GPCI CSV =
# Addendum E). Line ends are CRLF (DOS text, as the CMS downloads are; Biller's excerpts do not record them), with a
# bare LF inside a quoted cell as Excel writes it. Code pairs, indicators and numbers only: no CPT descriptor appears
# (the RVU DESCRIPTION column holds REDACTED, as in Biller's excerpt).

# Seen: Biller evals/fixtures/cms_ncci_ptp/ptp_page.links.excerpt.html, the CMS PTP page's anchors for v32.2r0
# (2026 Q3): each part's column-1 range, "0001A/0591T -- 25441/G0471", "25442/01810 -- 37252/99452",
# "37253/0213T -- 62322/J2001", "62323/0178T-- U0003/U0004".
PTP_PART_RANGES = {"f1": ("0001A", "25441"), "f2": ("25442", "37252"), "f3": ("37253", "62322"),
                   "f4": ("62323", "U0003")}
# Rows as ccipra-v322r0-f1.TXT prints them (Biller's excerpt: blank prior-1996 column, '*' for no deletion date).
REAL_PTP_ROWS = {
    "f1": [("0001A", "99213", "20220101", "20231231", "1", "CPT Manual or CMS manual coding instruction"),
           ("0001U", "0030U", "20180701", "*", "1", "Misuse of Column Two code with Column One code"),
           ("20610", "20553", "20150101", "*", "1", "Misuse of Column Two code with Column One code"),
           ("25441", "G0471", "20200101", "*", "1", "Standards of medical/surgical practice")],
    "f2": [("25442", "01810", "20200101", "*", "1", "Standards of medical/surgical practice"),
           ("27096", "20552", "20040101", "*", "1", "Standards of medical/surgical practice"),
           ("37252", "99452", "20200101", "*", "1", "Standards of medical/surgical practice")],
    "f3": [("37253", "0213T", "20200101", "*", "1", "Standards of medical/surgical practice"),
           ("62321", "20552", "20170101", "*", "1", "Standards of medical/surgical practice"),
           ("62322", "J2001", "20170101", "*", "1", "Standards of medical/surgical practice")],
    "f4": [("62323", "0178T", "20170101", "*", "1", "Standards of medical/surgical practice"),
           ("64493", "20552", "20110101", "*", "1", "Standards of medical/surgical practice"),
           ("64493", "27096", "20110401", "*", "0", "Mutually exclusive procedures"),
           ("U0003", "U0004", "20200101", "*", "9", "Mutually exclusive procedures")],
}


def write_real_ptp_zip(directory: Path, version: str = "v322r0", quarter: str = "2026q3",
                       parts: tuple[str, ...] = ("f1", "f2", "f3", "f4")) -> list[Path]:
    """One zip per part, named as the CMS page links them
    (medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f1.zip), each holding ccipra-v322r0-fN.TXT (upper-case
    extension, as Biller's SOURCES.md records the inner name) plus a readme."""
    out = []
    for part in parts:
        text = write_ptp_text(directory / f"ccipra-{version}-{part}.TXT", rows=REAL_PTP_ROWS[part])
        out.append(write_zip(directory / f"medicare-ncci-{quarter}-practitioner-ptp-edits-ccipra-{version}-{part}.zip",
                             {text.name: text, "README.txt": "Practitioner PTP edits.\r\n"}))
        text.unlink()
    return out


# Seen: Biller evals/fixtures/cms_ncci_mue/MCR_MUE_PractitionerServices_Eff_07-01-2026.excerpt.csv (record 0 the
# quoted multi-line notice, record 1 the header whose first cell is "HCPCS/" LF "CPT Code", then code, value,
# "2 Date of Service Edit: Policy" style indicator, rationale), Latin-1 as published (the notice's registered sign is
# the single byte 0xAE).
REAL_MUE_NOTICE = (
    '"Current Procedural Terminology (CPT) codes, descriptions and other data only are copyright 2025 American '
    'Medical Association. All rights reserved. \n\nCPT\u00ae is a registered trademark of the American Medical '
    'Association.\n\nApplicable FARS/DFARS Restrictions Apply to Government Use. \n\nFee schedules, relative value '
    'units, conversion factors and/or related components are not assigned by the AMA, are not part of CPT, and the '
    'AMA is not recommending their use.  The AMA does not directly or indirectly practice medicine or dispense medical '
    'services.  The AMA assumes no liability for the data contained or not contained herein.",,,')
REAL_MUE_HEADER = '"HCPCS/\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale'
REAL_MUE_ROWS = [
    "0001U,1,2 Date of Service Edit: Policy,Code Descriptor / CPT Instruction",
    "20552,1,2 Date of Service Edit: Policy,CMS Policy",
    "64493,1,2 Date of Service Edit: Policy,CMS Policy",
    "64494,1,2 Date of Service Edit: Policy,CMS Policy",
    "64636,4,3 Date of Service Edit: Clinical,Clinical: Data",
    "99213,1,2 Date of Service Edit: Policy,CMS Policy",
]


def real_mue_bytes(rows: list[str] = REAL_MUE_ROWS) -> bytes:
    return "\r\n".join([REAL_MUE_NOTICE, REAL_MUE_HEADER, *rows, ""]).encode("latin-1")


def write_real_mue(path: Path, rows: list[str] = REAL_MUE_ROWS) -> Path:
    path.write_bytes(real_mue_bytes(rows))
    return path


def write_real_mue_xlsx(path: Path) -> Path:
    """The .xlsx of the same zip (Biller SOURCES.md: "the same table as .xlsx and .csv"): the notice in A1, the header
    with its line break in row 2."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([REAL_MUE_NOTICE.split('",')[0].strip('"')])
    ws.append(["HCPCS/\nCPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator", "MUE Rationale"])
    for row in REAL_MUE_ROWS:
        code, value, mai, rationale = row.split(",")
        ws.append([code, int(value), mai, rationale])
    wb.save(path)
    return path


# Seen: Biller evals/fixtures/cms_mpfs/PPRRVU2026_Jul_nonQPP.excerpt.redacted.csv (the first records of
# PPRRVU2026_Jul_nonQPP.csv from https://www.cms.gov/files/zip/rvu26c-updated-06-30-2026.zip): five preamble lines,
# four stacked caption rows, then the HCPCS,MOD,DESCRIPTION... header row; 32 columns; CONV FACTOR per row.
REAL_RVU_PREAMBLE = [
    ",,2026 National Physician Fee Schedule Relative Value File July Release,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,CPT codes and descriptions only are copyright 2026 American Medical Association. All Rights Reserved. "
    "Applicable FARS/DFARS Apply.,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,Dental codes (D codes) are copyright 2026 American Dental Association. All Rights Reserved.,,,,,,,,,,,,,,,,,,,,"
    ",,,,,,,,,",
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,RELEASED 06/30/2026,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,NON-FACILITY,FACILITY,",
    ",,,,NOT USED,,,,,,,,,,,,,,,,,,,,,,PHYSICIAN,,DIAGNOSTIC,PE USED,PE USED,MP USED",
    ",,,,FOR,,,NON-FAC,,FACILITY,,,,,,,,,,,,,,,,,SUPERVISION OF,,IMAGING,FOR OPPS,FOR OPPS,FOR OPPS",
    ",,,STATUS,MEDICARE,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,PRE,INTRA,POST,MULT,BILAT,ASST,"
    "CO-,TEAM,PRIC,ENDO,CONV,DIAGNOSTIC,CALCULATION,FAMILY,PAYMENT,PAYMENT,PAYMENT",
    "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,IND,DAYS,OP,OP,OP,PROC,"
    "SURG,SURG,SURG,SURG,IND,BASE,FACTOR,PROCEDURES,FLAG,INDICATOR,AMOUNT,AMOUNT,AMOUNT",
]
NON_QPP_CF, QPP_CF = "33.4009", "33.5675"  # the 2026 non-QPP and QPP conversion factors (PFS CY 2026 final rule)


def real_rvu_row(code: str, work: str, pe_nf: str, pe_f: str, mp: str, glob: str, mult: str, bilat: str,
                 cf: str = NON_QPP_CF, status: str = "A", mod: str = "") -> str:
    """One 32-column data row in the published order (DESCRIPTION redacted)."""
    total_nf = f"{float(work) + float(pe_nf) + float(mp):.2f}"
    total_f = f"{float(work) + float(pe_f) + float(mp):.2f}"
    return ",".join([code, mod, "REDACTED", status, "", work, pe_nf, "", pe_f, "", mp, total_nf, total_f, "0", glob,
                     "0.10", "0.80", "0.10", mult, bilat, "1", "0", "0", "0", "", cf, "", "0", "99", "0.00", "0.00",
                     "0.00"])


def real_rvu_rows(cf: str = NON_QPP_CF) -> list[str]:
    return [
        "0001F,,REDACTED,I,,0.00,0.00,,0.00,,0.00,0.00,0.00,9,XXX,0.00,0.00,0.00,9,9,9,9,9,9,,"
        f"{cf},09,0,99,0.00,0.00,0.00",
        real_rvu_row("20552", "0.66", "1.30", "0.25", "0.06", "000", "2", "0", cf),
        real_rvu_row("64493", "1.52", "3.10", "0.65", "0.14", "000", "2", "1", cf),
        real_rvu_row("64494", "1.00", "1.20", "0.35", "0.09", "ZZZ", "0", "1", cf),
    ]


def write_real_rvu(path: Path, cf: str = NON_QPP_CF) -> Path:
    path.write_bytes("\r\n".join([*REAL_RVU_PREAMBLE, *real_rvu_rows(cf), ""]).encode("latin-1"))
    return path


# Seen: Biller evals/fixtures/cms_mpfs/GPCI2026.csv (Addendum E from the same RVU zip, unmodified): a title line, a
# blank line, the header, one row per MAC/state/locality, then footnotes in the first column.
REAL_GPCI = [
    "ADDENDUM E. FINAL CY 2026 GEOGRAPHIC PRACTICE COST INDICES (GPCIs) BY STATE AND MEDICARE LOCALITY,,,,,,",
    ",,,,,,",
    "Medicare Administrative Contractor (MAC),State,Locality Number,Locality Name,2026 PW GPCI (with 1.0 Floor)***,"
    "2026 PE GPCI,2026 MP GPCI",
    "10112,AL,00,ALABAMA,1.000,0.875,0.566",
    "02102,AK,01,ALASKA*,1.500,1.065,0.551",
    "01182,CA,18,LOS ANGELES-LONG BEACH-ANAHEIM (LOS ANGELES/ORANGE CNTY),1.041,1.183,0.664",
    "09102,FL,04,MIAMI,1.000,1.041,2.529",
    "01212,HI,01,\"HAWAII, GUAM\",1.000,1.137,0.579",
    "13202,NY,01,MANHATTAN,1.064,1.162,1.586",
    "13282,NY,99,REST OF NEW YORK,1.000,0.950,0.703",
    "04412,TX,18,HOUSTON,1.008,0.993,1.376",
    "04412,TX,99,REST OF TEXAS,1.000,0.949,0.903",
    "\"MAC Assignments as of November 22, 2023\",,,,,,",
    ",,,,,,",
    "*Work GPCI reflects a 1.5 floor in Alaska established by the MIPPA.,,,,,,",
    "**PE GPCI reflects a 1.0 floor for frontier states established by the ACA.,,,,,,",
    ",,,,,,",
]


def write_real_gpci(path: Path) -> Path:
    path.write_bytes("\r\n".join([*REAL_GPCI, ""]).encode("latin-1"))
    return path


def write_real_rvu_zip(path: Path, release: str = "Jul") -> Path:
    """The RVU zip as CMS posts it (rvu26c-updated-06-30-2026.zip: PPRRVU non-QPP and QPP files, GPCI, ANES and
    OPPSCAP, per Biller SOURCES.md); the ANES and OPPSCAP tables are not used and must be skipped."""
    tmp = path.parent
    non_qpp = write_real_rvu(tmp / f"PPRRVU2026_{release}_nonQPP.csv")
    qpp = write_real_rvu(tmp / f"PPRRVU2026_{release}_QPP.csv", cf=QPP_CF)
    gpci = write_real_gpci(tmp / "GPCI2026.csv")
    members: dict[str, Path | str] = {
        non_qpp.name: non_qpp, qpp.name: qpp, gpci.name: gpci,
        "ANES2026.csv": "Contractor,Locality,Locality Name,2026 Anesthesia Conversion Factor\r\n"
                        "10112,00,ALABAMA,20.3340\r\n",
        f"OPPSCAP_{release.upper()}.csv": "HCPCS,MOD,PROCSTAT,CARRIER,LOCALITY,FACILITY PRICE,NON-FACILTY PRICE\r\n"
                                          "64493,,A,10112,00,100.00,200.00\r\n",
    }
    write_zip(path, members)
    for p in (non_qpp, qpp, gpci):
        p.unlink()
    return path


def payment_data_dir(root: Path) -> Path:
    """A data dir under `root` whose rules database holds PAYMENT_ROWS in the RVU layout and the real GPCI layout,
    imported as `advisor data import` does: the payment estimate and locality tests' server data."""
    from advisor.data import db

    db.import_paths([write_rvu(root / "PPRRVU26_JAN.csv", rows=PAYMENT_ROWS), write_real_gpci(root / "GPCI2026.csv")],
                    root / "data" / "cms_tables.sqlite", progress=False)
    return root / "data"
