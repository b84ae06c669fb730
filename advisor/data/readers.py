"""Read the CMS files as published: tab-delimited text, CSV, Excel, or any of these inside a zip.

Each reader yields validated rows ready for the database; a malformed row raises DataError naming the file and line.
The published files open with copyright lines (and the PTP and RVU headers span several lines), so the column header
row is found by its names, never by position. CMS publishes Latin-1 text (the MUE notice's registered sign is the
byte 0xAE): text is read as UTF-8 and any byte that is not UTF-8 as Latin-1, so either encoding reads exactly.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

from advisor.data.detect import GPCI, MUE, PTP, RVU, Version, check_name, kind_from_rows, norm, version_from_name
from advisor.errors import DataError

DATA_EXT = (".txt", ".csv", ".xlsx")
SNIFF_ROWS = 40
NO_DELETION = 99991231
CODE_RE = re.compile(r"(?:[A-Z]\d{4}|\d{4}[A-Z0-9])")
GLOBAL_RE = re.compile(r"(?:\d{3}|[A-Z]{3})")
READ_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, OSError)

Row = tuple[int, list[str]]
LATIN1_FALLBACK = "advisor-latin1-fallback"


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejects as Latin-1 (the CMS files are Latin-1; a re-saved copy may be UTF-8)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error(LATIN1_FALLBACK, _latin1_fallback)


@dataclass
class Source:
    """One table file: a plain file or a zip member."""

    where: str  # what error messages name: the path, or path!member
    names: tuple[str, ...]  # names that may carry the version (member first, then the zip)
    opener: Callable[[], IO[bytes]]

    @property
    def ext(self) -> str:
        return Path(self.names[0]).suffix.lower()

    def sha256(self) -> str:
        digest = hashlib.sha256()
        try:
            with self.opener() as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except READ_ERRORS as exc:
            raise DataError(f"{self.where}: cannot read the file, truncated or damaged? ({exc})", self.where) from None
        return digest.hexdigest()


def _preference(member: str) -> int:
    """Which copy of a table a zip should give: the PTP .TXT is tab-delimited (read first), but the RVU zip's .txt
    files are fixed-width, so every other table is read from its .csv."""
    order = DATA_EXT if Path(member).name.lower().startswith("ccipra") else (".csv", ".xlsx", ".txt")
    return order.index(Path(member).suffix.lower())


def _member_opener(path: Path, member: str) -> Callable[[], IO[bytes]]:
    def open_member() -> IO[bytes]:
        zf = zipfile.ZipFile(path)
        fh = zf.open(member)
        fh._advisor_zip = zf  # type: ignore[attr-defined]  # keep the archive open while the member is read
        return fh
    return open_member


def sources(path: Path) -> list[Source]:
    """The table files a path holds; a zip contributes its .txt/.csv/.xlsx members (.txt preferred per part)."""
    where = str(path)
    if not path.is_file():
        raise DataError(f"{where}: no such file", where)
    if path.suffix.lower() != ".zip":
        if path.suffix.lower() not in DATA_EXT:
            raise DataError(f"{where}: unknown file type {path.suffix or '(none)'}; expected .zip, .txt, .csv or "
                            ".xlsx as CMS publishes them", where)
        return [Source(where, (path.name,), lambda: path.open("rb"))]
    try:
        with zipfile.ZipFile(path) as zf:
            members = [i.filename for i in zf.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
            bad = zf.testzip()
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise DataError(f"{where}: not a readable zip, truncated or damaged? ({exc})", where) from None
    if bad is not None:
        raise DataError(f"{where}: member {bad} is damaged (CRC mismatch); download the zip again", where)
    best: dict[str, str] = {}
    for member in members:
        stem, ext = Path(member).stem.lower(), Path(member).suffix.lower()
        if ext in DATA_EXT and (stem not in best or _preference(member) < _preference(best[stem])):
            best[stem] = member
    return [Source(f"{where}!{m}", (Path(m).name, path.name), _member_opener(path, m)) for m in sorted(best.values())]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y%m%d")
    return str(value).strip()


def rows(source: Source) -> Iterator[Row]:
    """(line number, cells) for every row; Excel rows are numbered as Excel shows them."""
    try:
        if source.ext == ".xlsx":
            import openpyxl

            with source.opener() as fh:
                data = io.BytesIO(fh.read())
            try:
                wb = openpyxl.load_workbook(data, read_only=True, data_only=True)
            except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad workbook
                raise DataError(f"{source.where}: not a readable Excel workbook ({exc})", source.where) from None
            try:
                for n, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), 1):
                    yield n, [_cell(v) for v in values]
            finally:
                wb.close()
            return
        with source.opener() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors=LATIN1_FALLBACK, newline="")
            head = list(itertools.islice(text, SNIFF_ROWS))
            tabs = sum(line.count("\t") for line in head)
            commas = sum(line.count(",") for line in head)
            lines = itertools.chain(head, text)
            if tabs >= commas:
                for n, line in enumerate(lines, 1):
                    yield n, line.rstrip("\r\n").split("\t")
            else:
                # a quoted cell may hold line breaks (the MUE notice, its header): number a record by its last line
                reader = csv.reader(lines)
                for cells in reader:
                    yield reader.line_num, cells
    except READ_ERRORS as exc:
        raise DataError(f"{source.where}: cannot read the file, truncated or damaged? ({exc})", source.where) from None


@dataclass
class Parsed:
    """A sniffed source: its kind, version and an iterator over its validated data rows."""

    source: Source
    version: Version
    records: Iterator[tuple]


def _fail(source: Source, n: int, what: str) -> DataError:
    where = f"{source.where}:{n}"
    return DataError(f"{source.where}: line {n}: {what}", where)


def _code(raw: str, source: Source, n: int, column: str, pad: bool) -> str:
    code = raw.strip().upper()
    if pad and code.isdigit() and len(code) < 5:
        code = code.zfill(5)  # Excel stores 00100 as the number 100
    if not CODE_RE.fullmatch(code):
        raise _fail(source, n, f"malformed code {raw!r} in {column}")
    return code


def _yyyymmdd(raw: str, source: Source, n: int, column: str, blank_ok: bool) -> int:
    text = raw.strip()
    if blank_ok and text in ("", "*"):
        return NO_DELETION
    if len(text) != 8 or not text.isdigit():
        raise _fail(source, n, f"malformed date {raw!r} in {column} (expected YYYYMMDD)")
    value = int(text)
    if not (1 <= value // 100 % 100 <= 12 and 1 <= value % 100 <= 31 and 1980 <= value // 10000 <= 2100):
        raise _fail(source, n, f"malformed date {raw!r} in {column} (expected YYYYMMDD)")
    return value


def _find(header: list[str], test: Callable[[str], bool], name: str, source: Source, n: int) -> int:
    for i, cell in enumerate(header):
        if test(cell):
            return i
    raise _fail(source, n, f"header row has no {name!r} column")


def _ptp(source: Source, data: Iterator[Row], header: list[str], n0: int, pad: bool) -> Iterator[tuple]:
    h = [norm(c) for c in header]
    c1 = _find(h, lambda c: c.startswith("column 1"), "Column 1", source, n0)
    c2 = _find(h, lambda c: c.startswith("column 2"), "Column 2", source, n0)
    old = _find(h, lambda c: "1996" in c or "existence" in c, "* = In existence prior to 1996", source, n0)
    eff = _find(h, lambda c: c.startswith("effective"), "Effective Date", source, n0)
    dele = _find(h, lambda c: c.startswith("deletion"), "Deletion Date", source, n0)
    mod = _find(h, lambda c: c.startswith("modifier"), "Modifier", source, n0)
    rat = _find(h, lambda c: "rationale" in c, "PTP Edit Rationale", source, n0)
    width = max(c1, c2, eff, dele, mod) + 1
    in_header = True
    for n, cells in data:
        if in_header and not (cells[0].strip() if cells else "") and not (cells[1].strip() if len(cells) > 1 else ""):
            continue  # the header's continuation lines ("prior to 1996", "0=not allowed" ...)
        in_header = False
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < width:
            raise _fail(source, n, f"{len(cells)} columns, expected at least {width} (truncated line?)")
        mi = cells[mod].strip()
        if mi not in ("0", "1", "9"):
            raise _fail(source, n, f"modifier indicator {mi!r} is not 0, 1 or 9")
        yield (
            _code(cells[c1], source, n, "Column 1", pad), _code(cells[c2], source, n, "Column 2", pad),
            _yyyymmdd(cells[eff], source, n, "Effective Date", False),
            _yyyymmdd(cells[dele], source, n, "Deletion Date", True),
            int(mi), cells[rat].strip() if len(cells) > rat else "", 1 if cells[old].strip() == "*" else 0,
        )


def _mue(source: Source, data: Iterator[Row], header: list[str], n0: int, pad: bool) -> Iterator[tuple]:
    h = [norm(c) for c in header]
    code_i = _find(h, lambda c: c.startswith("hcpcs/cpt code"), "HCPCS/CPT Code", source, n0)
    val_i = _find(h, lambda c: "mue values" in c, "Practitioner Services MUE Values", source, n0)
    mai_i = _find(h, lambda c: "adjudication indicator" in c, "MUE Adjudication Indicator", source, n0)
    rat_i = next((i for i, c in enumerate(h) if "rationale" in c), None)
    for n, cells in data:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) <= max(code_i, val_i, mai_i):
            raise _fail(source, n, "too few columns (truncated line?)")
        value = cells[val_i].strip()
        if not value.isdigit():
            raise _fail(source, n, f"MUE value {value!r} is not a whole number")
        mai_text = cells[mai_i].strip()
        if not mai_text or mai_text[0] not in "123" or (len(mai_text) > 1 and mai_text[1].isdigit()):
            raise _fail(source, n, f"MUE adjudication indicator {mai_text!r} does not start with 1, 2 or 3")
        rationale = cells[rat_i].strip() if rat_i is not None and len(cells) > rat_i else ""
        yield (_code(cells[code_i], source, n, "HCPCS/CPT Code", pad), int(value), int(mai_text[0]),
               mai_text[1:].strip(" -:"), rationale)


RVU_CAPTION_ROWS = 4  # PPRRVU2026: four caption rows stacked over the header (NON-FACILITY / PE USED / FOR OPPS ...)


def _rvu_header(head: list[Row], index: int) -> list[str]:
    """The RVU column names: the 'HCPCS MOD ...' row joined with the caption rows stacked above it (WORK / RVU,
    GLOB / DAYS, NOT USED / FOR / MEDICARE / PAYMENT), up to a blank line or a line that is not a caption."""
    header = list(head[index][1])
    for back in range(1, RVU_CAPTION_ROWS + 1):
        if index - back < 0:
            break
        above = head[index - back][1]
        if not any(c.strip() for c in above) or (above and above[0].strip()):
            break  # a blank line or a copyright line, not a caption row
        header = [f"{above[i] if i < len(above) else ''} {cell}" for i, cell in enumerate(header)]
    return [norm(c) for c in header]


def _rvu(source: Source, data: Iterator[Row], h: list[str], n0: int, pad: bool) -> Iterator[tuple]:
    code_i = _find(h, lambda c: c == "hcpcs", "HCPCS", source, n0)
    mod_i = _find(h, lambda c: c == "mod", "MOD", source, n0)
    desc_i = next((i for i, c in enumerate(h) if "description" in c), None)
    status_i = next((i for i, c in enumerate(h) if c.startswith("status")), None)
    glob_i = _find(h, lambda c: "glob" in c, "GLOB DAYS", source, n0)
    mult_i = _find(h, lambda c: "mult" in c and "proc" in c, "MULT PROC", source, n0)
    bilat_i = _find(h, lambda c: "bilat" in c, "BILAT SURG", source, n0)
    asst_i = next((i for i, c in enumerate(h) if c.startswith("asst")), None)
    # Payment columns (RVUs and the file's conversion factor): optional, so an older layout still imports.
    amounts = {name: next((i for i, c in enumerate(h) if test(c)), None) for name, test in RVU_AMOUNTS}
    width = max(code_i, glob_i, mult_i, bilat_i) + 1

    def indicator(cells: list[str], i: int, n: int, name: str) -> str | None:
        v = cells[i].strip()
        if v and not (v.isdigit() and len(v) == 1):
            raise _fail(source, n, f"{name} {v!r} is not a one-digit indicator")
        return v or None

    def amount(cells: list[str], name: str, n: int) -> float | None:
        i = amounts[name]
        v = cells[i].strip().replace(",", "") if i is not None and i < len(cells) else ""
        if not v:
            return None
        try:
            return float(v)
        except ValueError:
            raise _fail(source, n, f"{name.upper().replace('_', ' ')} {v!r} is not a number") from None

    for n, cells in data:
        if not cells or not cells[0].strip():
            continue  # blank or footer lines
        if len(cells) < width:
            raise _fail(source, n, f"{len(cells)} columns, expected at least {width} (truncated line?)")
        glob = cells[glob_i].strip().upper()
        if glob.isdigit() and len(glob) < 3:
            glob = glob.zfill(3)  # Excel: 10 for 010
        if glob and not GLOBAL_RE.fullmatch(glob):
            raise _fail(source, n, f"GLOB DAYS {glob!r} is not 000/010/090/XXX/YYY/ZZZ/MMM")
        yield (
            _code(cells[code_i], source, n, "HCPCS", pad), cells[mod_i].strip().upper(),
            cells[desc_i].strip() if desc_i is not None and len(cells) > desc_i else "",
            cells[status_i].strip() if status_i is not None and len(cells) > status_i else "",
            glob or None, indicator(cells, mult_i, n, "MULT PROC"), indicator(cells, bilat_i, n, "BILAT SURG"),
            indicator(cells, asst_i, n, "ASST SURG") if asst_i is not None and asst_i < len(cells) else None,
            *(amount(cells, name, n) for name, _ in RVU_AMOUNTS),
        )


# The RVU file's payment columns, in the mpfs table's order (headers joined with their label rows, lower case).
RVU_AMOUNTS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("work_rvu", lambda c: c.startswith("work") and "rvu" in c),
    ("pe_nonfac", lambda c: c.startswith("non-fac") and "pe rvu" in c),
    ("pe_fac", lambda c: c.startswith("facility") and "pe rvu" in c),
    ("mp_rvu", lambda c: c.startswith("mp") and "rvu" in c),
    ("conv_factor", lambda c: c.startswith("conv")),
)


def _gpci(source: Source, data: Iterator[Row], header: list[str], n0: int, pad: bool) -> Iterator[tuple]:
    """Addendum E rows: (MAC, state, locality number, locality name, work, PE and MP GPCI); the footnotes after the
    table (first cell not a contractor number) are skipped."""
    h = [norm(c) for c in header]
    mac_i = _find(h, lambda c: "(mac)" in c or c.startswith("medicare administrative contractor") or c == "mac",
                  "Medicare Administrative Contractor (MAC)", source, n0)
    state_i = _find(h, lambda c: c == "state", "State", source, n0)
    loc_i = _find(h, lambda c: c.startswith("locality number"), "Locality Number", source, n0)
    name_i = _find(h, lambda c: c.startswith("locality name"), "Locality Name", source, n0)
    pw_i = _find(h, lambda c: "pw gpci" in c, "PW GPCI", source, n0)
    pe_i = _find(h, lambda c: "pe gpci" in c, "PE GPCI", source, n0)
    mp_i = _find(h, lambda c: "mp gpci" in c, "MP GPCI", source, n0)
    width = max(mac_i, state_i, loc_i, name_i, pw_i, pe_i, mp_i) + 1

    def index(cells: list[str], i: int, n: int, name: str) -> float:
        v = cells[i].strip()
        try:
            value = float(v)
        except ValueError:
            raise _fail(source, n, f"{name} {v!r} is not a number") from None
        if not 0 < value < 10:
            raise _fail(source, n, f"{name} {v!r} is not a cost index (expected about 0.3 to 3)")
        return value

    for n, cells in data:
        mac = cells[0].strip() if cells else ""
        if not mac.isdigit():
            continue  # blank lines and the footnotes
        if len(cells) < width:
            raise _fail(source, n, f"{len(cells)} columns, expected at least {width} (truncated line?)")
        locality = cells[loc_i].strip()
        if not locality.isdigit():
            raise _fail(source, n, f"locality number {locality!r} is not a number")
        yield (cells[mac_i].strip().zfill(5), cells[state_i].strip().upper(), locality.zfill(2),
               cells[name_i].strip(), index(cells, pw_i, n, "PW GPCI"), index(cells, pe_i, n, "PE GPCI"),
               index(cells, mp_i, n, "MP GPCI"))


PARSERS = {PTP: _ptp, MUE: _mue, GPCI: _gpci}


def parse(source: Source, in_zip: bool = False) -> Parsed | None:
    """Sniff a source and return its version and row iterator; None for a zip member that is no CMS table."""
    check_name(source.names[-1] if in_zip else source.names[0], source.where)
    it = rows(source)
    head = list(itertools.islice(it, SNIFF_ROWS))
    try:
        kind, index = kind_from_rows([cells for _, cells in head], source.where)
    except DataError:
        if in_zip:
            return None  # a readme or similar inside the zip
        raise
    version = version_from_name(kind, *source.names)
    if version is None:
        examples = {PTP: "ccipra-v321r0-f1.txt", MUE: "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv",
                    RVU: "PPRRVU2026_Jan_nonQPP.csv", GPCI: "GPCI2026.csv"}
        raise DataError(f"{source.where}: a {kind.upper()} table, but its name does not tell the version; keep the "
                        f"name CMS gives it (e.g. {examples[kind]})", source.where)
    data = itertools.chain(head[index + 1:], it)
    pad = source.ext == ".xlsx"
    n0 = head[index][0]
    if kind == RVU:
        records = _rvu(source, data, _rvu_header(head, index), n0, pad)
    else:
        records = PARSERS[kind](source, data, head[index][1], n0, pad)
    return Parsed(source, version, records)
