"""POST /api/check: run the rules engine on the claim lines of one date of service. POST /api/recommend: the claim
lines for a structured encounter. Both are advisor.operations, shared with the MCP server."""

from __future__ import annotations

from fastapi import APIRouter

from advisor import operations
from advisor.api.deps import ServicesDep
from advisor.operations import CheckRequest
from advisor.rules.model import CheckResult, Encounter, Recommendation

router = APIRouter(prefix="/api", tags=["check"])


@router.post("/check", response_model=CheckResult)
def post_check(body: CheckRequest, services: ServicesDep) -> CheckResult:
    return operations.check_claim(body, services)


@router.post("/recommend", response_model=Recommendation)
def post_recommend(body: Encounter, services: ServicesDep) -> Recommendation:
    """What to bill for a described encounter (procedures with family, region, levels, laterality, imaging...; the
    E/M visit; facts): the recommended claim lines, checked, with the findings and how each line was derived."""
    return operations.recommend_codes(body, services)
