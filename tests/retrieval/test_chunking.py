"""Heading-aware chunking: sections, heading paths, size limits, codes and sources on every chunk."""

from __future__ import annotations

from pathlib import Path

from advisor.retrieval.chunking import MAX_CHARS, chunk_document
from advisor.retrieval.knowledge import load_document, load_knowledge
from tests.retrieval.conftest import KNOWLEDGE, write_doc

BODY = """\
# Facet guide

Intro paragraph about 64490-64492.

## Counting levels

A level is a joint. Bill 64495 once.

### Bilateral

Use modifier 50: `64493-50`. XS for a separate site.

```
## not a heading inside a fence
```

## Sources

- https://example.org/a
"""


def test_sections_become_chunks_with_paths_codes_and_sources(tmp_path: Path) -> None:
    doc = load_document(write_doc(tmp_path, "facet-guide", BODY, title="Facet guide", codes=["64490"]))
    chunks = chunk_document(doc)
    assert [c.chunk_id for c in chunks] == ["facet-guide#0", "facet-guide#1", "facet-guide#2"]
    assert [c.section for c in chunks] == ["", "Counting levels", "Counting levels > Bilateral"]
    assert chunks[0].codes == ["64490", "64491", "64492"]
    assert chunks[1].codes == ["64495"]
    assert chunks[2].codes == ["64493"] and chunks[2].modifiers == ["XS", "50"]
    assert "## not a heading inside a fence" in chunks[2].text
    assert all(c.sources == ["https://example.org/facet-guide"] for c in chunks)
    assert all(c.doc == "facet-guide" and c.title == "Facet guide" and c.doc_codes == ["64490"] for c in chunks)
    assert not any("https://example.org/a" in c.text for c in chunks)  # the Sources section is metadata
    assert chunks[2].embed_text.startswith("Facet guide > Counting levels > Bilateral\n\n")


def test_long_sections_are_split_at_paragraphs(tmp_path: Path) -> None:
    paras = "\n\n".join(f"Paragraph {i} about 6449{i % 6}. " + "word " * 60 for i in range(12))
    doc = load_document(write_doc(tmp_path, "long", f"# Long\n\n## Big section\n\n{paras}\n"))
    chunks = chunk_document(doc)
    assert len(chunks) > 2
    assert all(len(c.text) <= MAX_CHARS for c in chunks)
    assert all(c.section == "Big section" for c in chunks)
    assert "".join(c.text for c in chunks).count("Paragraph") == 12  # nothing lost, nothing repeated


def test_long_tables_repeat_their_header(tmp_path: Path) -> None:
    rows = "\n".join(f"| 6449{i % 6} | " + "x" * 80 + " |" for i in range(40))
    doc = load_document(write_doc(tmp_path, "table", f"# T\n\n## Table\n\n| Code | Note |\n|---|---|\n{rows}\n"))
    chunks = chunk_document(doc)
    assert len(chunks) > 1
    assert all(c.text.startswith("| Code | Note |\n|---|---|") for c in chunks)


def test_title_only_document_still_has_a_chunk(tmp_path: Path) -> None:
    doc = load_document(write_doc(tmp_path, "empty", "# Only a title\n"))
    assert [c.chunk_id for c in chunk_document(doc)] == ["empty#0"]


def test_chunking_is_deterministic_and_bounded_on_the_real_corpus() -> None:
    for doc in load_knowledge(KNOWLEDGE):
        first, second = chunk_document(doc), chunk_document(doc)
        assert first == second
        assert len({c.chunk_id for c in first}) == len(first)
        for c in first:
            assert c.text.strip()
            assert len(c.text) <= 2 * MAX_CHARS, (c.chunk_id, len(c.text))
            assert c.sources == doc.sources
