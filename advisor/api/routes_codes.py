"""The encoder view over HTTP: code search and detail, MUE units, PTP pairs, the modifier list and the payment
estimate of a claim (advisor/encoder)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from advisor.api.deps import ServicesDep
from advisor.claims import MAX_LINES, ClaimLine, coerce_lines
from advisor.dates import DateInput
from advisor.encoder.codes import code_detail, modifier_list, search_codes
from advisor.encoder.localities import LocalityList, list_localities
from advisor.encoder.model import CodeDetail, CodeHit, ModifierInfo, PairLookup, Units
from advisor.encoder.pairs import pair, units
from advisor.encoder.payment import PaymentEstimate, estimate

router = APIRouter(prefix="/api", tags=["codes"])
DateQuery = Annotated[DateInput | None, Query(
    alias="date", description="Date of service (2026-03-14 or 03/14/2026); default today. Selects the imported CMS "
                              "table versions.")]


@router.get("/codes", response_model=list[CodeHit])
def get_codes(services: ServicesDep,
              q: Annotated[str, Query(min_length=1, max_length=100, description="A code, its start, or words.")]
              ) -> list[CodeHit]:
    return search_codes(q, services.catalog)


@router.get("/codes/{code}", response_model=CodeDetail)
def get_code(code: str, services: ServicesDep, on: DateQuery = None) -> CodeDetail:
    return code_detail(code, services.catalog, on, services.settings.knowledge_dir)


@router.get("/codes/{code}/units", response_model=Units)
def get_units(code: str, services: ServicesDep, on: DateQuery = None) -> Units:
    return units(code, services.catalog, on)


@router.get("/pairs", response_model=PairLookup)
def get_pair(services: ServicesDep, a: Annotated[str, Query(max_length=20)],
             b: Annotated[str, Query(max_length=20)], on: DateQuery = None) -> PairLookup:
    return pair(a, b, services.catalog, on)


@router.get("/modifiers", response_model=list[ModifierInfo])
def get_modifiers(services: ServicesDep) -> list[ModifierInfo]:
    return modifier_list(services.catalog)


@router.get("/localities", response_model=LocalityList)
def get_localities(services: ServicesDep, on: DateQuery = None) -> LocalityList:
    """The Medicare localities of the imported GPCI file on the date: what `locality` accepts (its `key`) on
    POST /api/estimate and POST /api/ask. Empty, with a notice, when no GPCI file is imported."""
    return list_localities(services.catalog, on)


class EstimateRequest(BaseModel):
    """Claim lines (as for POST /api/check) and the date of service that picks the RVU file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    lines: list[str | ClaimLine | dict[str, Any]] = Field(..., max_length=MAX_LINES,
                                                          examples=[["64493-50", "64494-50", "20552"]])
    on: DateInput | None = Field(None, alias="date", description="Date of service (2026-03-14 or 03/14/2026); "
                                                                   "default today.")
    locality: str | None = Field(None, max_length=120, examples=["01182-18"],
                                 description="Medicare locality: MAC-locality (01182-18), state and locality "
                                             "(CA-18) or a unique part of its name; needs the imported GPCI file "
                                             "(409 without it). Absent: national amounts.")


@router.post("/estimate", response_model=PaymentEstimate)
def post_estimate(body: EstimateRequest, services: ServicesDep) -> PaymentEstimate:
    return estimate(coerce_lines(list(body.lines)), services.catalog, body.on, services.settings.conversion_factor,
                    body.locality)
