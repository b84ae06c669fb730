"""The reader's grammar words live in vocabulary.yaml `grammar` (one home): every W.NAME the reader (or the verdict
that reads its spans) uses is a list there, and every list there is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.reader.words import W, grammar_words
from advisor.rules.catalog import CATALOG_DIR
from advisor.rules.registry import read_yaml

PACKAGES = [Path(__file__).resolve().parents[2] / "advisor" / name for name in ("reader", "answer")]


def used_names() -> set[str]:
    sources = [path.read_text() for package in PACKAGES for path in package.glob("*.py") if path.name != "words.py"]
    return {m.group(1).lower() for text in sources for m in re.finditer(r"\bW\.([A-Z_]+)\b", text)}


def test_every_word_list_the_reader_names_is_in_the_vocabulary() -> None:
    missing = used_names() - set(grammar_words())
    assert not missing


def test_every_grammar_list_is_used_by_the_reader() -> None:
    section = set(read_yaml(CATALOG_DIR / "vocabulary.yaml")["grammar"])
    assert section - used_names() == set()


def test_a_list_reads_as_lower_case_words() -> None:
    assert "because" in W.REASON_WORDS and "what" in W.WH  # a grammar list and a top-level list
    with pytest.raises(AttributeError, match="no list"):
        _ = W.NO_SUCH_LIST
