"""What a search returns (`Passage`) and what it accepts (`validate_query`), apart from the search machinery so
the CLI can validate a query and print a server's passages without importing numpy, Chroma or the model."""

from __future__ import annotations

from pydantic import BaseModel

from advisor.errors import InvalidInput

MAX_QUERY_CHARS = 2000
MAX_K = 50


class Passage(BaseModel):
    """One retrieved chunk, with what a citation needs (doc id, section, sources)."""

    doc: str
    title: str
    section: str
    text: str
    score: float
    sources: list[str]
    codes: list[str]
    chunk_id: str


def validate_query(query: str, k: int) -> str:
    """Reject what no search can serve well: empty, oversized (> 2,000 chars), k outside 1-50."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("query must not be empty", where="query")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"query is {len(query)} characters; the limit is {MAX_QUERY_CHARS}", where="query")
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be an integer from 1 to {MAX_K}, got {k!r}", where="k")
    return query.strip()


__all__ = ["MAX_K", "MAX_QUERY_CHARS", "Passage", "validate_query"]
