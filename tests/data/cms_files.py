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
