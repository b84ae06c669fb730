"""Dollars at risk for each flagged audit pattern (issue #16 item 4): the Medicare payment estimate
(advisor/encoder/payment.py, the same function as POST /api/estimate) of the claim lines behind the pattern's flags,
i.e. the lines a finding would remove or change. Always labelled an estimate; absent when no RVU file is imported."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from advisor.claims import parse_line
from advisor.encoder.payment import estimate_if_imported
from advisor.errors import InvalidInput
from advisor.rules.catalog import Catalog

if TYPE_CHECKING:
    from advisor.audit.patterns import PatternResult

LABEL = ("Estimate: national Medicare physician fee schedule allowed amount of the claim lines behind this pattern's "
         "flags (each claim's flagged lines priced together, as listed in the report), before deductible, "
         "coinsurance and sequestration; not what any payer will recoup.")


class DollarsAtRisk(BaseModel):
    """The estimated allowed amount a flagged pattern puts at risk, non-facility and facility."""

    estimate: Literal[True] = True
    label: str = LABEL
    non_facility: float
    facility: float
    claims: int = Field(description="Claims priced: those listed under the pattern's flags.")
    claims_total: int = Field(description="Claims behind the flags, listed or not (over the per-flag limit).")
    lines_not_priced: int = Field(0, description="Flagged lines the RVU file gives no payable amount for.")


def dollars_at_risk(claims: list[tuple[date, list[str]]], claims_total: int, catalog: Catalog,
                    conversion_factor: float | None = None) -> DollarsAtRisk | None:
    """Price each (date of service, flagged lines as billed) claim; None without the RVU file or anything priced."""
    non_facility = facility = Decimal(0)
    not_priced = 0
    priced = False
    for dos, codes in claims:
        try:
            lines = [parse_line(c) for c in codes]
        except InvalidInput:
            not_priced += len(codes)
            continue
        est = estimate_if_imported(lines, catalog, dos, conversion_factor)
        if est is None:
            return None
        priced = True
        non_facility += Decimal(str(est.total_non_facility))
        facility += Decimal(str(est.total_facility))
        not_priced += sum(1 for ln in est.lines if not ln.priced)
    if not priced:
        return None
    return DollarsAtRisk(non_facility=float(non_facility), facility=float(facility), claims=len(claims),
                         claims_total=claims_total, lines_not_priced=not_priced)


def price_patterns(patterns: list[PatternResult], catalog: Catalog, conversion_factor: float | None = None) -> None:
    """Set `at_risk` on every flagged pattern: its flags' listed claims, each claim's flagged lines once."""
    for pattern in patterns:
        if not pattern.flags:
            continue
        merged: dict[tuple[str, date], dict[int, str]] = {}
        for flag in pattern.flags:
            for ref in flag.claims:
                merged.setdefault((ref.claim_id, ref.dos), {}).update(zip(ref.lines, ref.codes, strict=True))
        claims = [(dos, [lines[n] for n in sorted(lines)]) for (_, dos), lines in merged.items()]
        pattern.at_risk = dollars_at_risk(claims, max(len(claims), sum(f.claims_total for f in pattern.flags)),
                                          catalog, conversion_factor)


def at_risk_text(risk: DollarsAtRisk) -> str:
    """One line for the report and the findings CSV, the estimate label included."""
    more = f" listed of {risk.claims_total:,}" if risk.claims_total > risk.claims else ""
    listed = f"{risk.claims:,} claims{more}"
    unpriced = f"; {risk.lines_not_priced:,} flagged lines not priced" if risk.lines_not_priced else ""
    return (f"Dollars at risk (estimate): ${risk.non_facility:,.2f} non-facility, ${risk.facility:,.2f} facility, "
            f"over {listed}{unpriced}. {risk.label}")


__all__ = ["DollarsAtRisk", "at_risk_text", "dollars_at_risk", "price_patterns"]
