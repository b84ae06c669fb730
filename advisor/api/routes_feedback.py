"""Feedback on answers: thumbs up/down with an optional comment, and the export for the team lead's review."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from advisor.api.actor import log_access
from advisor.api.deps import PrincipalDep, ServicesDep
from advisor.store.models import MAX_COMMENT, FeedbackRow, Rating

router = APIRouter(prefix="/api", tags=["feedback"])


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(..., min_length=1, max_length=64)
    rating: Rating
    comment: str | None = Field(None, max_length=MAX_COMMENT)


class FeedbackSaved(BaseModel):
    id: int
    answer_id: str
    rating: Rating
    comment: str | None
    created: datetime


@router.post("/feedback", response_model=FeedbackSaved, status_code=201)
def post_feedback(body: FeedbackBody, services: ServicesDep, me: PrincipalDep) -> FeedbackSaved:
    """Rate one of your answers (unknown answer_id, or another user's → 404). Every rating is kept; the latest one
    is shown on the answer."""
    row = services.store.add_feedback(body.answer_id, body.rating, body.comment, owner=me.id)
    return FeedbackSaved(id=row.id, answer_id=row.answer_id, rating=row.rating, comment=row.comment,
                         created=row.created)


@router.get("/feedback", response_model=list[FeedbackRow])
def get_feedback(
    services: ServicesDep, request: Request,
    format: Literal["json", "csv"] = Query("json", description="json or csv"),
) -> list[FeedbackRow] | Response:
    """The team's feedback with the rated question and answer (CSV for a spreadsheet); leads and admins."""
    rows = services.store.feedback_rows()
    log_access(request, "feedback.export", format=format, rows=len(rows))
    if format == "csv":
        from advisor.store.export import feedback_csv

        stamp = datetime.now(UTC).strftime("%Y%m%d")
        return Response(
            feedback_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="advisor-feedback-{stamp}.csv"',
                "Cache-Control": "no-store",
            },
        )
    return rows
