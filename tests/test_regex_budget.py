"""Every pattern that reads user text runs in bounded time (issue 15, item 2): each is run over adversarial strings
as long as the reader ever sees (its MAX_CHARS cap) and must finish within 50 ms. A linear pattern takes well under
1 ms on these; catastrophic backtracking (a `.*...*` cue against "can i add 12345 " * 78 + "and " * 688 took 2-5 s)
takes seconds, so the margin is wide. tests/rules/test_vocabulary.py checks the same patterns' shape statically.

The patterns: the fact patterns and corrections of the vocabulary (advisor/rules/catalog/vocabulary.yaml, as the
reader compiles them) and every compiled pattern at module level in the modules that read questions, claim lines,
search queries and uploaded CSV."""

from __future__ import annotations

import importlib
import pkgutil
import re
import time

import pytest

import advisor.reader
from advisor.reader.tagger import MAX_CHARS, normalise
from advisor.reader.vocab import vocabulary_of
from advisor.rules.catalog import curated_catalog

BUDGET_S = 0.050
MODULES = [f"advisor.reader.{m.name}" for m in pkgutil.iter_modules(advisor.reader.__path__)] + [
    "advisor.claims", "advisor.retrieval.text", "advisor.audit.csv_input"]


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    vocab = vocabulary_of(curated_catalog())
    found = [(f"vocabulary {fact}={value} #{i}", p) for i, (fact, value, p) in enumerate(vocab.patterns)]
    if vocab.corrections is not None:
        found.append(("vocabulary corrections", vocab.corrections))
    for name in MODULES:
        module = importlib.import_module(name)
        found += [(f"{name}.{attr}", value) for attr, value in vars(module).items()
                  if isinstance(value, re.Pattern) and isinstance(value.pattern, str)]
    return found


PATTERNS = _patterns()
FIXED = [
    "can i add 12345 " * 78 + "and " * 688,  # the cue that took 2-5 s
    "a" * MAX_CHARS, " " * MAX_CHARS, "1" * MAX_CHARS, "-" * MAX_CHARS, "'" * MAX_CHARS, "/" * MAX_CHARS,
    "no " * 1400, "l4-5 " * 800, "l4 - l5 to " * 400, "64493-50-" * 450, "64493 x" * 600, "a1" * 2000,
    "b/l " * 1000, "w/o " * 1000, "1.1." * 1000, "1,1," * 1000, "% " * 2000, "ab-" * 1400, "\t" * MAX_CHARS,
    "not " * 1000 + "addressed", "the " * 1000 + "x",
]


def _words(pattern: str) -> list[str]:
    """The literal words a pattern looks for, to build near-misses out of them."""
    return re.findall(r"[a-z]+", re.sub(r"\\[a-zA-Z]", " ", pattern))[:12]


def _adversarial(pattern: re.Pattern[str]) -> list[str]:
    words = _words(pattern.pattern)
    derived = []
    if words:
        derived.append((" ".join(words) + " ") * (MAX_CHARS // (len(" ".join(words)) + 1) + 1))
        derived.append((words[0] + " ") * (MAX_CHARS // (len(words[0]) + 1)))
        derived.append(words[0] + " " + "x " * (MAX_CHARS // 2))
    return [s[:MAX_CHARS] for s in FIXED + derived]


# Prefix lengths tried in turn: small steps first, so an exponential pattern goes over the budget after a few
# dozen characters and fails in about a second instead of hanging; then doubling up to the reader's cap.
LENGTHS = (8, 12, 16, 20, 24, 28, 32, 40, 48, 64, 96, 128, 256, 512, 1024, 2048, MAX_CHARS)


def _worst(pattern: re.Pattern[str], text: str) -> float:
    """Seconds for the slowest prefix of `text`, stopping at the first one over the budget."""
    worst = 0.0
    for length in LENGTHS:
        part = text[:length]
        best = float("inf")
        for _ in range(3):  # the best of three: a busy machine slows a run down, it never speeds one up
            started = time.perf_counter()
            for _match in pattern.finditer(part):
                pass
            best = min(best, time.perf_counter() - started)
            if best < BUDGET_S / 10:
                break
        worst = max(worst, best)
        if worst > BUDGET_S or length >= len(text):
            break
    return worst


def test_the_patterns_are_found() -> None:
    names = {name for name, _ in PATTERNS}
    assert sum(n.startswith("vocabulary ") for n in names) == len(vocabulary_of(curated_catalog()).patterns) + 1
    assert {"advisor.reader.vocab.TOKEN_RE", "advisor.reader.levels._TOKEN_RE", "advisor.claims._LINE_RE"} <= names


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_pattern_is_fast_on_adversarial_text(name: str, pattern: re.Pattern[str]) -> None:
    for text in _adversarial(pattern):
        seconds = _worst(pattern, text)
        assert seconds <= BUDGET_S, (f"{name} ({pattern.pattern[:80]}) took {seconds * 1000:.0f} ms (budget "
                                     f"{BUDGET_S * 1000:.0f} ms) on a prefix of {text[:40]!r}...")


@pytest.mark.parametrize("char", ["\ufdfa", "\u3392", "\ufb03", "\u2474", "\u0041"])
def test_normalisation_output_is_capped(char: str) -> None:
    """NFKC can grow a character 18-fold (U+FDFA): the reader's text is capped after normalising, and the work
    before it is bounded by cutting the input first."""
    started = time.perf_counter()
    text = normalise(char * 1_000_000)
    assert len(text) <= MAX_CHARS
    assert time.perf_counter() - started < 0.5
