"""`advisor ingest`, `advisor search`, `advisor eval retrieval` through the real CLI app (fake embedder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from advisor.settings import get_settings
from tests.retrieval.conftest import write_doc

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    kdir = tmp_path / "kb"
    kdir.mkdir()
    write_doc(kdir, "facet", "# Facet\n\n## Levels\n\nBill 64495 once for the third level.\n", codes=["64495"])
    write_doc(kdir, "xmods", "# X modifiers\n\n## XS\n\nXS means a separate structure.\n")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(kdir))
    monkeypatch.setenv("ADVISOR_EMBEDDER", "fake")
    monkeypatch.delenv("ADVISOR_CHROMA_URL", raising=False)
    get_settings.cache_clear()
    yield kdir
    get_settings.cache_clear()


def test_ingest_then_search(env: Path) -> None:
    result = runner.invoke(app, ["ingest", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "2 chunks embedded" in result.output
    again = runner.invoke(app, ["ingest", "-q"])
    assert "2 unchanged" in again.output and "0 chunks embedded" in again.output
    rebuilt = runner.invoke(app, ["ingest", "-q", "--rebuild"])
    assert "rebuilt (requested)" in rebuilt.output

    out = runner.invoke(app, ["search", "64495", "-k", "1", "--json"])
    assert out.exit_code == 0, out.output
    results = json.loads(out.stdout)["results"]
    assert [r["doc"] for r in results] == ["facet"] and results[0]["section"] == "Levels"
    text = runner.invoke(app, ["search", "XS"])
    assert text.exit_code == 0 and "1. [xmods]" in text.output


def test_search_builds_a_missing_index(env: Path) -> None:
    out = runner.invoke(app, ["search", "third level", "--k", "2", "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["results"][0]["doc"] == "facet"


@pytest.mark.parametrize("args", [["search", ""], ["search", "x" * 2001], ["search", "ok", "-k", "0"], ["search", "ok", "-k", "99"]])
def test_bad_search_input_exits_2(env: Path, args: list[str]) -> None:
    out = runner.invoke(app, args)
    assert out.exit_code == 2 and "error:" in out.output


def test_broken_doc_stops_ingest_with_file_name(env: Path) -> None:
    (env / "bad.md").write_text("---\nid: bad\ntitle: t\n---\n")
    out = runner.invoke(app, ["ingest", "-q"])
    assert out.exit_code == 2 and "bad.md: missing required field(s)" in out.output


def test_eval_retrieval_json_and_table(env: Path, tmp_path: Path) -> None:
    evalfile = tmp_path / "retrieval.yaml"
    evalfile.write_text("- query: 64495 third level\n  relevant: [facet]\n- query: XS separate structure\n  relevant: [xmods]\n")
    out = runner.invoke(app, ["eval", "retrieval", "--file", str(evalfile), "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["queries"] == 2
    for mode in ("dense", "bm25", "hybrid"):
        assert set(body[mode]) == {"recall@5", "mrr@10", "ndcg@10"}
    assert body["hybrid"]["recall@5"] == 1.0
    table = runner.invoke(app, ["eval", "retrieval", "--file", str(evalfile)])
    assert "recall@5" in table.output and "hybrid" in table.output
    evalfile.write_text("- query: x\n")
    bad = runner.invoke(app, ["eval", "retrieval", "--file", str(evalfile)])
    assert bad.exit_code == 2 and "entry 1" in bad.output
