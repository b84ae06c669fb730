"""The English words the reader's grammar consults by name ("because", "planned", "bill"...), from the one vocabulary
file (vocabulary.yaml `grammar`), so no module keeps a word list of its own. Read on first use, not at import.

`W.BILLING_WORDS` is the list `billing_words` as a frozenset; `W.WH` is the top-level list `wh` (the wh-words the
tagger marks), so a list the tagger already has is not written twice.
"""

from __future__ import annotations

from functools import lru_cache

from advisor.errors import DataError
from advisor.rules.catalog import CATALOG_DIR
from advisor.rules.registry import read_yaml


@lru_cache(maxsize=1)
def grammar_words() -> dict[str, frozenset[str]]:
    """Every `grammar` list of the packaged vocabulary, lower-cased."""
    path = CATALOG_DIR / "vocabulary.yaml"
    data = read_yaml(path)
    section = data.get("grammar")
    if not isinstance(section, dict):
        raise DataError(f"{path.name}: the `grammar` section is missing", path.name)
    lists = {str(k): v for k, v in data.items() if isinstance(v, list)}  # a top-level word list ("wh") by its name
    return {str(name): frozenset(str(w).lower() for w in words) for name, words in {**lists, **section}.items()}


class _Words:
    """Attribute access to the grammar lists: W.NAME is the list `name`."""

    def __getattr__(self, name: str) -> frozenset[str]:
        table = grammar_words()
        key = name.lower()
        if key not in table:
            raise AttributeError(f"vocabulary.yaml `grammar` has no list {key!r}")
        setattr(self, name, table[key])  # later reads are plain attribute reads (the tagger reads these per token)
        return table[key]


W = _Words()

__all__ = ["W", "grammar_words"]
