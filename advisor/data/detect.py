"""Tell which CMS table a file is, and which version, from its name and its first lines.

Names as CMS publishes them:
* practitioner PTP edits: ``ccipra-v321r0-f1`` (version 32.1, revision 0, part 1); NCCI version N.Q takes effect on
  the first day of quarter Q+1 of year 1994+N (v32.0 = 2026-01-01, v32.1 = 2026-04-01 ...).
* practitioner MUE table: ``MCR_MUE_PractitionerServices_Eff_01-01-2026.csv`` (effective 2026-01-01).
* MPFS RVU file: ``PPRRVU26_JAN`` / ``PPRRVU2026_Oct`` inside ``RVU26A`` (year 2026, release A = January); since 2026
  one file per conversion factor, ``PPRRVU2026_Jul_nonQPP`` and ``PPRRVU2026_Jul_QPP`` (qualifying APM participants),
  kept as distinct variants of the release ("2026 C non-QPP", "2026 C QPP").
* GPCI file (Addendum E, in the same zip): ``GPCI2026.csv``; version = the year, plus the release when the zip's
  name tells it ("2026 C").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from advisor.errors import DataError

PTP, MUE, RVU, GPCI = "ptp", "mue", "rvu", "gpci"
KIND_LABEL = {PTP: "CMS PTP", MUE: "CMS MUE", RVU: "CMS MPFS RVU", GPCI: "CMS GPCI"}
PTP_PARTS = ("f1", "f2", "f3", "f4")  # the practitioner PTP table is published in four parts by column-1 range
NON_QPP, QPP = "non-QPP", "QPP"
RELEASE_MONTH = {"A": 1, "B": 4, "C": 7, "D": 10}
MONTH_RELEASE = {"JAN": "A", "APR": "B", "JUL": "C", "OCT": "D"}

_PTP_NAME = re.compile(r"ccipra-v(\d{2})(\d)r(\d+)(?:-f(\d+))?", re.I)
_OTHER_PTP = re.compile(r"cci(oph|dme|mcd)", re.I)
_MUE_NAME = re.compile(r"MUE_?(\w*?)_?Eff_(\d{1,2})-(\d{1,2})-(\d{4})", re.I)
_RVU_NAME = re.compile(r"PPRRVU(\d{4}|\d{2})_?([A-Z]{3})?", re.I)
_RVU_ZIP = re.compile(r"RVU(\d{2})([A-D])", re.I)
_RVU_VARIANT = re.compile(r"_(non)?QPP\b", re.I)
_GPCI_NAME = re.compile(r"GPCI(\d{4})", re.I)


@dataclass(frozen=True)
class Version:
    """What one file holds: kind, version label (unique per kind), effective date and part (PTP f1..f4)."""

    kind: str
    version: str
    effective: date
    part: str = ""

    @property
    def table(self) -> str:
        """How findings name the table, e.g. 'CMS PTP v32.1r0'."""
        return f"{KIND_LABEL[self.kind]} {self.version}"


def _year(two_or_four: str) -> int:
    y = int(two_or_four)
    return y + 2000 if y < 100 else y


def version_from_name(kind: str, *names: str) -> Version | None:
    """The version a file's name (or its zip's name) carries; None if no name tells."""
    for name in names:
        if kind == PTP and (m := _PTP_NAME.search(name)):
            major, minor, rev, part = int(m[1]), int(m[2]), int(m[3]), m[4] or ""
            if minor > 3:
                continue
            return Version(PTP, f"v{major}.{minor}r{rev}", date(1994 + major, 3 * minor + 1, 1),
                           f"f{part}" if part else "")
        if kind == MUE and (m := _MUE_NAME.search(name)):
            try:
                eff = date(int(m[4]), int(m[2]), int(m[3]))
            except ValueError:
                continue
            return Version(MUE, eff.isoformat(), eff)
        if kind == RVU:
            variant = _rvu_variant(names[0])
            if (m := _RVU_NAME.search(name)) and m[2] and m[2].upper() in MONTH_RELEASE:
                release = MONTH_RELEASE[m[2].upper()]
                year = _year(m[1])
                return Version(RVU, f"{year} {release}{variant}", date(year, RELEASE_MONTH[release], 1))
            if m := _RVU_ZIP.search(name):
                year, release = _year(m[1]), m[2].upper()
                return Version(RVU, f"{year} {release}{variant}", date(year, RELEASE_MONTH[release], 1))
        if kind == GPCI and (m := _GPCI_NAME.search(name)):
            year = int(m[1])
            zipped = next((z for n in names[1:] if (z := _RVU_ZIP.search(n)) and _year(z[1]) == year), None)
            if zipped is not None:
                release = zipped[2].upper()
                return Version(GPCI, f"{year} {release}", date(year, RELEASE_MONTH[release], 1))
            return Version(GPCI, str(year), date(year, 1, 1))
    return None


def _rvu_variant(name: str) -> str:
    """' non-QPP' / ' QPP' for the 2026-on split files (distinct conversion factors), '' for a single file."""
    m = _RVU_VARIANT.search(name)
    if m is None:
        return ""
    return f" {NON_QPP}" if m[1] else f" {QPP}"


def rvu_variant(version: str) -> str:
    """The variant a loaded RVU version label carries: 'non-QPP', 'QPP' or '' (one file for everyone)."""
    return next((v for v in (NON_QPP, QPP) if version.endswith(f" {v}")), "")


def norm(cell: object) -> str:
    """A header cell compared by words: whitespace (line breaks included) collapsed, none around a slash, lower case
    (the MUE file's first header cell is "HCPCS/" line break "CPT Code")."""
    return re.sub(r"\s*/\s*", "/", re.sub(r"\s+", " ", str(cell or ""))).strip().lower()


def kind_from_rows(rows: list[list[str]], where: str) -> tuple[str, int]:
    """(kind, index of the column-header row) from the first rows of a table; DataError if it is no known layout."""
    for i, row in enumerate(rows):
        cells = [norm(c) for c in row]
        if len(cells) >= 2 and cells[0].startswith("column 1") and cells[1].startswith("column 2"):
            return PTP, i
        if any(c.startswith("hcpcs/cpt code") for c in cells) and any("mue values" in c for c in cells):
            setting = next(c for c in cells if "mue values" in c)
            if "practitioner" not in setting:
                raise DataError(f"{where}: this is the {setting.replace(' mue values', '')} MUE table; import the "
                                "practitioner services table", where)
            return MUE, i
        if cells and cells[0] == "hcpcs" and any(c == "mod" for c in cells[:3]) and "description" in cells:
            return RVU, i  # (the OPPSCAP file of the same zip starts HCPCS,MOD too, but has no DESCRIPTION)
        if any(c.startswith("locality number") for c in cells) and any("pw gpci" in c for c in cells):
            return GPCI, i
    raise DataError(
        f"{where}: unknown layout: no 'Column 1 / Column 2' (PTP), 'HCPCS/CPT Code ... MUE Values' (MUE), "
        "'HCPCS MOD DESCRIPTION' (MPFS RVU) or 'Locality Number ... PW GPCI' (GPCI) header row in the first lines",
        where)


def check_name(name: str, where: str) -> None:
    """Refuse the other NCCI tables (hospital, DME, Medicaid) by name before reading them."""
    if _OTHER_PTP.search(name):
        raise DataError(f"{where}: not the practitioner PTP table (ccipra-*); hospital, DME and Medicaid edits are "
                        "not used", where)
