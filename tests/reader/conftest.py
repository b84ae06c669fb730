"""Fixtures for the question reader's unit tests: the curated catalog (the reader's one vocabulary is compiled from
it) and small helpers that read a question, tag it, or take it through to the engine's Encounter and claim.

Expected values in tests/reader come from the coding rules (README, knowledge/*.md, the shared domain notes), each
test naming the rule it rests on, or from the reader's documented contract (advisor/reader/model.py, the catalog's
vocabulary); none was copied from the reader's output. Where the reader is wrong by those rules the test keeps the
right expectation and is marked xfail(strict=True) with the reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from advisor.reader.encounter import to_encounter
from advisor.reader.model import Reading, Span
from advisor.reader.reader import read
from advisor.reader.tagger import normalise, tag
from advisor.reader.vocab import Vocabulary, vocabulary_of
from advisor.rules.catalog import Catalog, curated_catalog
from advisor.rules.recommend import recommend

from .helpers import canon


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return curated_catalog()


@pytest.fixture(scope="session")
def vocab(catalog: Catalog) -> Vocabulary:
    return vocabulary_of(catalog)


@pytest.fixture(scope="session")
def reader(catalog: Catalog) -> Callable[[str], Reading]:
    """read(question) with the curated catalog."""
    return lambda question: read(question, catalog)


@pytest.fixture(scope="session")
def spans(vocab: Vocabulary) -> Callable[..., list[Span]]:
    """The tagger's spans of a text, optionally only those of the given kinds."""

    def run(text: str, *kinds: str) -> list[Span]:
        _, out = tag(normalise(text), vocab)
        return [s for s in out if not kinds or s.kind in kinds]

    return run


@pytest.fixture(scope="session")
def claim_of(catalog: Catalog) -> Callable[..., list[str]]:
    """The engine's recommended claim for a Reading (or a question) in canonical form (see helpers.canon)."""

    def run(question: str | Reading, payer: str | None = None, sides: bool = True) -> list[str]:
        reading = read(question, catalog) if isinstance(question, str) else question
        encounter = to_encounter(reading, catalog, payer, "medicare")
        return canon(*recommend(encounter, catalog).claim, sides=sides)

    return run
