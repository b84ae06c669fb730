"""The editable understanding: the values its fields accept, and recomputing an answer from the coder's correction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from advisor.answer.correct import correct_turn
from advisor.answer.edits import Choices, UnderstandingEdit
from advisor.answer.model import Answer
from advisor.answer.understood import choices
from advisor.api.deps import PrincipalDep, ServicesDep
from advisor.api.limits import rate_limit
from advisor.api.pool import Cancel, PoolsDep

router = APIRouter(prefix="/api", tags=["understanding"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/understanding/choices", response_model=Choices)
def get_choices(services: ServicesDep) -> Choices:
    """The values each field of a correction accepts (families and their fields, regions, sides, guidance, purposes,
    joints, payers, settings, E/M codes), from the rules catalog."""
    return choices(services.catalog)


@router.post("/conversations/{conversation_id}/turns/{answer_id}/correct", response_model=Answer,
             response_model_exclude={"understanding"}, dependencies=[rate_limit("ask")])
async def post_correct(conversation_id: Id, answer_id: Id, body: UnderstandingEdit, services: ServicesDep,
                       pools: PoolsDep, me: PrincipalDep) -> Answer:
    """Recompute a turn's answer from the coder's corrected understanding (send back `understood` with the fields
    changed). The turn keeps its original answer and reading beside the correction; the response is the new answer,
    marked `corrected`. A value the catalog does not know is a 422 naming the field and the allowed values."""
    return await pools.answers.run(
        lambda: correct_turn(services.answerer, services.store.owned(me.id), conversation_id, answer_id, body),
        Cancel())
