"""The reader's one vocabulary, compiled from the catalog: family words (families.yaml), anatomy (anatomy.yaml) and
every other word class (vocabulary.yaml). Phrases become token tuples looked up longest-first, so tagging is linear
in the question's length; fact patterns are compiled once and checked for linear-time shape by the tests.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from advisor.errors import DataError
from advisor.rules.catalog import Catalog
from advisor.rules.registry import Registry

# Token shapes: codes with their modifiers, spinal levels, percentages, numbers, slash abbreviations, words, symbols.
TOKEN_RE = re.compile(
    r"(?P<docid>(?<![A-Za-z0-9])[LAla]\d{5}(?![A-Za-z0-9]))"  # an LCD or billing article number (L39656, A59480)
    r"|(?P<code>(?<![A-Za-z0-9])(?:\d{4}[0-9TFUtfu]|[A-Va-v]\d{4})(?:-[A-Za-z0-9]{2}(?![A-Za-z0-9]))*)"
    r"|(?P<level>(?<![A-Za-z0-9])[CTLSctls]\d{1,2}(?:\s?(?:-|/|to|through|thru)\s?[CTLSctls]?\d{1,2}|[CTLSctls]\d)?"
    r"(?![A-Za-z0-9]))"
    r"|(?P<pct>\d{1,3}(?:\.\d+)?\s?%)"
    r"|(?P<ordinal>\d{1,2}(?:st|nd|rd|th)(?![A-Za-z0-9]))"
    r"|(?P<num>\d+(?:[.,/:]\d+)*)"
    r"|(?P<slash>(?<![A-Za-z0-9])(?i:w/o|w/|b/l|e/m|u/s|s/p|c/o|y/o|h/o|a/c|r/o|f/u)(?![A-Za-z0-9]))"
    r"|(?P<word>[A-Za-z]+(?:['\u2019][A-Za-z]+)?)"
    r"|(?P<sym>[^\sA-Za-z0-9])"
)
FUZZY_MIN = 7
CONTRACTIONS = frozenset({"what's", "it's", "that's", "he's", "she's", "there's", "here's", "who's", "let's",
                          "where's", "how's"})

# Section -> span kind, in priority order: the first section that lists a phrase gives its reading.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("overrides", "override"), ("off_task", "off_task"), ("unsupported", "unsupported"), ("lookups", "lookup"),
    ("claim_types", "claim"), ("vague", "vague"),
    ("places", "place"), ("payers", "payer"), ("guidance", "guide"), ("cues", "cue"), ("acts", "act"),
    ("sides", "side"), ("purpose", "purpose"), ("regions", "region"), ("quantity", "qty"), ("per", "per"),
    ("again", "again"), ("numbers", "num"), ("number_phrases", "num"), ("ordinals", "ordinal"),
    ("count_nouns", "count"), ("out_of_scope", "oos"), ("wh", "wh"), ("filler", "filler"),
)


def glues_number(word: str) -> bool:
    """A number written right after this word, with no space, is part of it ('dm2', 't2', 'icd10'), except after a
    counting word ('x2', 'times3')."""
    return word not in ("x", "times")


def word_tokens(phrase: str) -> tuple[str, ...]:
    """The normalised tokens of a vocabulary phrase (the same shapes the question tokenizer gives: a number glued to
    a word, 'icd10', is part of the word)."""
    out: list[str] = []
    end = -1
    for m in TOKEN_RE.finditer(phrase):
        word = unpossessive(m.group().lower().replace("\u2019", "'"))
        if m.lastgroup == "num" and out and m.start() == end and out[-1].isalpha() and glues_number(out[-1]):
            out[-1] += word
        else:
            out.append(word)
        end = m.end()
    return tuple(out)


def unpossessive(word: str) -> str:
    """"today's" reads as "today"; "what's" and "it's" (is) stay as they are."""
    return word[:-2] if word.endswith("'s") and word not in CONTRACTIONS else word


@dataclass(frozen=True)
class Vocabulary:
    """Phrase table plus the few word lists the grammar consults directly."""

    phrases: dict[tuple[str, ...], tuple[str, Any]]
    max_len: int
    typos: dict[str, str]
    fuzzy_targets: tuple[str, ...]
    fuzzy_short: tuple[str, ...]
    known: frozenset[str]
    patterns: tuple[tuple[str, Any, re.Pattern[str]], ...]
    yes_no: dict[str, frozenset[tuple[str, ...]]]
    registry: Registry
    nouns: dict[str, str] = field(default_factory=dict)
    unsupported: frozenset[str] = field(default_factory=frozenset)
    corrections: re.Pattern[str] | None = None
    split_units: re.Pattern[str] | None = None
    discontinued: dict[str, re.Pattern[str]] = field(default_factory=dict)
    drugs: frozenset[str] = field(default_factory=frozenset)
    contrast: frozenset[str] = field(default_factory=frozenset)
    vitals: frozenset[str] = field(default_factory=frozenset)
    medications: frozenset[str] = field(default_factory=frozenset)
    numbers: dict[str, int] = field(default_factory=dict)  # "five" = 5
    ordinals: dict[str, int] = field(default_factory=dict)  # "3rd" = 3

    def lookup(self, tokens: tuple[str, ...]) -> tuple[str, Any] | None:
        return self.phrases.get(tokens)

    def correct(self, token: str) -> str:
        """Fix a typo: the table first, then the nearest domain word for long unknown tokens."""
        fixed = self.typos.get(token)
        if fixed is not None:
            return fixed
        if token in self.known or not token.isalpha() or len(token) < 4:
            return token
        if len(token) < FUZZY_MIN:
            return _one_edit(token, self.fuzzy_short)
        return _closest(token, self.fuzzy_targets)


@lru_cache(maxsize=8192)
def _closest(token: str, targets: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(token, targets, n=1, cutoff=0.86)
    return match[0] if match else token


@lru_cache(maxsize=8192)
def _one_edit(token: str, targets: tuple[str, ...]) -> str:
    """The only short domain word one insertion, deletion, substitution or swap away, else the token."""
    near = [t for t in targets if _one_apart(token, t)]
    return near[0] if len(near) == 1 else token


def _one_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _add(table: dict[tuple[str, ...], tuple[str, Any]], phrase: str, reading: tuple[str, Any]) -> None:
    key = word_tokens(str(phrase))
    if key and key not in table:
        table[key] = reading


def compile_vocabulary(registry: Registry) -> Vocabulary:
    """Build the phrase table: family words first (they name a procedure outright), then anatomy, then the
    vocabulary sections in SECTIONS order."""
    vocab = registry.vocabulary
    table: dict[tuple[str, ...], tuple[str, Any]] = {}
    try:
        for fam in registry.families.values():
            for word in fam.words:
                _add(table, word, ("family", fam.id))
        for section, kind in SECTIONS[:4]:
            _section(table, vocab[section], kind)
        for anat in registry.anatomy.values():
            for word in anat.words:
                _add(table, word, ("anat", anat.id))
        for section, kind in SECTIONS[4:]:
            _section(table, _cue_lists(vocab) if section == "cues" else vocab[section], kind)
        patterns = tuple(
            (fact, _value(value), re.compile(p))
            for fact, by_value in vocab["patterns"].items() for value, plist in by_value.items() for p in plist
        )
        yes_no = {k: frozenset(word_tokens(p) for p in v) for k, v in vocab["yes_no"].items()}
        typos = {str(k).lower(): str(v).lower() for k, v in vocab["typos"].items()}
        targets = tuple(sorted({str(t).lower() for t in vocab["fuzzy_targets"]}))
        short = tuple(sorted({str(t).lower() for t in vocab.get("fuzzy_short", [])}))
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise DataError(f"vocabulary.yaml: missing or malformed section ({exc})", "vocabulary.yaml") from None
    known = frozenset([*targets, *(str(w).lower() for w in vocab.get("keep", [])), *typos.values(),
                       *(t for key in table for t in key)])
    nouns = {str(w).lower(): noun for noun, words in vocab["count_nouns"].items() for w in words}
    return Vocabulary(phrases=table, max_len=max(len(k) for k in table), typos=typos, fuzzy_targets=targets,
                      fuzzy_short=short,
                      known=known, patterns=patterns, yes_no=yes_no, registry=registry, nouns=nouns,
                      unsupported=frozenset(str(w).lower() for w in vocab["unsupported"]),
                      drugs=frozenset(str(w).lower() for w in [*vocab.get("drugs", []), *vocab["contrast"]]),
                      contrast=frozenset(str(w).lower() for w in vocab["contrast"]),
                      vitals=frozenset(str(w).lower() for w in vocab.get("vitals", [])),
                      medications=frozenset(str(w).lower() for w in vocab.get("medications", [])),
                      numbers={str(k).lower(): int(v) for k, v in vocab["numbers"].items()},
                      ordinals={str(k).lower(): int(v) for k, v in vocab["ordinals"].items()},
                      corrections=re.compile(r"\b(?:" + "|".join(str(w) for w in vocab["corrections"]) + r")",
                                             re.IGNORECASE),
                      split_units=re.compile("|".join(f"(?:{w})" for w in vocab["split_units"]), re.IGNORECASE),
                      discontinued={name: _word_pattern(words) for name, words in vocab["discontinued"].items()})


def _word_pattern(words: list[Any]) -> re.Pattern[str]:
    """Any of the phrases as whole words, longest first, case-insensitive."""
    phrases = sorted((re.escape(str(w).lower()) for w in words), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


def _cue_lists(vocab: dict[str, Any]) -> dict[str, Any]:
    """The cue lists as the tagger reads them: the called-off words are negated cues (the grammar also reads them
    as calling the whole procedure off), and the drugs are parts of the procedure."""
    cues = vocab["cues"]
    merged = {k: v for k, v in cues.items() if k != "called_off"}
    merged["negated"] = [*cues["negated"], *cues.get("called_off", [])]
    merged["procedure_part"] = [*cues["procedure_part"], *vocab.get("drugs", []), *vocab["contrast"]]
    return merged


def _section(table: dict[tuple[str, ...], tuple[str, Any]], body: Any, kind: str) -> None:
    """A section is a list of phrases (value None), a mapping phrase -> value, or value -> list of phrases."""
    if isinstance(body, list):
        for phrase in body:
            named = kind in ("unsupported", "oos", "override", "off_task", "vague")  # the phrase is the value
            _add(table, phrase, (kind, str(phrase).lower() if named else None))
    elif isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, list):
                for phrase in value:
                    _add(table, phrase, (kind, key))
            else:
                _add(table, key, (kind, value))


def _value(raw: str) -> Any:
    return {"true": True, "false": False}.get(str(raw), str(raw))


_COMPILED: dict[int, tuple[Registry, Vocabulary]] = {}


def vocabulary_of(catalog: Catalog) -> Vocabulary:
    """The compiled vocabulary of a catalog's registry (compiled once per registry object; the registry is frozen
    curated data, shared by every catalog view built on it)."""
    registry = catalog.registry
    cached = _COMPILED.get(id(registry))
    if cached is None or cached[0] is not registry:
        cached = _COMPILED[id(registry)] = (registry, compile_vocabulary(registry))
    return cached[1]


__all__ = ["TOKEN_RE", "Vocabulary", "compile_vocabulary", "unpossessive", "vocabulary_of", "word_tokens"]
