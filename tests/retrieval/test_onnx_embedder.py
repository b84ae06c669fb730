"""The ONNX Runtime embedder against the reference: the real packaged MiniLM, real knowledge chunks, a real export."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from advisor.retrieval.chunking import chunk_document
from advisor.retrieval.embeddings import SentenceTransformerEmbedder, default_model_path, make_embedder
from advisor.retrieval.knowledge import load_knowledge
from advisor.retrieval.onnx_embedder import OnnxEmbedder, mean_pool_normalize, model_digest
from advisor.settings import PROJECT_ROOT, Settings
from tests.retrieval.conftest import KNOWLEDGE

pytestmark = pytest.mark.slow

MODEL = default_model_path(Settings())
QUESTIONS = ["bilateral L4-5 L5-S1 medial branch block, how many units?", "Is 0216T covered by Medicare?",
             "when do I use XS instead of 59", "KX", "trigger point injections in 3 muscles plus 99213 same day"]


@pytest.fixture(scope="module")
def cache_dir(onnx_model_cache: Path) -> Path:
    return onnx_model_cache / "onnx"


@pytest.fixture(scope="module")
def onnx(cache_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(MODEL, cache_dir)  # exports the model (child process) unless the session did already


@pytest.fixture(scope="module")
def reference() -> SentenceTransformerEmbedder:
    embedder = make_embedder(Settings(embedder="sentence-transformers"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


def sample_chunks(n: int = 48) -> list[str]:
    """Every k-th chunk of the real knowledge base, plus two whole documents (past the 256-token limit, so the
    truncation is compared too)."""
    docs = load_knowledge(KNOWLEDGE)
    chunks = [c.embed_text for d in docs for c in chunk_document(d)]
    return chunks[:: max(1, len(chunks) // n)][: n - 2] + [d.markdown for d in docs[:2]]


def test_vectors_agree_with_sentence_transformers(onnx: OnnxEmbedder, reference: SentenceTransformerEmbedder) -> None:
    texts = sample_chunks() + QUESTIONS
    ours, theirs = onnx.embed(texts, batch_size=16), reference.embed(texts)
    assert ours.shape == theirs.shape == (len(texts), 384) and ours.dtype == np.float32
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.999, [texts[i][:60] for i in np.argsort(cosine)[:3]]
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    for q, want in zip(QUESTIONS, theirs[-len(QUESTIONS):], strict=True):  # alone, unpadded: the query path
        assert float(onnx.embed_query(q) @ want) >= 0.999
    assert onnx.model_id == reference.model_id  # one index serves both runtimes


def test_batch_order_and_padding_do_not_change_a_vector(onnx: OnnxEmbedder) -> None:
    texts = sample_chunks(12)
    batched = onnx.embed(texts, batch_size=5)  # length-sorted batches with padding
    alone = np.stack([onnx.embed([t])[0] for t in texts])
    assert np.allclose(batched, alone, atol=1e-5)


def test_the_export_is_cached_by_model_hash(onnx: OnnxEmbedder, cache_dir: Path) -> None:
    assert onnx.path == cache_dir / model_digest(MODEL) / "model.onnx"
    stamp = onnx.path.stat().st_mtime_ns
    again = OnnxEmbedder(MODEL, cache_dir)
    assert again.path == onnx.path and onnx.path.stat().st_mtime_ns == stamp  # reused, not exported again


def test_model_digest_follows_file_contents(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"a" * 100)
    first = model_digest(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"b" * 100)  # same size, other weights
    assert model_digest(tmp_path) != first


def test_mean_pooling_ignores_padding() -> None:
    hidden = np.array([[[3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    assert np.allclose(mean_pool_normalize(hidden, np.array([[1, 0]])), [[0.6, 0.8]])


def test_serving_with_onnx_never_imports_torch(onnx: OnnxEmbedder, cache_dir: Path, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from advisor.retrieval.embeddings import make_embedder\n"
        "from advisor.settings import Settings\n"
        f"e = make_embedder(Settings(data_dir={str(tmp_path)!r}, model_cache_dir={str(cache_dir.parent)!r}))\n"
        "v = e.embed_query('bilateral medial branch block')\n"
        "print(type(e).__name__, v.shape, 'torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["OnnxEmbedder", "(384,)", "False", "False"]


def test_onnx_falls_back_to_sentence_transformers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A model directory without tokenizer.json (sentence-transformers still reads vocab.txt): same model, on torch."""
    model = tmp_path / "model"
    model.mkdir()
    for f in MODEL.iterdir():
        if f.name != "tokenizer.json":
            (model / f.name).symlink_to(f)
    settings = Settings(data_dir=tmp_path / "data", embedding_model_path=model)
    with caplog.at_level(logging.WARNING, logger="advisor.retrieval"):
        embedder = make_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert "falling back to sentence-transformers" in caplog.text and "tokenizer.json" in caplog.text


def test_int8_is_close_but_kept_apart(onnx: OnnxEmbedder, cache_dir: Path) -> None:
    int8 = OnnxEmbedder(MODEL, cache_dir, int8=True)
    assert int8.path.name == "model.int8.onnx" and int8.path.stat().st_size < onnx.path.stat().st_size / 3
    texts = sample_chunks(16) + QUESTIONS
    cosine = (int8.embed(texts) * onnx.embed(texts)).sum(axis=1)
    assert cosine.min() > 0.95 and np.median(cosine) > 0.98
    assert int8.model_id == onnx.model_id + ":int8"  # an index built with one is rebuilt for the other
