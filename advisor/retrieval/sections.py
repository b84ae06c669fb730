"""Knowledge sections by name: the passage a rule declares as its explanation (`doc-id#Section heading`).

A finding cites the section its rule names in the rule registry, read straight from knowledge/*.md (no index, no
embedding model), so citations are right from the first second and never chosen by keyword overlap.
"""

from __future__ import annotations

from pathlib import Path

from advisor.retrieval.chunking import _sections
from advisor.retrieval.knowledge import browse_documents
from advisor.retrieval.passage import Passage

MAX_TEXT = 1500
_CACHE: dict[str, tuple[tuple[tuple[str, str], ...], dict[str, Passage]]] = {}


def section_passages(knowledge_dir: Path) -> dict[str, Passage]:
    """'doc-id#Heading' -> Passage for every level-2 section of every valid document (rebuilt only when a document
    changes: the knowledge module caches the listing by file stamps)."""
    docs = browse_documents(knowledge_dir)
    key = tuple((d.id, d.content_hash) for d in docs)
    cached = _CACHE.get(str(knowledge_dir))
    if cached is not None and cached[0] == key:
        return cached[1]
    out: dict[str, Passage] = {}
    for doc in docs:
        for path, body in _sections(doc.markdown):
            if not path:
                continue
            heading = path[0]
            ref = f"{doc.id}#{heading}"
            if ref in out:
                continue
            text = body if len(path) == 1 else f"### {' > '.join(path[1:])}\n{body}"
            out[ref] = Passage(doc=doc.id, title=doc.title, section=heading, text=text[:MAX_TEXT], score=1.0,
                               sources=list(doc.sources), codes=list(doc.codes), chunk_id=ref)
    _CACHE[str(knowledge_dir)] = (key, out)
    return out


def section(knowledge_dir: Path, ref: str) -> Passage | None:
    """The passage for one 'doc-id#Heading' reference, or None when it does not exist."""
    return section_passages(knowledge_dir).get(ref)


__all__ = ["section", "section_passages"]
