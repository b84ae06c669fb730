"""POST /api/search (hybrid passages), GET /api/docs (knowledge browser), GET /api/docs/{id} (citation viewer)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from advisor import operations
from advisor.api.deps import ServicesDep
from advisor.operations import SearchRequest, SearchResponse
from advisor.retrieval.knowledge import browse_documents, get_document, render_html

router = APIRouter(prefix="/api", tags=["search"])


class DocSummary(BaseModel):
    id: str
    title: str
    topics: list[str]
    codes: list[str]


class DocList(BaseModel):
    documents: list[DocSummary]


class DocBody(DocSummary):
    sources: list[str]
    effective: date
    reviewed: date
    markdown: str
    html: str


@router.post("/search", response_model=SearchResponse, responses={503: {
    "description": "The guidance index is still being built (first start): {error: IndexBuilding, message with the "
    "build's percentage, where}, and a Retry-After header in seconds; GET /healthz shows the progress."}})
def post_search(body: SearchRequest, services: ServicesDep) -> SearchResponse:
    """Passages need the index: while it builds, answer at once with a 503 saying how far it is (never wait)."""
    return operations.search_guidance(body, services)


@router.get("/docs", response_model=DocList)
def list_docs(services: ServicesDep) -> DocList:
    docs = browse_documents(services.settings.knowledge_dir)
    return DocList(documents=[DocSummary(id=d.id, title=d.title, topics=d.topics, codes=d.codes) for d in docs])


@router.get("/docs/{doc_id}", response_model=DocBody)
def get_doc(doc_id: str, services: ServicesDep) -> DocBody:
    d = get_document(services.settings.knowledge_dir, doc_id)
    return DocBody(
        id=d.id, title=d.title, topics=d.topics, codes=d.codes, sources=d.sources, effective=d.effective,
        reviewed=d.reviewed, markdown=d.markdown, html=render_html(d.markdown),
    )  # fmt: skip


@asynccontextmanager
async def index_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At startup, build or update the retrieval index in the background (never blocking startup)."""
    services = app.state.services
    if services.settings.index_on_start:
        await run_in_threadpool(services.retrieval.start_background)
    yield
