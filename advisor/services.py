"""The composition root: the long-lived services (catalog, retrieval, answering, storage) built once, lazily, and
passed to whatever needs them. The API, the CLI, the evaluation and the audit all start here; the rules engine and
the question reader receive the catalog instead of loading it themselves."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from advisor.rules.catalog import Catalog, curated_catalog
from advisor.settings import Settings

if TYPE_CHECKING:
    from advisor.answer.pipeline import AnswerPipeline
    from advisor.auth.accounts import AccountStore
    from advisor.retrieval.search import Searcher
    from advisor.retrieval.service import RetrievalService
    from advisor.store import ConversationStore
    from advisor.store.access import AccessLog


class Services:
    """One per app. Heavy parts (embedding model, vector store) load on first use, never at import."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()

    @property
    def catalog(self) -> Catalog:
        """The curated tables plus any imported CMS tables; a new `advisor data import` is seen without a restart
        (the rules database is re-read only when its generation moves: any process's import, on any host sharing a
        PostgreSQL rules database)."""
        return build_catalog(self.settings)

    @cached_property
    def store(self) -> ConversationStore:
        """Conversations and feedback (SQLite under data_dir, or ADVISOR_DATABASE_URL)."""
        from advisor.store import ConversationStore

        with self._lock:
            return ConversationStore(self.settings)

    @cached_property
    def access(self) -> AccessLog:
        """The access log (who opened, exported, imported or deleted what), in the conversation store's database."""
        from advisor.store.access import AccessLog

        with self._lock:
            return AccessLog(self.store)

    @cached_property
    def accounts(self) -> AccountStore:
        """Users, sign-in sessions and API tokens, in the conversation store's database (advisor.auth)."""
        from advisor.auth.accounts import AccountStore

        with self._lock:
            return AccountStore(self.store, self.settings.session_hours)

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


def build_catalog(settings: Settings) -> Catalog:
    """The catalog every check reads: the curated tables, consulting the imported CMS tables when the settings'
    rules database holds any."""
    from advisor.data.backend import rules_db
    from advisor.data.tables import with_imported

    catalog = with_imported(curated_catalog(), rules_db(settings))
    return catalog.model_copy(update={"default_mac": settings.mac}) if settings.mac else catalog


__all__ = ["Services", "build_catalog"]
