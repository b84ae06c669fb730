"""Incremental ingest on a real (embedded) Chroma store with the fake embedder: fast and exact."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from advisor.errors import DataError, InvalidInput
from advisor.retrieval.chunking import chunk_document
from advisor.retrieval.embeddings import HashingEmbedder
from advisor.retrieval.ingest import ensure_index, index_status, ingest
from advisor.retrieval.knowledge import load_knowledge
from advisor.retrieval.search import Searcher
from advisor.retrieval.store import VectorStore
from advisor.settings import Settings
from tests.retrieval.conftest import write_doc

DOCS = {
    "alpha": ("# Alpha\n\n## Levels\n\nFacet levels: bill 64495 once.\n\n## Bilateral\n\nModifier 50 on 64493.\n", ["64493", "64495"]),
    "beta": ("# Beta\n\n## Sites\n\nXS for a separate site, 20610 and 20552.\n", ["20610", "20552"]),
    "gamma": ("# Gamma\n\nSI joint injection 27096; G0260 in the ASC.\n", ["27096", "G0260"]),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    kdir = tmp_path / "kb"
    kdir.mkdir()
    for doc_id, (body, codes) in DOCS.items():
        write_doc(kdir, doc_id, body, codes=codes, topics=[doc_id])
    return kdir


def expected_ids(kdir: Path) -> set[str]:
    return {c.chunk_id for d in load_knowledge(kdir) for c in chunk_document(d)}


def stored_ids(settings: Settings) -> list[str]:
    return [r[0] for r in VectorStore(settings).records()]


def test_incremental_edit_delete_add(corpus: Path, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(corpus)
    first = ingest(settings)
    assert sorted(first.added) == ["alpha", "beta", "gamma"] and first.reason == "new index"
    assert first.chunks_embedded == first.chunks_total == len(expected_ids(corpus)) == 4
    assert sorted(stored_ids(settings)) == sorted(expected_ids(corpus))

    again = ingest(settings)
    assert again.chunks_embedded == 0 and sorted(again.unchanged) == ["alpha", "beta", "gamma"]
    assert again.chunks_total == 4 and again.knowledge_version == first.knowledge_version

    alpha = corpus / "alpha.md"
    alpha.write_text(alpha.read_text() + "\n## Extra\n\nNew section about 64494.\n")
    (corpus / "beta.md").unlink()
    write_doc(corpus, "delta", "# Delta\n\nTrigger points 20553.\n", codes=["20553"])
    report = ingest(settings)
    assert report.updated == ["alpha"] and report.removed == ["beta"] and report.added == ["delta"]
    assert report.unchanged == ["gamma"]
    assert report.chunks_embedded == 3 + 1  # alpha now has 3 chunks, delta 1; gamma untouched
    ids = stored_ids(settings)
    assert len(ids) == len(set(ids)) == report.chunks_total == 5
    assert set(ids) == expected_ids(corpus) == {"alpha#0", "alpha#1", "alpha#2", "gamma#0", "delta#0"}
    assert report.knowledge_version != first.knowledge_version
    assert VectorStore(settings).manifest()["knowledge_version"] == report.knowledge_version


def test_broken_front_matter_stops_ingest_and_keeps_the_index(corpus: Path, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(corpus)
    ingest(settings)
    before = sorted(stored_ids(settings))
    manifest = VectorStore(settings).manifest()
    gamma = corpus / "gamma.md"
    gamma.write_text(gamma.read_text().replace("id: gamma", "id: wrong"))
    (corpus / "alpha.md").write_text((corpus / "alpha.md").read_text() + "\nchanged\n")
    with pytest.raises(DataError) as err:
        ingest(settings)
    assert "gamma.md" in err.value.message and "'id' must equal the file name stem" in err.value.message
    assert sorted(stored_ids(settings)) == before
    assert VectorStore(settings).manifest() == manifest
    # A server start with the broken file keeps serving the old index.
    assert ensure_index(settings, HashingEmbedder(), VectorStore(settings)) is None


class OtherModel(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.model_id = "another-model"


def test_model_change_rebuilds(corpus: Path, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(corpus)
    ingest(settings)
    report = ingest(settings, embedder=OtherModel())
    assert report.rebuilt and "embedding_model changed" in (report.reason or "")
    assert report.chunks_embedded == report.chunks_total == 4
    assert VectorStore(settings).manifest()["embedding_model"] == "another-model"
    assert ingest(settings, embedder=OtherModel()).chunks_embedded == 0
    assert ingest(settings, rebuild=True).reason == "requested"


def test_missing_and_corrupt_index_are_rebuilt(corpus: Path, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(corpus)
    assert index_status(VectorStore(settings)) == "missing"
    searcher = Searcher.open(settings)  # builds on first use
    assert searcher.size == 4
    chroma_dir = Path(settings.data_dir) / "chroma"
    (chroma_dir / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    from chromadb.api.shared_system_client import SharedSystemClient  # a fresh process would not have it cached

    SharedSystemClient._identifier_to_system.pop(str(chroma_dir), None)
    rebuilt = Searcher.open(settings)
    assert rebuilt.size == 4
    assert rebuilt.search("64495", k=1)[0].doc == "alpha"
    assert list(Path(settings.data_dir).glob("chroma.corrupt-*"))


def test_search_exact_codes_filters_and_validation(corpus: Path, make_settings: Callable[..., Settings]) -> None:
    searcher = Searcher.open(make_settings(corpus))
    assert searcher.search("64495", k=1)[0].chunk_id == "alpha#0"
    assert searcher.search("G0260", k=1)[0].doc == "gamma"
    assert searcher.search("when is XS used", k=1)[0].doc == "beta"
    hits = searcher.search("injection", k=10, codes=["27096"])
    assert {h.doc for h in hits} == {"gamma"}
    hits = searcher.search("modifier", k=10, topics=["beta"])
    assert {h.doc for h in hits} == {"beta"}
    assert searcher.search("modifier", k=10, codes=["99999"]) == []
    p = searcher.search("bilateral", k=2)[0]
    assert p.sources == ["https://example.org/alpha"] and p.score > 0 and p.title == "Alpha"
    for bad_query, bad_k in (("", 5), ("   ", 5), ("x" * 2001, 5), ("ok", 0), ("ok", 51)):
        with pytest.raises(InvalidInput):
            searcher.search(bad_query, k=bad_k)
