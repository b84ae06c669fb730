"""POST /api/check: run the rules engine on the claim lines of one date of service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from advisor.api.deps import ServicesDep
from advisor.claims import MAX_LINES, ClaimLine, coerce_lines
from advisor.rules.engine import check
from advisor.rules.model import CheckResult, Facts, Payer

router = APIRouter(prefix="/api", tags=["check"])


class CheckRequest(BaseModel):
    """Claim lines as text (`64493-50 x1`) or objects, the payer, and optional encounter facts."""

    model_config = ConfigDict(extra="forbid")

    lines: list[str | ClaimLine | dict[str, Any]] = Field(
        ..., max_length=MAX_LINES, examples=[["99213-25", "64493-50", "64494-50"]]
    )
    payer: Payer | None = None
    facts: Facts = Field(default_factory=Facts)


@router.post("/check", response_model=CheckResult)
def post_check(body: CheckRequest, services: ServicesDep) -> CheckResult:
    lines = coerce_lines(list(body.lines))
    facts = body.facts if body.payer is None else body.facts.model_copy(update={"payer": body.payer})
    return check(lines, facts, services.catalog)
