"""Medicare payment estimate for a claim: each line's national allowed amount, facility and non-facility, from the
imported MPFS RVU file, with the bilateral (modifier 50) and multiple-procedure adjustments (issue #16 item 4).

Always an estimate: national amounts, or one Medicare locality's when a locality is chosen and the GPCI file
(PFS Addendum E) is imported, before deductible, coinsurance and sequestration, and the payer's own rules. The
rules and their sources live in catalog/payment.yaml (conversion factor by year, locality formula, 150%
bilateral, 100%/50% multiple procedures, payable status codes); the RVUs and the file's own conversion factor come
from the imported RVU table, named with its version. Amounts are Decimal, rounded half-up to cents at each step the
fee schedule rounds (the fee, then each adjusted line).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, Field

from advisor.claims import ClaimLine, format_line
from advisor.data.detect import RVU
from advisor.data.tables import GpciEntry, MpfsEntry
from advisor.encoder.localities import Locality, find_locality
from advisor.encoder.localities import shown as shown_locality
from advisor.encoder.model import Origin, SourceRef
from advisor.encoder.scope import Scope
from advisor.errors import Conflict
from advisor.rules.catalog import Catalog
from advisor.rules.meanings import MPFS_STATUS_MEANING

CENT = Decimal("0.01")
LABEL = ("Estimate: national Medicare physician fee schedule allowed amounts (no locality adjustment), before "
         "deductible, coinsurance and sequestration; the MAC's payment and other payers' rules differ.")
LOCALITY_LABEL = ("Estimate: Medicare physician fee schedule allowed amounts for locality {name} (RVUs adjusted by "
                  "the locality's GPCIs), before deductible, coinsurance and sequestration; the MAC's payment and "
                  "other payers' rules differ.")
Setting = Literal["non_facility", "facility"]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class LineEstimate(BaseModel):
    """One claim line: its fee, the adjustments applied and the allowed amount (units included)."""

    line: str
    code: str
    priced: bool = Field(description="False when the RVU file gives no payable national amount for the line.")
    status: str | None = None
    fee_non_facility: float | None = Field(None, description="One unit, before adjustments.")
    fee_facility: float | None = None
    non_facility: float | None = Field(None, description="Allowed amount of the line, adjustments and units applied.")
    facility: float | None = None
    adjustments: list[str] = Field(default_factory=list)
    origin: Origin | None = None


class PaymentEstimate(BaseModel):
    """POST /api/estimate: the claim's estimate, labelled as one."""

    estimate: Literal[True] = True
    label: str = LABEL
    date: date
    conversion_factor: float
    conversion_factor_origin: Origin
    locality: Locality | None = Field(None, description="The locality priced; None = national amounts.")
    lines: list[LineEstimate]
    total_non_facility: float
    total_facility: float
    notices: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)


def estimate(lines: list[ClaimLine], catalog: Catalog, on: date | None = None,
             conversion_factor: float | None = None, locality: str | None = None) -> PaymentEstimate:
    """The allowed amounts of a claim's lines on a date of service, national or for one locality (MAC-locality
    `01182-18`, state and locality `CA-18`, or a unique part of its name); Conflict (409) without the RVU table (or
    the GPCI file when a locality is asked for), InvalidInput (422) for a locality the file does not hold."""
    scope = Scope.of(catalog, on, [ln.code for ln in lines])
    version = scope.version(RVU)
    if scope.tables is None or version is None:
        raise Conflict("a payment estimate needs the CMS MPFS relative value file: import it with `advisor data "
                       "import PPRRVU...` (no RVU table is loaded)", "lines")
    rows = scope.tables.mpfs_modifier_rows([ln.code for ln in lines], scope.day)
    cf, cf_origin = _conversion_factor(rows, scope, conversion_factor)
    place = find_locality(scope, locality) if locality is not None else None
    params = catalog.payment
    payable = set(params["payable_status"].value)
    bilateral = {k: Decimal(str(v)) for k, v in params["bilateral_payment"].value.items()}
    first, rest = (Decimal(str(x)) for x in params["multiple_procedure"].value)
    out: list[LineEstimate] = []
    ranked: list[tuple[Decimal, Decimal, int]] = []  # (non-facility, facility amount of one unit, line index)
    amounts: list[dict[str, list[Decimal]]] = []
    for index, line in enumerate(lines):
        split = next((m for m in ("26", "TC") if m in line.modifiers), "")
        row = rows.get((line.code, split))
        shown = LineEstimate(line=format_line(line), code=line.code, priced=False,
                             origin=scope.imported(version) if row else None, status=row.status if row else None)
        out.append(shown)
        amounts.append({"non_facility": [], "facility": []})
        fees = _fees(row, cf, place) if row is not None and row.status in payable else None
        if row is None or fees is None:
            shown.adjustments.append(_not_priced(line, split, row))
            continue
        shown.priced = True
        shown.fee_non_facility, shown.fee_facility = float(fees[0]), float(fees[1])
        factor = Decimal(1)
        if "50" in line.modifiers:
            factor = bilateral.get(row.bilateral or "", Decimal(1))
            shown.adjustments.append(f"modifier 50, bilateral indicator {row.bilateral}: {factor * 100:.0f}% of the fee"
                                     + ("" if row.bilateral in bilateral else " (no bilateral adjustment applies)"))
        unit = (_cents(fees[0] * factor), _cents(fees[1] * factor))
        for _ in range(line.units):
            if row.mult_proc == "2":
                ranked.append((unit[0], unit[1], index))
            else:
                amounts[index]["non_facility"].append(unit[0])
                amounts[index]["facility"].append(unit[1])
        if row.mult_proc != "2":
            shown.adjustments.append(f"multiple-procedure indicator {row.mult_proc or 'none'}: not reduced")
    reduced: dict[str, set[int]] = {}
    for position, setting in enumerate(("non_facility", "facility")):
        order = sorted(ranked, key=lambda r: r[position], reverse=True)  # highest-valued first, in each setting
        for n, item in enumerate(order):
            amounts[item[2]][setting].append(_cents(item[position] * (first if n == 0 else rest)))
        reduced[setting] = {item[2] for item in order[1:]}
    in_ranking = {i for _, _, i in ranked}
    for index, shown in enumerate(out):
        if not shown.priced:
            continue
        if index in in_ranking:
            shares = {s: f"{(rest if index in reduced[s] else first) * 100:.0f}%" for s in reduced}
            share = (shares["non_facility"] if len(set(shares.values())) == 1 else
                     f"{shares['non_facility']} non-facility, {shares['facility']} facility")
            shown.adjustments.append(f"multiple procedures (indicator 2): {share}; the highest-valued procedure is "
                                     f"paid at {first * 100:.0f}%, every other one and every added unit at "
                                     f"{rest * 100:.0f}%")
        shown.non_facility = float(sum(amounts[index]["non_facility"], Decimal(0)))
        shown.facility = float(sum(amounts[index]["facility"], Decimal(0)))
    sources = [*params["bilateral_payment"].sources, *params["multiple_procedure"].sources,
               *params["payable_status"].sources]
    if place is not None:
        sources += [*params["locality_formula"].sources, place.version.source_id]
    notices = [n for n in scope.notices() if "RVU" in n or "GPCI" in n]
    shown_place = None if place is None else shown_locality(place, scope)
    return PaymentEstimate(
        label=LABEL if place is None else LOCALITY_LABEL.format(name=f"{place.key} {place.state} {place.name}"),
        date=scope.day, conversion_factor=float(cf), conversion_factor_origin=cf_origin, locality=shown_place,
        lines=out,
        total_non_facility=float(sum((Decimal(str(x.non_facility)) for x in out if x.non_facility is not None),
                                     Decimal(0))),
        total_facility=float(sum((Decimal(str(x.facility)) for x in out if x.facility is not None), Decimal(0))),
        notices=notices, sources=scope.refs(list(dict.fromkeys(sources))))


def estimate_if_imported(lines: list[ClaimLine], catalog: Catalog, on: date | None = None,
                         conversion_factor: float | None = None,
                         locality: str | None = None) -> PaymentEstimate | None:
    """The estimate shown beside an answer's claim or an audit finding: None when there is nothing to price or the
    RVU file (or a conversion factor for the year) is not loaded, since those views work without it."""
    if not lines:
        return None
    try:
        return estimate(lines, catalog, on, conversion_factor, locality)
    except Conflict:
        return None


def _fees(row: MpfsEntry, cf: Decimal, place: GpciEntry | None = None) -> tuple[Decimal, Decimal] | None:
    """(non-facility, facility) fee of one unit: the RVUs (each times its GPCI for a locality) times the conversion
    factor, rounded to cents."""
    if row.work_rvu is None or row.mp_rvu is None or row.pe_nonfac is None or row.pe_fac is None:
        return None
    pw, pe, mpi = ((Decimal(1),) * 3 if place is None else
                   (Decimal(str(place.pw)), Decimal(str(place.pe)), Decimal(str(place.mp))))
    work, mp = Decimal(str(row.work_rvu)) * pw, Decimal(str(row.mp_rvu)) * mpi
    return (_cents((work + Decimal(str(row.pe_nonfac)) * pe + mp) * cf),
            _cents((work + Decimal(str(row.pe_fac)) * pe + mp) * cf))


def _not_priced(line: ClaimLine, split: str, row: MpfsEntry | None) -> str:
    name = f"{line.code}-{split}" if split else line.code
    if row is None:
        return f"not priced: the imported RVU file has no row for {name}"
    if row.status not in MPFS_STATUS_MEANING or row.status in ("A", "R", "T"):
        return (f"not priced: the RVU row of {name} has no RVUs (a rules database imported before payment estimates "
                "existed: import the RVU file again)")
    return f"not priced: MPFS status {row.status}, {MPFS_STATUS_MEANING[row.status]}"


def _conversion_factor(rows: dict[tuple[str, str], MpfsEntry], scope: Scope,
                       override: float | None) -> tuple[Decimal, Origin]:
    """The setting, else the RVU file's own CONV FACTOR column, else payment.yaml's factor for the year."""
    if override is not None:
        return Decimal(str(override)), Origin(kind="setting", table="ADVISOR_CONVERSION_FACTOR",
                                              confidence="unconfirmed", sources=[])
    in_file = next((r for r in rows.values() if r.conv_factor), None)
    if in_file is not None and in_file.conv_factor is not None:
        return Decimal(str(in_file.conv_factor)), scope.imported(in_file.version)
    param = scope.view.payment["conversion_factor"]
    by_year = param.value
    year = str(scope.day.year)
    if year not in by_year:
        years = ", ".join(sorted(by_year))
        raise Conflict(f"no conversion factor for {year}: the RVU file has none and payment.yaml covers {years}; set "
                       "ADVISOR_CONVERSION_FACTOR", "date")
    return Decimal(str(by_year[year])), scope.curated_origin(param.sources, param.confidence)


__all__ = ["LineEstimate", "Locality", "PaymentEstimate", "estimate", "estimate_if_imported"]
