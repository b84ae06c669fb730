"""Hybrid search: dense (Chroma) + BM25 (bm25s) + exact code/modifier matches, fused by reciprocal rank fusion.

Dense retrieval understands paraphrase ("both sides" ~ "bilateral") but is blind to exact tokens like 64495 or XS;
BM25 and the exact-match list make sure a query that names a code surfaces the passages that name it.
RRF needs no score calibration between the three lists, which is why it is used instead of a weighted sum.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from advisor.retrieval.buildlock import build_lock
from advisor.retrieval.chunking import Chunk
from advisor.retrieval.embeddings import Embedder, make_embedder
from advisor.retrieval.ingest import Progress, ensure_index
from advisor.retrieval.passage import Passage, validate_query
from advisor.retrieval.store import VectorStore, chunk_from_record
from advisor.retrieval.text import Shorthand, curated_shorthand, extract_codes, extract_modifiers, tokenize
from advisor.settings import Settings

log = logging.getLogger("advisor.retrieval")

RRF_K = 60  # the usual constant: damps the head so no single list dominates
DEPTH = 50  # candidates taken from each list before fusion
WEIGHTS = {"dense": 1.0, "bm25": 1.0, "exact": 1.0}
DOC_WEIGHT = 1.0  # weight of the document-level fusion term (see Searcher._fuse)
REFRESH_S = 30.0  # how often a long-lived searcher checks whether the index was re-ingested
Mode = Literal["dense", "bm25", "hybrid"]


@dataclass(frozen=True)
class QueryPlan:
    """A query as each ranker sees it: expanded text (dense), tokens (BM25), exact codes/modifiers (boost)."""

    text: str
    tokens: list[str]
    codes: frozenset[str]
    modifiers: frozenset[str]

    @classmethod
    def of(cls, query: str, shorthand: Shorthand) -> QueryPlan:
        expanded = shorthand.expand(query)
        return cls(expanded, tokenize(expanded), frozenset(extract_codes(query)), frozenset(extract_modifiers(query)))


class _Index:
    """The in-memory side of the index: chunk records and the warm BM25 model, built once per knowledge version."""

    def __init__(self, records: list[tuple[str, str, dict[str, Any]]], version: str | None) -> None:
        import bm25s

        self.version = version
        self.chunks: list[Chunk] = sorted((chunk_from_record(*r) for r in records), key=lambda c: (c.doc, c.position))
        self.pos = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.codes = [set(c.codes) for c in self.chunks]
        self.mods = [set(c.modifiers) for c in self.chunks]
        self.doc_codes = [set(c.doc_codes) for c in self.chunks]
        self.bm25 = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [tokenize(c.embed_text) or ["_"] for c in self.chunks]
        self.vocab: set[str] = {t for toks in corpus for t in toks}
        if corpus:
            self.bm25.index(corpus, show_progress=False)

    def mask(self, codes: set[str], topics: set[str]) -> np.ndarray:
        keep = np.ones(len(self.chunks), dtype=bool)
        if not codes and not topics:
            return keep
        for i, c in enumerate(self.chunks):
            if (codes and not codes & (set(c.codes) | set(c.doc_codes))) or (topics and not topics & set(c.topics)):
                keep[i] = False
        return keep


def _any_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def chroma_where(codes: set[str], topics: set[str]) -> dict[str, Any] | None:
    """The same filter as _Index.mask, in Chroma's where syntax (array metadata, $contains)."""
    parts = []
    if codes:
        parts.append(_any_of([{f: {"$contains": c}} for c in sorted(codes) for f in ("codes", "doc_codes")]))
    if topics:
        parts.append(_any_of([{"topics": {"$contains": t}} for t in sorted(topics)]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


class Searcher:
    """Answers `search(query, k)` from a warm BM25 index, Chroma and the query-embedding LRU cache. `shorthand`
    defaults to the curated catalog's; a test catalog passes its own."""

    def __init__(self, settings: Settings, embedder: Embedder, store: VectorStore,
                 shorthand: Shorthand | None = None) -> None:
        self.settings, self.embedder, self.store = settings, embedder, store
        self.shorthand = shorthand or curated_shorthand()
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._index = _Index(store.records(), store.manifest().get("knowledge_version"))

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, store: VectorStore | None = None,
             shorthand: Shorthand | None = None, progress: Progress | None = None,
             on_wait: Callable[[], None] | None = None) -> Searcher:
        """A searcher over an index that exists: built (or updated) first if missing or stale; `progress` hears
        (chunks embedded, total) while it builds. One process at a time loads the model and checks or builds the
        index (advisor.retrieval.buildlock); `on_wait` hears when this one has to wait for another's build."""
        with build_lock(settings, on_wait):
            embedder = embedder or make_embedder(settings)
            store = store or VectorStore(settings)
            ensure_index(settings, embedder, store, progress)
        return cls(settings, embedder, store, shorthand)

    @property
    def size(self) -> int:
        return len(self._index.chunks)

    def doc_ids(self) -> set[str]:
        return {c.doc for c in self._index.chunks}

    def reload(self) -> None:
        self._index = _Index(self.store.records(), self.store.manifest().get("knowledge_version"))

    def _refresh_if_stale(self) -> None:
        """Pick up a re-ingest done by another process (checked at most every REFRESH_S seconds)."""
        if time.monotonic() - self._checked < REFRESH_S:
            return
        with self._lock:
            self._checked = time.monotonic()
            manifest = self.store.manifest()
            if manifest.get("complete") and manifest.get("knowledge_version") != self._index.version:
                self.reload()

    def _dense(self, plan: QueryPlan, index: _Index, where: dict[str, Any] | None, depth: int) -> list[int]:
        vector = self.embedder.embed_query(plan.text)
        try:
            hits = self.store.query(vector, min(depth, len(index.chunks)), where)
        except Exception as exc:  # noqa: BLE001 - a corrupt or vanished store: rebuild once, then retry
            log.warning("vector query failed (%s); rebuilding the index", type(exc).__name__)
            with self._lock:
                self.store.recover(f"query failed: {exc}")
                ensure_index(self.settings, self.embedder, self.store)
                self.reload()
            index = self._index
            hits = self.store.query(vector, min(depth, len(index.chunks)), where)
        return [index.pos[i] for i, _ in hits if i in index.pos]

    def _bm25(self, plan: QueryPlan, index: _Index, keep: np.ndarray, depth: int) -> list[int]:
        tokens = [t for t in plan.tokens if t in index.vocab]
        if not tokens or not index.chunks:
            return []
        scores = np.where(keep, index.bm25.get_scores(tokens), 0.0)
        top = np.argsort(-scores, kind="stable")[:depth]
        return [int(i) for i in top if scores[i] > 0]

    def _exact(self, plan: QueryPlan, index: _Index, keep: np.ndarray, prior: dict[int, float]) -> list[int]:
        """Chunks naming a queried code or modifier: most matches first; then chunks of documents dedicated
        to the code (listed in a short front-matter `codes`, like an IDF); then the dense+BM25 fusion order."""
        if not plan.codes and not plan.modifiers:
            return []
        hits = []
        for i in range(len(index.chunks)):
            n = len(plan.codes & index.codes[i]) + len(plan.modifiers & index.mods[i])
            if n and keep[i]:
                about = len(plan.codes & index.doc_codes[i]) / max(1, len(index.doc_codes[i]))
                hits.append((-n, -about, -prior.get(i, 0.0), i))
        return [i for *_, i in sorted(hits)]

    @staticmethod
    def _fuse(index: _Index, lists: dict[str, list[int]]) -> dict[int, float]:
        """RRF over chunks plus RRF over their documents (each list's documents in first-seen order).

        The document term rewards agreement between lists that pick different chunks of the same document,
        which chunk-level RRF alone splits into two weak votes.
        """
        fused: dict[int, float] = {}
        doc_score: dict[str, float] = {}
        for name, ranked in lists.items():
            docs_seen: dict[str, int] = {}
            for r, i in enumerate(ranked):
                fused[i] = fused.get(i, 0.0) + WEIGHTS[name] / (RRF_K + r + 1)
                doc = index.chunks[i].doc
                if doc not in docs_seen:
                    docs_seen[doc] = len(docs_seen)
                    doc_score[doc] = doc_score.get(doc, 0.0) + WEIGHTS[name] / (RRF_K + docs_seen[doc] + 1)
        return {i: s + DOC_WEIGHT * doc_score[index.chunks[i].doc] for i, s in fused.items()}

    def rank(
        self, query: str, mode: Mode = "hybrid", depth: int = DEPTH,
        codes: list[str] | None = None, topics: list[str] | None = None,
    ) -> list[tuple[Chunk, float]]:  # fmt: skip
        """Chunks best first with their score under one ranker (dense, bm25) or the fusion (hybrid)."""
        self._refresh_if_stale()
        index = self._index
        if not index.chunks:
            return []
        code_set = {c.strip().upper() for c in codes or [] if c.strip()}
        topic_set = {t.strip().lower() for t in topics or [] if t.strip()}
        keep = index.mask(code_set, topic_set)
        plan = QueryPlan.of(query, self.shorthand)
        lists: dict[str, list[int]] = {}
        if mode in ("dense", "hybrid"):
            lists["dense"] = self._dense(plan, index, chroma_where(code_set, topic_set), depth)
            index = self._index  # a recovery may have swapped it
            keep = keep if len(keep) == len(index.chunks) else index.mask(code_set, topic_set)
        if mode in ("bm25", "hybrid"):
            lists["bm25"] = self._bm25(plan, index, keep, depth)
        if mode == "hybrid":
            lists["exact"] = self._exact(plan, index, keep, self._fuse(index, lists))
        fused = self._fuse(index, lists)
        best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:depth]
        return [(index.chunks[i], s) for i, s in best]

    def search(
        self, query: str, k: int = 5, codes: list[str] | None = None, topics: list[str] | None = None
    ) -> list[Passage]:
        """The k best passages for a coder's question (InvalidInput for empty/oversized queries or bad k)."""
        query = validate_query(query, k)
        ranked = self.rank(query, "hybrid", max(DEPTH, k), codes, topics)[:k]
        return [
            Passage(doc=c.doc, title=c.title, section=c.section, text=c.text, score=round(s, 6), sources=c.sources,
                    codes=c.codes, chunk_id=c.chunk_id)
            for c, s in ranked
        ]
