"""The reader's vocabulary (advisor/rules/catalog/vocabulary.yaml): its fact patterns must stay linear-time, and its
phrases must be readable by the same tokenizer the questions go through.

Linear time is checked on the pattern's structure (no repeat nested in an unbounded repeat, the shape behind
catastrophic backtracking), not by timing, so the test is deterministic."""

from __future__ import annotations

import re
from typing import Any

import pytest

from advisor.reader.vocab import vocabulary_of, word_tokens
from advisor.rules.catalog import curated_catalog

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

CATALOG = curated_catalog()
VOCAB = CATALOG.registry.vocabulary
REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)} - {None}
PATTERNS = [(fact, value, p) for fact, by_value in VOCAB["patterns"].items()
            for value, plist in by_value.items() for p in plist]


def _nested_unbounded(tree: Any, inside_unbounded: bool = False) -> bool:
    """Does a repeat occur inside an unbounded repeat anywhere in the parsed pattern?"""
    for op, arg in tree:
        if op in REPEATS:
            _, high, sub = arg
            if inside_unbounded:
                return True
            if _nested_unbounded(sub, inside_unbounded or high == sre_parse.MAXREPEAT):
                return True
        elif (op == sre_parse.SUBPATTERN and _nested_unbounded(arg[-1], inside_unbounded)) or (
                op == sre_parse.BRANCH and any(_nested_unbounded(alt, inside_unbounded) for alt in arg[1])) or (
                op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT) and _nested_unbounded(arg[1], inside_unbounded)):
            return True
    return False


def test_the_checker_finds_nested_repeats() -> None:
    assert _nested_unbounded(sre_parse.parse(r"(a+)+b"))
    assert _nested_unbounded(sre_parse.parse(r"(?:\w+\s?)*x"))
    assert not _nested_unbounded(sre_parse.parse(r"\bno (?:\w+ ){0,3}image\b"))
    assert not _nested_unbounded(sre_parse.parse(r"[^.?!]{0,40}\bwhy\b"))


@pytest.mark.parametrize(("fact", "value", "pattern"), PATTERNS, ids=[f"{f}={v}#{i}" for i, (f, v, _) in
                                                                       enumerate(PATTERNS)])
def test_fact_pattern_compiles_and_has_no_nested_unbounded_repeat(fact: str, value: str, pattern: str) -> None:
    re.compile(pattern)
    assert not _nested_unbounded(sre_parse.parse(pattern)), f"{fact}={value}: {pattern} can backtrack badly"


def test_every_phrase_reads_as_tokens_and_is_found_by_the_reader() -> None:
    """A phrase the tokenizer splits differently from the questions would never match ('b/l', "today's")."""
    vocab = vocabulary_of(CATALOG)
    sections = ("acts", "sides", "guidance", "purpose", "payers", "places", "claim_types", "cues")
    missing = []
    for section in sections:
        entries = VOCAB[section]
        for phrases in entries.values():
            for phrase in phrases:
                key = word_tokens(str(phrase))
                if not key or vocab.lookup(key) is None:
                    missing.append(f"{section}: {phrase!r} -> {key}")
    assert not missing, "\n".join(missing)
