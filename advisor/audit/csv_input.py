"""Read a practice's claim-line export (CSV) into validated rows, in memory.

One row per claim line. Header names are matched case-insensitively, ignoring spaces, dots, dashes and underscores
("Claim Number" = "claim_number" = "claimnumber"). Accepted names per column:

=============  ========  =======================================================================================
column         required  accepted header names
=============  ========  =======================================================================================
claim_id       yes       claim_id, claim, claim number, claim no, claim #, claimid, encounter, encounter id
patient_id     yes       patient_id, patient, mrn, member id, patient number, pseudonym (pseudonymous ids only)
provider       yes       provider, rendering_provider, rendering, npi, rendering npi, physician, clinician
dos            yes       dos, date_of_service, service date, date, from date, service_date
code           yes       code, cpt, hcpcs, procedure, procedure code, cpt code, cpt/hcpcs
modifiers      no        modifiers, modifier, mods, mod  (several separated by - , space or ;  e.g. "25", "RT;XS")
units          no        units, qty, quantity, days or units, days/units, unit  (default 1)
payer          no        payer, insurance, plan, payer name, financial class  (default: settings.default_payer)
claim_type     no        claim type, claim_type, setting  (professional | asc | hospital_outpatient; the older setting
                         words office → professional, asc → asc, facility/hospital/opps/hopd → hospital_outpatient;
                         default: the file's --claim-type option, else professional)
pos            no        pos, place of service  (kept as the place of service only: a physician's claim at POS 24
                         is still a professional claim and follows the physician rules)
mac            no        mac, jurisdiction, mac jurisdiction  (J15, JE, CGS, OH...; default: the file's --mac option,
                         else ADVISOR_MAC)
diagnoses      no        diagnosis, diagnoses, dx, icd10, icd-10, diagnosis codes (kept for the drill-down only)
=============  ========  =======================================================================================

Payer values: anything naming Medicare (medicare, MCR, Medicare Part B, Medicare Advantage, MA, MCARE) → medicare;
everything else → commercial; empty → the default payer. Dates: 2025-03-14, 03/14/2025, 3/14/25, 20250314, 14.03.2025.
Encodings: UTF-8 (with or without BOM), then Windows-1252, then Latin-1. Delimiters: comma, semicolon, tab, pipe
(csv.Sniffer, falling back to counting them in the header line).

Malformed rows (bad code, date, units, modifier, empty id) are collected with their line number in the file and the
reason; the rest of the file is still audited. A missing required column, an empty file, a binary (non-CSV) file or
one over settings.max_upload_bytes raises an AdvisorError that names the problem.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from advisor.claims import ClaimLine, build_line
from advisor.dates import parse_date
from advisor.errors import AdvisorError, InvalidInput
from advisor.rules.jurisdiction import resolve_mac
from advisor.rules.model import ClaimType, Payer

REQUIRED = ("claim_id", "patient_id", "provider", "dos", "code")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "claim_id": ("claim_id", "claim", "claim number", "claim no", "claim #", "claim nbr", "claimid", "claim num",
                 "encounter", "encounter id", "encounter number"),
    "patient_id": ("patient_id", "patient", "mrn", "member id", "patient number", "patient no", "pseudonym",
                   "patient key", "pt id", "account"),
    "provider": ("provider", "rendering_provider", "rendering", "npi", "rendering npi", "physician", "clinician",
                 "provider id", "provider npi", "rendering provider npi", "doctor"),
    "dos": ("dos", "date_of_service", "service date", "date", "from date", "from dos", "service_date", "dos from",
            "date of service from"),
    "code": ("code", "cpt", "hcpcs", "procedure", "procedure code", "cpt code", "cpt/hcpcs", "hcpcs code", "cpt hcpcs",
             "proc code", "proc"),
    "modifiers": ("modifiers", "modifier", "mods", "mod", "modifier 1", "mod1"),
    "units": ("units", "qty", "quantity", "days or units", "days/units", "unit", "service units"),
    "payer": ("payer", "insurance", "plan", "payer name", "financial class", "primary payer", "insurance plan",
              "payor"),
    "claim_type": ("claim_type", "claim type", "setting", "claim kind", "bill type"),
    "pos": ("pos", "place of service", "place_of_service", "pos code"),
    "mac": ("mac", "jurisdiction", "mac jurisdiction", "medicare contractor"),
    "diagnoses": ("diagnosis", "diagnoses", "dx", "icd10", "icd-10", "diagnosis codes", "dx codes", "icd"),
}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9#]", "", name.strip().lower().lstrip("\ufeff"))


_LOOKUP = {_norm(alias): column for column, aliases in SYNONYMS.items() for alias in aliases}
_MEDICARE = {"medicare", "mcr", "ma", "mcare", "medicarepartb", "partb", "medicareadvantage", "mapart c", "mapartc",
             "medicarepartc", "railroadmedicare", "rrmedicare"}
CLAIM_TYPES = {"professional": ClaimType.PROFESSIONAL, "physician": ClaimType.PROFESSIONAL,
               "office": ClaimType.PROFESSIONAL, "pro": ClaimType.PROFESSIONAL, "prof": ClaimType.PROFESSIONAL,
               "asc": ClaimType.ASC, "ascfacility": ClaimType.ASC,
               "hospitaloutpatient": ClaimType.HOSPITAL_OUTPATIENT, "facility": ClaimType.HOSPITAL_OUTPATIENT,
               "hospital": ClaimType.HOSPITAL_OUTPATIENT, "opps": ClaimType.HOSPITAL_OUTPATIENT,
               "outpatient": ClaimType.HOSPITAL_OUTPATIENT, "hopd": ClaimType.HOSPITAL_OUTPATIENT}
_MOD_SPLIT = re.compile(r"[-,;\s]+")


class UploadTooLarge(InvalidInput):
    """The file is larger than settings.max_upload_bytes."""

    status_code = 413


@dataclass(slots=True)
class Row:
    """One validated claim line with its place in the file (`line` = 1-based line number, header = line 1)."""

    line: int
    claim_id: str
    patient_id: str
    provider: str
    dos: date
    claim_line: ClaimLine
    payer: Payer
    claim_type: ClaimType
    diagnoses: tuple[str, ...] = ()
    pos: str = ""  # the place of service as written (never read as the claim type)
    mac: str | None = None  # the row's MAC jurisdiction (column or the file's option); None: ADVISOR_MAC

    @property
    def code(self) -> str:
        return self.claim_line.code


@dataclass(slots=True)
class RowError:
    line: int
    reason: str


@dataclass
class ParsedFile:
    rows: list[Row]
    errors: list[RowError]
    columns: dict[str, str]  # canonical column -> header as written
    notes: list[str]
    delimiter: str
    encoding: str
    data_rows: int


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding that read it. Never fails: Latin-1 decodes any byte string."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if head.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 BOM: decode it ourselves instead
        return False
    return b"\x00" in head


# csv.Sniffer's quote regex is quadratic in its sample: 64 KB of crafted quotes took 29 s, 4 KB takes 0.13 s.
SNIFF_CHARS = 4096


def _sniff(text: str) -> str:
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample.splitlines() else ""
        counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ","


def map_header(header: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Canonical column -> index, and canonical column -> header text. Missing required columns raise InvalidInput."""
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    for i, name in enumerate(header):
        column = _LOOKUP.get(_norm(name))
        if column and column not in index:
            index[column], written[column] = i, name.strip().lstrip("\ufeff")
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        parts = [f"'{c}' (accepted: {', '.join(SYNONYMS[c])})" for c in missing]
        found = ", ".join(repr(h.strip()) for h in header[:20]) or "nothing"
        raise InvalidInput(
            f"missing required column{'s' if len(missing) > 1 else ''} {'; '.join(parts)}. The header has: {found}",
            f"column {missing[0]}",
        )
    return index, written


def map_payer(text: str, default: Payer) -> Payer:
    value = re.sub(r"[^a-z ]", "", text.strip().lower())
    if not value:
        return default
    squashed = value.replace(" ", "")
    if squashed in _MEDICARE or "medicare" in squashed or value.split()[0] in ("ma", "mcr"):
        return Payer.MEDICARE
    return Payer.COMMERCIAL


def map_claim_type(text: str, default: ClaimType = ClaimType.PROFESSIONAL) -> ClaimType:
    """A claim type from its name or the older setting words; empty: the default. A place-of-service number is
    refused here: POS says where the service was done, not whose claim it is."""
    value = re.sub(r"[^a-z]", "", text.strip().lower())
    if not text.strip():
        return default
    if value in CLAIM_TYPES:
        return CLAIM_TYPES[value]
    hint = " (that looks like a place of service: put it in a pos column)" if text.strip().isdigit() else ""
    raise ValueError(f"claim type {text!r} is not known{hint}; use professional, asc or hospital_outpatient")


def _units(text: str) -> int:
    value = text.strip()
    if not value:
        return 1
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"units {text!r} is not a number") from None
    if number != int(number) or not 1 <= number <= 999:
        raise ValueError(f"units {text!r} must be a whole number between 1 and 999")
    return int(number)


class _LineCache:
    """ClaimLine objects are frozen: build each distinct (code, modifiers, units) once."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str, int], ClaimLine] = {}

    def get(self, code: str, mods: str, units: int, where: str) -> ClaimLine:
        key = (code, mods, units)
        line = self.cache.get(key)
        if line is None:
            parts = [m for m in _MOD_SPLIT.split(mods.strip().upper()) if m]
            try:
                line = build_line({"code": code, "modifiers": parts, "units": units}, where)
            except AdvisorError as exc:
                raise ValueError(exc.message.removeprefix(f"{where}: ")) from None
            self.cache[key] = line
        return line


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's complaint in words a biller can act on."""
    if "field limit" in str(exc):
        return (f"a field is longer than {csv.field_size_limit():,} characters (often a quote that is never closed); "
                "fix the quoting of this row")
    return f"this row cannot be read as CSV ({exc}); fix its quoting"


def read_csv(
    source: bytes | str | Path,
    *,
    max_bytes: int | None = None,
    default_payer: Payer = Payer.MEDICARE,
    name: str = "file",
    claim_type: ClaimType = ClaimType.PROFESSIONAL,
    mac: str | None = None,
) -> ParsedFile:
    """Decode, sniff, map the header and validate every row. Row faults are collected, never raised."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if max_bytes is not None and size > max_bytes:
                raise UploadTooLarge(f"{path.name} is {size:,} bytes; the limit is {max_bytes:,} bytes", name)
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}", name) from None
    else:
        data = source
    if max_bytes is not None and len(data) > max_bytes:
        raise UploadTooLarge(f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes", name)
    if not data.strip():
        raise InvalidInput("the file is empty; export the claim lines as CSV with a header row", name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = data.decode("utf-16"), "utf-16"
    elif _looks_binary(data):
        raise InvalidInput(
            "this is not a CSV file (it looks binary, e.g. a PDF, spreadsheet or image); export the claim lines "
            "as CSV (comma, semicolon or tab separated) with a header row", name,
        )
    else:
        text, encoding = decode(data)
    text = text.lstrip("\ufeff")
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    try:
        for header_candidate in reader:
            if any(cell.strip() for cell in header_candidate):
                header = header_candidate
                break
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: {_csv_problem(exc)}", name) from None
    if header is None:
        raise InvalidInput("the file has no header row and no data", name)
    if len(header) < 2:
        raise InvalidInput(
            f"this does not look like a CSV export: the first line has a single column ({header[0][:60]!r}); "
            "expected a header row such as claim_id,patient_id,provider,dos,code,modifiers,units,payer", name,
        )
    index, written = map_header(header)
    notes: list[str] = []
    if "payer" not in index:
        notes.append(f"no payer column: every claim is treated as {default_payer.value}")
    if "units" not in index:
        notes.append("no units column: every line counts as 1 unit")
    if "modifiers" not in index:
        notes.append("no modifiers column: lines are read without modifiers")
    if "claim_type" not in index:
        notes.append(f"no claim type column: every claim is read as a {claim_type.value.replace('_', ' ')} claim"
                     + (" (place of service is kept as POS, not read as the claim type)" if "pos" in index else ""))

    rows: list[Row] = []
    errors: list[RowError] = []
    cache = _LineCache()
    payer_cache: dict[str, Payer] = {}
    claim_cache: dict[str, ClaimType] = {}
    mac_cache: dict[str, str | None] = {}
    date_cache: dict[str, date] = {}
    i_claim, i_patient, i_provider, i_dos, i_code = (index[c] for c in REQUIRED)
    i_mods, i_units, i_payer, i_claim_type, i_pos, i_mac, i_dx = (
        index.get(c) for c in ("modifiers", "units", "payer", "claim_type", "pos", "mac", "diagnoses"))
    width = len(header)
    data_rows = 0
    ids: dict[str, str] = {}  # one string object per distinct patient / provider id: big files repeat them
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit (often an unclosed quote): skip that row
            data_rows += 1
            errors.append(RowError(reader.line_num, _csv_problem(exc)))
            continue
        line_no = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        data_rows += 1
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        try:
            claim_id, patient_id, provider = (cells[i_claim].strip(), cells[i_patient].strip(),
                                              cells[i_provider].strip())
            patient_id, provider = ids.setdefault(patient_id, patient_id), ids.setdefault(provider, provider)
            for label, value in (("claim id", claim_id), ("patient id", patient_id), ("provider", provider)):
                if not value:
                    raise ValueError(f"{label} is empty")
            dos_text = cells[i_dos].strip()
            dos = date_cache.get(dos_text)
            if dos is None:
                dos = date_cache[dos_text] = parse_date(dos_text, "date of service")
            code = cells[i_code].strip().upper()
            if not code:
                raise ValueError("code is empty")
            units = _units(cells[i_units]) if i_units is not None else 1
            mods = cells[i_mods] if i_mods is not None else ""
            claim_line = cache.get(code, mods, units, f"line {line_no}")
            payer_text = cells[i_payer] if i_payer is not None else ""
            payer = payer_cache.get(payer_text)
            if payer is None:
                payer = payer_cache[payer_text] = map_payer(payer_text, default_payer)
            type_text = cells[i_claim_type] if i_claim_type is not None else ""
            kind = claim_cache.get(type_text)
            if kind is None:
                kind = claim_cache[type_text] = map_claim_type(type_text, claim_type)
            mac_text = cells[i_mac].strip() if i_mac is not None else ""
            if mac_text not in mac_cache:
                mac_cache[mac_text] = resolve_mac(mac_text) if mac_text else mac
            pos = cells[i_pos].strip() if i_pos is not None else ""
            if pos and not (pos.isdigit() and len(pos) <= 2):
                raise ValueError(f"place of service {pos!r} is not a POS code (two digits, e.g. 11, 22, 24)")
            dx = tuple(d for d in _MOD_SPLIT.split(cells[i_dx].strip().upper()) if d) if i_dx is not None else ()
        except ValueError as exc:
            errors.append(RowError(line_no, str(exc)))
            continue
        rows.append(Row(line_no, claim_id, patient_id, provider, dos, claim_line, payer, kind, dx, pos,
                        mac_cache[mac_text]))
    if data_rows == 0:
        raise InvalidInput("the file has a header row but no claim lines", name)
    return ParsedFile(rows, errors, written, notes, delimiter, encoding, data_rows)
