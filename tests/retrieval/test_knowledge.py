"""Front matter validation, the real knowledge/ corpus, and safe HTML rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.errors import DataError, NotFound
from advisor.retrieval.knowledge import (
    browse_documents,
    get_document,
    is_knowledge_file,
    knowledge_version,
    load_document,
    load_knowledge,
    render_html,
)
from tests.retrieval.conftest import KNOWLEDGE, write_doc

REAL_DOCS = sorted(p for p in KNOWLEDGE.glob("*.md") if is_knowledge_file(p))


@pytest.mark.parametrize("path", REAL_DOCS, ids=[p.stem for p in REAL_DOCS])
def test_every_knowledge_document_has_valid_front_matter(path: Path) -> None:
    doc = load_document(path)  # raises DataError naming the file and the problem
    assert doc.id == path.stem
    assert doc.title and doc.topics and doc.sources
    assert doc.markdown.strip(), f"{path.name} has no body"


def test_the_knowledge_base_is_not_empty() -> None:
    assert len(REAL_DOCS) >= 5
    assert len({d.id for d in load_knowledge(KNOWLEDGE)}) == len(REAL_DOCS)


BROKEN = {
    "missing title": ("title: X\n", ""),
    "id mismatch": ("id: good-doc\n", "id: other-doc\n"),
    "bad url": ("  - https://example.org/good-doc\n", "  - not a url\n"),
    "bad date": ("effective: 2026-01-01\n", "effective: January\n"),
    "bad code": ('codes: ["64495"]\n', 'codes: ["6449"]\n'),
    "topics not a list": ("topics: [test]\n", "topics: facet\n"),
    "empty sources": ("sources:\n  - https://example.org/good-doc\n", "sources: []\n"),
    "bad yaml": ("topics: [test]\n", "topics: [test\n"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_front_matter_names_file_and_problem(tmp_path: Path, case: str) -> None:
    path = write_doc(tmp_path, "good-doc", "# Good\n\nBody.\n", title="X", codes=["64495"])
    old, new = BROKEN[case]
    text = path.read_text()
    assert old in text, case
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(DataError) as err:
        load_knowledge(tmp_path)
    assert "good-doc.md" in err.value.message
    assert err.value.where == "good-doc.md"


def test_no_front_matter(tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_text("# Just markdown\n")
    with pytest.raises(DataError, match="plain.md: no front matter"):
        load_knowledge(tmp_path)


def test_unquoted_numeric_codes_are_accepted_and_normalized(tmp_path: Path) -> None:
    path = write_doc(tmp_path, "nums", "Body\n")
    path.write_text(path.read_text().replace("codes: []", "codes: [64495, 0216t]"))
    assert load_document(path).codes == ["64495", "0216T"]


def test_readme_and_drafts_are_not_documents(tmp_path: Path) -> None:
    write_doc(tmp_path, "real", "Body\n")
    (tmp_path / "README.md").write_text("# about this folder\n")
    (tmp_path / "_draft.md").write_text("no front matter\n")
    assert [d.id for d in load_knowledge(tmp_path)] == ["real"]


def test_knowledge_version_changes_with_any_edit(tmp_path: Path) -> None:
    a = write_doc(tmp_path, "a", "one\n")
    write_doc(tmp_path, "b", "two\n")
    v1 = knowledge_version(load_knowledge(tmp_path))
    a.write_text(a.read_text() + "more\n")
    v2 = knowledge_version(load_knowledge(tmp_path))
    (tmp_path / "b.md").unlink()
    v3 = knowledge_version(load_knowledge(tmp_path))
    assert len({v1, v2, v3}) == 3


def test_browse_skips_broken_files_but_get_reports_them(tmp_path: Path) -> None:
    write_doc(tmp_path, "fine", "# Fine\n\nok\n")
    (tmp_path / "broken.md").write_text("---\nid: broken\n---\nbody\n")
    assert [d.id for d in browse_documents(tmp_path)] == ["fine"]
    assert get_document(tmp_path, "fine").title == "Fine"
    with pytest.raises(DataError, match="broken.md: missing required field"):
        get_document(tmp_path, "broken")
    for bad in ("nope", "../etc/passwd", "FINE", ""):
        with pytest.raises(NotFound):
            get_document(tmp_path, bad)


def test_html_is_rendered_safely() -> None:
    md = (
        "# T\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1)) [ok](https://cms.gov)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    html = render_html(md)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="https://cms.gov">ok</a>' in html
    assert "<table>" in html and "<h1>T</h1>" in html
