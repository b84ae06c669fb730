"""The long-lived services the app holds (catalog, retrieval, answering, storage), built lazily, once."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from advisor.rules.catalog import Catalog, load_catalog
from advisor.settings import Settings

if TYPE_CHECKING:
    from advisor.retrieval.search import Searcher
    from advisor.retrieval.service import RetrievalService
    from advisor.answer.pipeline import AnswerPipeline
    from advisor.store import ConversationStore


class Services:
    """One per app. Heavy parts (embedding model, vector store) load on first use, never at import."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()

    @property
    def catalog(self) -> Catalog:
        """The curated tables plus any imported CMS tables; a new `advisor data import` is seen without a restart
        (load_catalog re-reads the rules database only when its file changes)."""
        return load_catalog(self.settings)

    @cached_property
    def store(self) -> ConversationStore:
        """Conversations and feedback (SQLite under data_dir, or ADVISOR_DATABASE_URL)."""
        from advisor.store import ConversationStore

        with self._lock:
            return ConversationStore(self.settings)

    @cached_property
    def retrieval(self) -> RetrievalService:
        """Knowledge index + hybrid search; cheap to create, the model loads on first search (or at startup)."""
        from advisor.retrieval.service import RetrievalService

        with self._lock:
            return RetrievalService(self.settings)

    @cached_property
    def searcher(self) -> Searcher:
        """`searcher.search(query, k, codes, topics) -> list[Passage]`; builds the index first if missing
        (blocks while a startup build runs; a failed build raises and is retried on the next access)."""
        return self.retrieval.searcher()

    @cached_property
    def answerer(self) -> AnswerPipeline:
        """The question-answering pipeline (understanding -> rules -> retrieval -> writer); the searcher and the
        embedding model behind it load on the first question, not here."""
        from advisor.answer.pipeline import make_pipeline

        with self._lock:
            return make_pipeline(self)


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
