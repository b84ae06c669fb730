"""Integration: the real all-MiniLM-L6-v2 model, a real on-disk Chroma store, the real knowledge base."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from advisor.retrieval.chunking import chunk_document
from advisor.retrieval.embeddings import SentenceTransformerEmbedder, default_model_path, make_embedder
from advisor.retrieval.ingest import ingest
from advisor.retrieval.knowledge import load_knowledge
from advisor.retrieval.search import Searcher
from advisor.retrieval.store import VectorStore
from advisor.settings import Settings
from tests.retrieval.conftest import KNOWLEDGE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("real")
    shutil.copytree(KNOWLEDGE, root / "knowledge")
    return Settings(data_dir=root / "data", knowledge_dir=root / "knowledge", embedder="sentence-transformers",
                    chroma_url=None)  # fmt: skip


@pytest.fixture(scope="module")
def searcher(real_settings: Settings) -> Searcher:
    report = ingest(real_settings)
    assert report.chunks_total == report.chunks_embedded > 0
    return Searcher.open(real_settings)


def test_embedder_matches_sentence_transformers_directly() -> None:
    embedder = make_embedder(Settings(embedder="sentence-transformers"))
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.dim == 384
    texts = ["bilateral medial branch block", "modifier XS on 20552", "64495 once"]
    direct = embedder.model.encode(texts, normalize_embeddings=True)
    ours = embedder.embed(texts)
    assert ours.shape == (3, 384) and ours.dtype == np.float32
    assert np.allclose(ours, direct, atol=1e-5)
    assert np.allclose(embedder.embed_query(texts[0]), direct[0], atol=1e-5)
    assert embedder.embed_query(texts[0]) is embedder.embed_query(texts[0])  # LRU cache hit
    assert embedder.model_id.startswith("st:model:") and str(default_model_path(Settings())).endswith("model")


@pytest.mark.parametrize(
    "query, token",
    [("64495", "64495"), ("Is 0216T covered?", "0216T"), ("G0260 bilateral ASC", "G0260"), ("20611", "20611"),
     ("64625 coverage", "64625"), ("01996", "01996"), ("when do I use XS", "XS"), ("KX", "KX"), ("77003", "77003")],
)  # fmt: skip
def test_a_query_naming_a_code_or_modifier_surfaces_passages_naming_it(searcher: Searcher, query: str, token: str) -> None:
    hits = searcher.search(query, k=3)
    assert len(hits) == 3
    for h in hits:
        assert token in h.codes or token in _mods(searcher, h.chunk_id), h
        assert token in h.text or token in h.section or token in h.title or "-" in h.text  # named, or in a range


def _mods(searcher: Searcher, chunk_id: str) -> list[str]:
    return next(c.modifiers for c in searcher._index.chunks if c.chunk_id == chunk_id)


@pytest.mark.parametrize(
    "query, doc",
    [("MBB levels", "facet-injections"), ("TFESI two levels", "transforaminal-epidural"),
     ("ILESI units", "epidural-interlaminar"), ("SIJ RFA", "si-joint-nerve-procedures"),
     ("how many muscles for TPI", "trigger-point-injections"), ("US guided knee injection", "joint-injections-ultrasound")],
)  # fmt: skip
def test_coder_shorthand_finds_the_right_document(searcher: Searcher, query: str, doc: str) -> None:
    assert doc in [h.doc for h in searcher.search(query, k=5)]


def test_filters_with_the_real_index(searcher: Searcher) -> None:
    hits = searcher.search("bilateral", k=10, codes=["64633"])
    assert hits and all("64633" in h.codes or "64633" in _doc_codes(searcher, h.doc) for h in hits)
    hits = searcher.search("sessions per year", k=10, topics=["lcd"])
    docs = {d.id: d for d in load_knowledge(KNOWLEDGE)}
    assert hits and all("lcd" in docs[h.doc].topics for h in hits)


def _doc_codes(searcher: Searcher, doc: str) -> list[str]:
    return next(c.doc_codes for c in searcher._index.chunks if c.doc == doc)


def test_incremental_reingest_with_the_real_model(tmp_path: Path) -> None:
    kdir = tmp_path / "kb"
    kdir.mkdir()
    for name in ("facet-injections", "modifier-kx", "glossary", "facet-rfa"):
        shutil.copy(KNOWLEDGE / f"{name}.md", kdir)
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=kdir, embedder="sentence-transformers", chroma_url=None)
    first = ingest(settings)
    store = VectorStore(settings)
    rfa_before = store.collection().get(where={"doc": "facet-rfa"}, include=["embeddings"])

    (kdir / "glossary.md").unlink()
    kx = kdir / "modifier-kx.md"
    kx.write_text(kx.read_text() + "\n## Added in review\n\nKX is never used on 99213.\n")
    shutil.copy(KNOWLEDGE / "modifier-25.md", kdir)
    report = ingest(settings)
    assert (report.added, report.updated, report.removed) == (["modifier-25"], ["modifier-kx"], ["glossary"])
    assert sorted(report.unchanged) == ["facet-injections", "facet-rfa"]
    want = {c.chunk_id for d in load_knowledge(kdir) for c in chunk_document(d)}
    ids = [r[0] for r in store.records()]
    assert len(ids) == len(set(ids)) == report.chunks_total and set(ids) == want
    assert not any(i.startswith("glossary#") for i in ids)
    rfa_after = store.collection().get(where={"doc": "facet-rfa"}, include=["embeddings"])
    assert rfa_after["ids"] == rfa_before["ids"]
    assert np.array_equal(np.asarray(rfa_after["embeddings"]), np.asarray(rfa_before["embeddings"]))  # not re-embedded
    assert first.knowledge_version != report.knowledge_version
    hit = Searcher.open(settings).search("KX on 99213 added in review", k=1)[0]
    assert hit.doc == "modifier-kx" and "Added in review" in hit.section

    # Switching to another embedding model rebuilds instead of mixing vectors.
    fake = Settings(data_dir=tmp_path / "data", knowledge_dir=kdir, embedder="fake", chroma_url=None)
    switched = ingest(fake)
    assert switched.rebuilt and switched.chunks_total == report.chunks_total
