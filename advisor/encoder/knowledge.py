"""The knowledge sections that discuss a code: the same heading-aware chunks retrieval indexes, read without the
index (no model, no vector store), so a code's page links the passages a coder should read."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from advisor.retrieval.chunking import chunk_document
from advisor.retrieval.knowledge import browse_documents, knowledge_version


class Section(BaseModel):
    """One section of a knowledge document that names the code (GET /api/docs/{doc} opens it)."""

    doc: str
    title: str
    section: str
    chunk_id: str


def sections_for(code: str, knowledge_dir: Path) -> list[Section]:
    """Sections whose text or heading names the code, one entry per document section, in reading order."""
    docs = browse_documents(knowledge_dir)
    return list(_index(str(knowledge_dir), knowledge_version(docs)).get(code, ()))


@lru_cache(maxsize=2)
def _index(knowledge_dir: str, _version: str) -> dict[str, tuple[Section, ...]]:
    """code -> sections, built once per knowledge version (35 documents chunk in milliseconds)."""
    out: dict[str, dict[tuple[str, str], Section]] = {}
    for doc in sorted(browse_documents(Path(knowledge_dir)), key=lambda d: d.id):
        for chunk in chunk_document(doc):
            for code in chunk.codes:
                out.setdefault(code, {}).setdefault(
                    (chunk.doc, chunk.section),
                    Section(doc=chunk.doc, title=chunk.title, section=chunk.section, chunk_id=chunk.chunk_id))
    return {code: tuple(found.values()) for code, found in out.items()}
