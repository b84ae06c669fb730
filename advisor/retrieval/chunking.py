"""Heading-aware chunking: one chunk per section (split at paragraphs when long), each carrying its context.

A coder's question usually matches one section ("Counting levels", "Bilateral ..."), so sections are the unit;
the title and heading path are prefixed to the embedded text because a section body alone often lacks the
subject ("one unit only" means little without "facet injections" above it).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from advisor.retrieval.knowledge import KnowledgeDoc
from advisor.retrieval.text import extract_codes, extract_modifiers

CHUNKER_VERSION = "2"
MAX_CHARS = 1200  # ~256 word pieces, MiniLM's window; longer text would be truncated by the model
MIN_CHARS = 200  # a trailing paragraph shorter than this joins the previous piece
SKIP_SECTIONS = frozenset({"sources", "references", "source list"})  # URLs are in each chunk's `sources`
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


class Chunk(BaseModel):
    """One retrievable passage; `embed_text` (title > section + text) is what gets embedded and BM25-indexed."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    doc: str
    title: str
    section: str
    text: str
    codes: list[str]
    modifiers: list[str]
    doc_codes: list[str]
    topics: list[str]
    sources: list[str]
    position: int
    doc_hash: str

    @property
    def embed_text(self) -> str:
        return f"{self.title} > {self.section}\n\n{self.text}" if self.section else f"{self.title}\n\n{self.text}"


def _sections(markdown: str) -> list[tuple[list[str], str]]:
    """Split at headings (not inside code fences): [(heading path below the H1, body text)]."""
    out: list[tuple[list[str], str]] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            out.append(([h for level, h in path if level > 1], body))
        lines.clear()

    for line in markdown.splitlines():
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING_RE.match(line)
        if m:
            flush()
            level = len(m.group(1))
            path = [(lv, h) for lv, h in path if lv < level] + [(level, m.group(2).strip())]
            continue
        lines.append(line)
    flush()
    return out


def _blocks(body: str) -> list[str]:
    """Paragraphs (tables and lists stay whole unless a single one is itself too long)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    out: list[str] = []
    for block in blocks:
        if len(block) <= MAX_CHARS:
            out.append(block)
            continue
        piece: list[str] = []
        for line in block.splitlines():  # a long table or list: split between rows/items
            if piece and sum(len(x) + 1 for x in piece) + len(line) > MAX_CHARS:
                out.append("\n".join(piece))
                piece = [line] if not line.startswith("|") or not piece[0].startswith("|") else [*piece[:2], line]
            else:
                piece.append(line)
        if piece:
            out.append("\n".join(piece))
    return out


def _pack(blocks: list[str]) -> list[str]:
    """Greedily pack paragraphs into pieces of at most MAX_CHARS; a short tail joins its predecessor."""
    pieces: list[str] = []
    current = ""
    for block in blocks:
        if current and len(current) + 2 + len(block) > MAX_CHARS:
            pieces.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    if current:
        if pieces and len(current) < MIN_CHARS and len(pieces[-1]) + len(current) + 2 <= MAX_CHARS + MIN_CHARS:
            pieces[-1] = f"{pieces[-1]}\n\n{current}"
        else:
            pieces.append(current)
    return pieces


def chunk_document(doc: KnowledgeDoc) -> list[Chunk]:
    """Chunks of one document, ids `<doc>#<n>` in reading order (stable for an unchanged document)."""
    chunks: list[Chunk] = []
    for headings, body in _sections(doc.markdown):
        if headings and headings[-1].strip().lower() in SKIP_SECTIONS:
            continue
        section = " > ".join(headings)
        for piece in _pack(_blocks(body)):
            context = f"{section}\n{piece}"
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.id}#{len(chunks)}",
                    doc=doc.id,
                    title=doc.title,
                    section=section,
                    text=piece,
                    codes=extract_codes(context),
                    modifiers=extract_modifiers(context),
                    doc_codes=list(doc.codes),
                    topics=list(doc.topics),
                    sources=list(doc.sources),
                    position=len(chunks),
                    doc_hash=doc.content_hash,
                )
            )
    if not chunks:  # a document with only a title still deserves to be findable
        chunks.append(
            Chunk(
                chunk_id=f"{doc.id}#0", doc=doc.id, title=doc.title, section="", text=doc.title,
                codes=extract_codes(doc.title), modifiers=extract_modifiers(doc.title), doc_codes=list(doc.codes),
                topics=list(doc.topics), sources=list(doc.sources), position=0, doc_hash=doc.content_hash,
            )
        )  # fmt: skip
    return chunks
