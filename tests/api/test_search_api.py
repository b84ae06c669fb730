"""POST /api/search, GET /api/docs and /api/docs/{id} over real HTTP, with the real embedding model."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.retrieval.conftest import KNOWLEDGE, write_doc

pytestmark = pytest.mark.slow

RAW_HTML_DOC = "# Raw HTML test\n\n<script>alert('x')</script>\n\n<b onclick=\"x()\">bold</b> [bad](javascript:alert(1))\n"


def wait_for_index(url: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"{url}/healthz", timeout=10).json()
        if body.get("index") in ("ready", "error"):
            return body
        time.sleep(0.5)
    raise AssertionError("index not built in time")


@pytest.fixture(scope="module")
def server(session_server_factory, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    kdir = tmp_path_factory.mktemp("search-api") / "knowledge"
    shutil.copytree(KNOWLEDGE, kdir)
    write_doc(kdir, "raw-html-test", RAW_HTML_DOC, title="Raw HTML test")
    srv = session_server_factory(env={"ADVISOR_EMBEDDER": "sentence-transformers", "ADVISOR_KNOWLEDGE_DIR": str(kdir)})
    srv.start(ready_path="/healthz")
    assert httpx.get(f"{srv.url}/healthz").json()["index"] in ("building", "ready")  # startup did not wait
    assert wait_for_index(srv.url)["index"] == "ready", srv.log_tail()
    return srv


def search(server, body: dict) -> httpx.Response:  # noqa: ANN001
    return httpx.post(f"{server.url}/api/search", json=body, timeout=60)


def test_search_returns_passages_with_citation_fields(server) -> None:  # noqa: ANN001
    resp = search(server, {"query": "bilateral L4-5 L5-S1 medial branch block units", "k": 5})
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert len(results) == 5
    for r in results:
        assert {"doc", "title", "section", "text", "score", "sources"} <= set(r)
        assert r["sources"] and all(s.startswith("http") for s in r["sources"])
    assert results[0]["doc"] in ("facet-injections", "modifier-50-bilateral", "add-on-codes")
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_exact_code_and_filters(server) -> None:  # noqa: ANN001
    results = search(server, {"query": "64495", "k": 3}).json()["results"]
    assert all("64495" in r["codes"] for r in results)
    docs = {d["id"]: d for d in httpx.get(f"{server.url}/api/docs").json()["documents"]}
    results = search(server, {"query": "coverage", "k": 10, "codes": ["0216T"]}).json()["results"]
    assert results and all("0216T" in r["codes"] or "0216T" in docs[r["doc"]]["codes"] for r in results)
    results = search(server, {"query": "units", "k": 10, "topics": ["tpi"]}).json()["results"]
    assert results and all("tpi" in docs[r["doc"]]["topics"] for r in results)
    assert search(server, {"query": "units", "k": 10, "topics": ["no-such-topic"]}).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [({"query": "", "k": 5}, "query: must not be empty"), ({"query": "   "}, "query: must not be empty"),
     ({"query": "x" * 2001}, "limit is 2000"), ({"query": "ok", "k": 0}, "k: must be from 1 to 50"),
     ({"query": "ok", "k": 51}, "k: must be from 1 to 50"), ({"query": "ok", "k": "many"}, "k:"),
     ({"k": 5}, "query"), ({"query": "ok", "colour": 1}, "colour"), ({"query": 42}, "query")],
)  # fmt: skip
def test_bad_search_input_is_422_with_a_clear_message(server, body: dict, fragment: str) -> None:  # noqa: ANN001
    resp = search(server, body)
    assert resp.status_code == 422, resp.text
    assert fragment in resp.json()["message"]


def test_docs_list_and_document(server) -> None:  # noqa: ANN001
    docs = httpx.get(f"{server.url}/api/docs").json()["documents"]
    ids = {d["id"] for d in docs}
    assert {p.stem for p in KNOWLEDGE.glob("*.md") if not p.name.startswith(("_", "."))} | {"raw-html-test"} >= ids
    assert "facet-injections" in ids and all({"id", "title", "topics", "codes"} == set(d) for d in docs)
    doc = httpx.get(f"{server.url}/api/docs/facet-injections").json()
    assert {"id", "title", "topics", "codes", "sources", "effective", "reviewed", "markdown", "html"} <= set(doc)
    assert doc["id"] == "facet-injections" and "64495" in doc["codes"] and doc["effective"].count("-") == 2
    assert "<h2>" in doc["html"] and "<table>" in doc["html"] and not doc["markdown"].startswith("---")


def test_document_html_is_safe(server) -> None:  # noqa: ANN001
    doc = httpx.get(f"{server.url}/api/docs/raw-html-test").json()
    assert "<script>" not in doc["html"] and "<b onclick" not in doc["html"]
    assert "&lt;script&gt;" in doc["html"] and 'href="javascript:' not in doc["html"]


@pytest.mark.parametrize("doc_id", ["no-such-doc", "NOPE", "a" * 300, "..%2Fsettings"])
def test_unknown_document_is_404(server, doc_id: str) -> None:  # noqa: ANN001
    resp = httpx.get(f"{server.url}/api/docs/{doc_id}")
    assert resp.status_code == 404


def test_corrupt_and_missing_index_are_rebuilt_not_500(live_server_factory, tmp_path: Path) -> None:  # noqa: ANN001
    data = tmp_path / "corrupt"
    (data / "chroma").mkdir(parents=True)
    (data / "chroma" / "chroma.sqlite3").write_bytes(b"\x00garbage" * 4096)
    kdir = tmp_path / "kb"
    kdir.mkdir()
    shutil.copy(KNOWLEDGE / "facet-injections.md", kdir)
    env = {"ADVISOR_KNOWLEDGE_DIR": str(kdir), "ADVISOR_EMBEDDER": "fake", "ADVISOR_INDEX_ON_START": "false"}
    srv = live_server_factory(data, env=env).start(ready_path="/healthz")
    resp = search(srv, {"query": "64495", "k": 2})
    assert resp.status_code == 200, srv.log_tail()
    assert resp.json()["results"][0]["doc"] == "facet-injections"
    srv.stop()
    shutil.rmtree(data / "chroma")  # missing index: built on first search after restart
    srv.start(ready_path="/healthz")
    assert search(srv, {"query": "64495", "k": 2}).status_code == 200


def test_broken_knowledge_without_an_index_is_422_naming_the_file(live_server_factory, tmp_path: Path) -> None:  # noqa: ANN001
    kdir = tmp_path / "kb"
    kdir.mkdir()
    (kdir / "broken-doc.md").write_text("---\nid: broken-doc\ntitle: x\n---\nbody\n")
    env = {"ADVISOR_KNOWLEDGE_DIR": str(kdir), "ADVISOR_EMBEDDER": "fake"}
    srv = live_server_factory(env=env).start(ready_path="/healthz")
    deadline = time.monotonic() + 60  # while the background build runs, search answers 503 IndexBuilding at once
    while (resp := search(srv, {"query": "anything", "k": 2})).status_code == 503 and time.monotonic() < deadline:
        assert resp.json()["error"] == "IndexBuilding" and int(resp.headers["Retry-After"]) >= 1
        time.sleep(0.1)
    assert resp.status_code == 422 and "broken-doc.md" in resp.json()["message"]
    assert httpx.get(f"{srv.url}/healthz").json()["index"] == "error"
