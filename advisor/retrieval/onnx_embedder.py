"""The packaged MiniLM on ONNX Runtime: ~3 ms per query instead of ~12 ms, and no torch in the serving process.

The graph is exported once per model (a child process runs advisor.retrieval.onnx_export) and cached under
`data_dir/models/onnx/<hash of the model files>/`, so a changed model is exported again and never mixed up.
Tokenisation (the model's own tokenizer.json, fast `tokenizers`), mean pooling and L2 normalisation follow
sentence-transformers exactly, so vectors agree with it (cosine >= 0.999) and one index serves both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from advisor.errors import DataError
from advisor.retrieval.embeddings import CachedQueries, QueryCache, model_fingerprint

log = logging.getLogger("advisor.retrieval")

EXPORT_TIMEOUT_S = 600
SORT_BATCHES = 8  # above this many texts, embed in length order (less padding), as sentence-transformers does


def model_digest(model_dir: Path) -> str:
    """sha256 over every file of the model directory (names and bytes): the ONNX cache key."""
    h = hashlib.sha256()
    for f in sorted(p for p in model_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        h.update(f"{f.relative_to(model_dir)}\0".encode())
        with f.open("rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()[:16]


def onnx_file(model_dir: Path, cache_dir: Path, int8: bool = False) -> Path:
    """The cached ONNX export of `model_dir`, exported first (in a child process, ~10 s) when missing."""
    dest = cache_dir / model_digest(model_dir) / ("model.int8.onnx" if int8 else "model.onnx")
    if dest.is_file():
        return dest
    log.info("exporting %s to ONNX at %s (once per model)", model_dir, dest)
    cmd = [sys.executable, "-m", "advisor.retrieval.onnx_export", str(model_dir), str(dest)]
    cmd += ["--int8"] if int8 else []
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DataError(f"ONNX export of {model_dir} failed to run: {exc}", where=str(dest)) from None
    if done.returncode != 0 or not dest.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise DataError(f"ONNX export of {model_dir} failed (exit {done.returncode}): {' | '.join(tail)}",
                        where=str(dest))  # fmt: skip
    return dest


def _max_tokens(model_dir: Path) -> int:
    """sentence-transformers truncates at `max_seq_length` (256 for MiniLM), not the tokenizer file's 128."""
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 256))
    return 256


def mean_pool_normalize(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling(mean) + Normalize: masked mean over tokens, then unit L2 length."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.asarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)


class OnnxEmbedder(CachedQueries):
    """Same model, same vectors as SentenceTransformerEmbedder (same `model_id`), run by ONNX Runtime on CPU;
    `int8` trades a little ranking quality for speed (see README, Retrieval)."""

    def __init__(self, model_dir: Path, cache_dir: Path, int8: bool = False) -> None:
        if not (model_dir / "tokenizer.json").is_file():
            raise DataError(f"embedding model directory {model_dir} has no tokenizer.json", where=str(model_dir))
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.path = onnx_file(model_dir, cache_dir, int8)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(_max_tokens(model_dir))
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # no busy-waiting between ops: on a shared machine spinning threads steal the cores other work needs
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session: Any = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types for an unreadable graph
            raise DataError(f"cannot load the ONNX model {self.path}: {exc}", where=str(self.path)) from None
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        # int8 vectors differ from fp32 (cosine ~0.99): an index must not mix them, so they get their own id
        self.model_id = model_fingerprint(model_dir) + (":int8" if int8 else "")
        self.cache = QueryCache()
        self._lock = threading.Lock()  # one inference at a time: two at once only split the same 2 cores

    def _run(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        with self._lock:
            (hidden,) = self.session.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in self.inputs})
        return mean_pool_normalize(hidden, feeds["attention_mask"])

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = np.arange(len(texts))
        if len(texts) > SORT_BATCHES:
            order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = self._run([texts[i] for i in idx])
        return out
