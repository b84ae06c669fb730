"""The Chroma collection holding chunk vectors: embedded on disk by default, a Chroma server if chroma_url is set.

The collection metadata is the index manifest (embedding model, chunker, knowledge version), so the index
describes itself in both modes and a model change is detected without any side file.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Literal, overload
from urllib.parse import urlparse

import numpy as np

from advisor.errors import DataError
from advisor.retrieval.chunking import Chunk
from advisor.settings import Settings

log = logging.getLogger("advisor.retrieval")

INDEX_SCHEMA = "1"
_LIST_FIELDS = ("codes", "modifiers", "doc_codes", "topics", "sources")


def chunk_metadata(chunk: Chunk, n_chunks: int) -> dict[str, Any]:
    """Chroma metadata for one chunk; empty lists are omitted (Chroma rejects them)."""
    meta: dict[str, Any] = {
        "doc": chunk.doc, "title": chunk.title, "section": chunk.section, "position": chunk.position,
        "doc_hash": chunk.doc_hash, "n_chunks": n_chunks,
    }  # fmt: skip
    for field in _LIST_FIELDS:
        values = getattr(chunk, field)
        if values:
            meta[field] = list(values)
    return meta


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id, doc=str(meta["doc"]), title=str(meta.get("title", "")), section=str(meta.get("section", "")),
        text=text or "", position=int(meta.get("position", 0)), doc_hash=str(meta.get("doc_hash", "")),
        **{f: [str(v) for v in (meta.get(f) or [])] for f in _LIST_FIELDS},
    )  # fmt: skip


class VectorStore:
    """Thin wrapper over one Chroma collection; recovers from a corrupt local store by starting afresh."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = settings.collection
        self._client: Any = None
        self._collection: Any = None
        self._lock = threading.RLock()

    @property
    def local_path(self) -> Path:
        return Path(self.settings.data_dir) / "chroma"

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.local_path)

    def _connect(self) -> Any:
        import chromadb

        chroma_settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
        if self.settings.chroma_url:
            url = urlparse(self.settings.chroma_url)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise DataError(f"chroma_url must look like http://host:port, got {self.settings.chroma_url!r}")
            port = url.port or (443 if url.scheme == "https" else 8000)
            return chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
        self.local_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.local_path), settings=chroma_settings)

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                try:
                    self._client = self._connect()
                except DataError:
                    raise
                except Exception as exc:  # noqa: BLE001 - chroma raises many types for a store it cannot open
                    if self.settings.chroma_url:
                        raise DataError(f"cannot reach the Chroma server at {self.location} ({exc})") from None
                    self._discard_local(f"cannot open ({type(exc).__name__}: {exc})")
                    self._client = self._connect()
            return self._client

    def _discard_local(self, why: str) -> None:
        """A corrupt on-disk store is moved aside (kept for inspection) so the index can be rebuilt."""
        log.warning("chroma store at %s is unusable, rebuilding: %s", self.local_path, why)
        client, self._client, self._collection = self._client, None, None
        try:
            from chromadb.api.shared_system_client import SharedSystemClient

            if client is not None and hasattr(client, "close"):
                client.close()
            # Chroma caches one system per path; forget ours (only ours) so reopening starts clean.
            system = SharedSystemClient._identifier_to_system.pop(str(self.local_path), None)
            SharedSystemClient._identifier_to_refcount.pop(str(self.local_path), None)
            if system is not None:
                system.stop()
        except Exception:  # noqa: BLE001 - best effort: only matters when the same path is reopened
            pass
        if self.local_path.exists():
            for old in self.local_path.parent.glob("chroma.corrupt-*"):  # keep only the latest casualty
                shutil.rmtree(old, ignore_errors=True)
            aside = self.local_path.with_name(f"chroma.corrupt-{int(time.time())}")
            shutil.move(str(self.local_path), str(aside))

    @overload
    def collection(self, create: Literal[True]) -> Any: ...

    @overload
    def collection(self, create: bool = False) -> Any | None: ...

    def collection(self, create: bool = False) -> Any | None:
        """The collection, or None if it does not exist yet (and create is False)."""
        with self._lock:
            if self._collection is not None:
                return self._collection
            try:
                self._collection = self.client.get_collection(self.name, embedding_function=None)
                self._collection.count()  # touches the segment files: corruption surfaces here
            except Exception as exc:  # noqa: BLE001 - chroma raises several types for "missing"
                self._collection = None
                if "does not exist" not in str(exc).lower() and "not found" not in str(exc).lower():
                    if self.settings.chroma_url:
                        raise DataError(f"Chroma server at {self.location} failed: {exc}") from None
                    self._discard_local(f"{type(exc).__name__}: {exc}")
                if not create:
                    return None
                self._collection = self.client.create_collection(
                    self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                    metadata={"schema": INDEX_SCHEMA, "complete": False},
                )  # fmt: skip
            return self._collection

    def recover(self, why: str) -> None:
        """Called when a query fails on a store that opened fine: drop it so the next use rebuilds."""
        with self._lock:
            if self.settings.chroma_url:
                self.drop()
            else:
                self._discard_local(why)

    def manifest(self) -> dict[str, Any]:
        col = self.collection()
        return dict(col.metadata or {}) if col is not None else {}

    def set_manifest(self, manifest: dict[str, Any]) -> None:
        col = self.collection(create=True)
        col.modify(metadata={k: v for k, v in manifest.items() if v is not None})

    def drop(self) -> None:
        """Delete the collection (a rebuild starts from nothing)."""
        with self._lock:
            try:
                self.client.delete_collection(self.name)
            except Exception as exc:
                if "does not exist" not in str(exc).lower() and "not found" not in str(exc).lower():
                    raise
            self._collection = None

    def count(self) -> int:
        col = self.collection()
        return int(col.count()) if col is not None else 0

    def records(self, include_embeddings: bool = False) -> list[tuple[str, str, dict[str, Any]]]:
        """Every (id, text, metadata), paged so a big collection never exceeds a request limit."""
        col = self.collection()
        if col is None:
            return []
        out: list[tuple[str, str, dict[str, Any]]] = []
        page = 1000
        offset = 0
        while True:
            got = col.get(include=["documents", "metadatas"], limit=page, offset=offset)
            ids = got["ids"]
            out.extend(zip(ids, got["documents"] or [""] * len(ids), got["metadatas"] or [{}] * len(ids), strict=True))
            if len(ids) < page:
                return out
            offset += page

    def add(self, chunks: list[Chunk], embeddings: np.ndarray, n_chunks: dict[str, int]) -> None:
        col = self.collection(create=True)
        batch = max(1, min(1000, int(self.client.get_max_batch_size())))
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            col.add(
                ids=[c.chunk_id for c in part], embeddings=embeddings[i : i + batch],
                documents=[c.text for c in part], metadatas=[chunk_metadata(c, n_chunks[c.doc]) for c in part],
            )  # fmt: skip

    def delete(self, ids: list[str]) -> None:
        col = self.collection()
        if col is None or not ids:
            return
        for i in range(0, len(ids), 1000):
            col.delete(ids=ids[i : i + 1000])

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Nearest chunks as (id, cosine similarity), best first."""
        col = self.collection()
        if col is None or n <= 0:
            return []
        got = col.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n, where=where,
                        include=["distances"])  # fmt: skip
        ids = got["ids"][0] if got["ids"] else []
        dists = got["distances"][0] if got.get("distances") else [0.0] * len(ids)
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]
