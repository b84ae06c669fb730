"""Server mode: a real `chroma run` on loopback, started by the test (tests/servers.py), used through
ADVISOR_CHROMA_URL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.retrieval.ingest import ingest
from advisor.retrieval.search import Searcher
from advisor.retrieval.store import VectorStore
from advisor.settings import Settings
from tests.retrieval.conftest import KNOWLEDGE

pytestmark = pytest.mark.slow


def test_ingest_and_search_against_a_chroma_url(tmp_path: Path, chroma_url: str) -> None:
    kdir = tmp_path / "kb"
    kdir.mkdir()
    for name in ("facet-injections", "facet-ultrasound-codes", "modifier-59-x-modifiers", "si-joint-injection"):
        shutil.copy(KNOWLEDGE / f"{name}.md", kdir)
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=kdir, embedder="sentence-transformers",
                        chroma_url=chroma_url)  # fmt: skip
    first = ingest(settings)
    assert first.chunks_total == first.chunks_embedded > 0
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded on disk in server mode

    assert ingest(settings).chunks_embedded == 0  # incremental through the server too
    (kdir / "si-joint-injection.md").unlink()
    report = ingest(settings)
    assert report.removed == ["si-joint-injection"]
    ids = [r[0] for r in VectorStore(settings).records()]
    assert len(ids) == len(set(ids)) == report.chunks_total
    assert not any(i.startswith("si-joint-injection#") for i in ids)
    manifest = VectorStore(settings).manifest()
    assert manifest["complete"] is True and manifest["embedding_model"].startswith("st:")

    searcher = Searcher.open(settings)
    assert searcher.search("Is 0216T covered by Medicare?", k=1)[0].doc == "facet-ultrasound-codes"
    hits = searcher.search("XS or 59 for a separate site", k=3)
    assert hits[0].doc == "modifier-59-x-modifiers"
    filtered = searcher.search("levels", k=5, codes=["64495"])
    assert filtered and all("64495" in h.codes or h.doc == "facet-injections" for h in filtered)
