"""Knowledge base and hybrid retrieval: ingest knowledge/*.md into Chroma, search it dense + BM25.

Nothing here loads a model or opens Chroma at import; `Searcher.open(settings)` does, once.
"""
