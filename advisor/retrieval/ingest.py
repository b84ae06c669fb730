"""Ingest: knowledge/*.md -> chunks -> vectors -> Chroma, incrementally.

Order matters for safety: validate every document first (a bad file stops ingest before anything is touched),
then embed what changed, and only then modify the collection. Unchanged documents (same content hash and a
complete set of chunk ids) are never re-embedded.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel

from advisor.errors import DataError
from advisor.retrieval.chunking import CHUNKER_VERSION, Chunk, chunk_document
from advisor.retrieval.embeddings import Embedder, make_embedder
from advisor.retrieval.knowledge import KnowledgeDoc, knowledge_version, load_knowledge
from advisor.retrieval.store import INDEX_SCHEMA, VectorStore
from advisor.settings import Settings

log = logging.getLogger("advisor.retrieval")

EMBED_BATCH = 32
Progress = Callable[[int, int], None]  # (chunks embedded so far, total)


class IngestReport(BaseModel):
    """What an ingest did; printed by `advisor ingest` and returned to tests."""

    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    unchanged: list[str] = []
    chunks_embedded: int = 0
    chunks_total: int = 0
    rebuilt: bool = False
    reason: str | None = None
    knowledge_version: str = ""
    embedding_model: str = ""
    seconds: float = 0.0


def index_signature(embedder: Embedder) -> dict[str, Any]:
    """What must match for stored vectors to be reusable: schema, model and chunker."""
    return {"schema": INDEX_SCHEMA, "embedding_model": embedder.model_id, "dim": embedder.dim,
            "chunker": CHUNKER_VERSION}  # fmt: skip


def rebuild_reason(manifest: dict[str, Any], embedder: Embedder) -> str | None:
    """Why the stored index cannot be updated incrementally, or None if it can."""
    for key, want in index_signature(embedder).items():
        have = manifest.get(key)
        if have is not None and str(have) != str(want):
            return f"{key} changed ({have} -> {want})"
    return None


def index_status(store: VectorStore, embedder_id: str | None = None) -> str:
    """'missing' | 'incomplete' | 'ready' (cheap: reads the manifest only)."""
    manifest = store.manifest()
    if not manifest or not manifest.get("knowledge_version"):
        return "missing"
    if not manifest.get("complete"):
        return "incomplete"
    if embedder_id is not None and manifest.get("embedding_model") != embedder_id:
        return "incomplete"
    return "ready"


def _existing(store: VectorStore) -> dict[str, dict[str, Any]]:
    """doc id -> {hash, ids, n} from the chunk metadata (the store is its own ledger)."""
    docs: dict[str, dict[str, Any]] = defaultdict(lambda: {"hashes": set(), "ids": [], "n": 0})
    for chunk_id, _, meta in store.records():
        entry = docs[str(meta.get("doc", ""))]
        entry["hashes"].add(str(meta.get("doc_hash", "")))
        entry["ids"].append(chunk_id)
        entry["n"] = max(entry["n"], int(meta.get("n_chunks", 0)))
    return dict(docs)


def _is_current(doc: KnowledgeDoc, entry: dict[str, Any] | None) -> bool:
    if entry is None or entry["hashes"] != {doc.content_hash}:
        return False
    return sorted(entry["ids"]) == sorted(f"{doc.id}#{i}" for i in range(entry["n"]))


def embed_chunks(embedder: Embedder, chunks: list[Chunk], progress: Progress | None = None) -> np.ndarray:
    texts = [c.embed_text for c in chunks]
    parts = []
    for i in range(0, len(texts), EMBED_BATCH * 4):
        parts.append(embedder.embed(texts[i : i + EMBED_BATCH * 4], batch_size=EMBED_BATCH))
        if progress:
            progress(min(i + EMBED_BATCH * 4, len(texts)), len(texts))
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def ingest(
    settings: Settings,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with knowledge/: add new, replace changed, delete removed documents."""
    started = time.perf_counter()
    docs = load_knowledge(settings.knowledge_dir)  # DataError here leaves the index untouched
    embedder = embedder or make_embedder(settings)
    store = store or VectorStore(settings)
    report = IngestReport(embedding_model=embedder.model_id, knowledge_version=knowledge_version(docs))

    manifest = store.manifest()
    reason = "requested" if rebuild else rebuild_reason(manifest, embedder)
    existing = {} if reason else _existing(store)
    current = {d.id: d for d in docs}

    to_embed: list[KnowledgeDoc] = []
    for doc in docs:
        if _is_current(doc, existing.get(doc.id)):
            report.unchanged.append(doc.id)
        else:
            (report.updated if doc.id in existing else report.added).append(doc.id)
            to_embed.append(doc)
    report.removed = sorted(d for d in existing if d not in current)

    chunks = [c for doc in to_embed for c in chunk_document(doc)]
    n_chunks = {doc.id: 0 for doc in to_embed}
    for c in chunks:
        n_chunks[c.doc] += 1
    vectors = embed_chunks(embedder, chunks, progress)  # still nothing written

    if reason:
        log.info("rebuilding index at %s: %s", store.location, reason)
        store.drop()
        report.rebuilt, report.reason = True, reason
    elif not manifest:
        report.reason = "new index"
    stale = [i for d in report.updated + report.removed for i in existing[d]["ids"]]
    if to_embed or stale or reason or not manifest.get("complete"):
        store.set_manifest({**index_signature(embedder), "complete": False,
                            "knowledge_version": manifest.get("knowledge_version") or "none"})  # fmt: skip
        store.delete(stale)
        store.add(chunks, vectors, n_chunks)
        store.set_manifest({**index_signature(embedder), "complete": True,
                            "knowledge_version": report.knowledge_version, "documents": len(docs),
                            "updated_at": int(time.time())})

    report.chunks_embedded = len(chunks)
    report.chunks_total = store.count()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def ensure_index(settings: Settings, embedder: Embedder, store: VectorStore,
                 progress: Progress | None = None) -> IngestReport | None:
    """Build or update the index if it is missing, stale, incomplete or built by another model; None if current.

    A broken knowledge file does not take a working index down: it is logged and the old index is served.
    """
    ready = index_status(store, embedder.model_id) == "ready" and not rebuild_reason(store.manifest(), embedder)
    try:
        current = knowledge_version(load_knowledge(settings.knowledge_dir)) if ready else None
        if ready and store.manifest().get("knowledge_version") == current:
            return None
        return ingest(settings, embedder=embedder, store=store, progress=progress)
    except DataError as exc:
        if not ready:
            raise
        log.error("knowledge not re-ingested, serving the existing index: %s", exc.message)
        return None
