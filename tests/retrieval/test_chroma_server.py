"""Server mode: a real `chroma run` on loopback, started by the test, used through ADVISOR_CHROMA_URL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from advisor.retrieval.ingest import ingest
from advisor.retrieval.search import Searcher
from advisor.retrieval.store import VectorStore
from advisor.settings import Settings
from tests.conftest import free_port
from tests.retrieval.conftest import KNOWLEDGE

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.fail(f"the chroma CLI is missing at {CHROMA}")
    port = free_port()
    log = open(tmp_path / "chroma.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "chroma.log").read_text(errors="replace")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "chroma server did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_ingest_and_search_against_a_chroma_server(tmp_path: Path, chroma_server: str) -> None:
    kdir = tmp_path / "kb"
    kdir.mkdir()
    for name in ("facet-injections", "facet-ultrasound-codes", "modifier-59-x-modifiers", "si-joint-injection"):
        shutil.copy(KNOWLEDGE / f"{name}.md", kdir)
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=kdir, embedder="sentence-transformers",
                        chroma_url=chroma_server)  # fmt: skip
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
