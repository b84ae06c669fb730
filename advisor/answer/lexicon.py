"""Coder shorthand and typos -> canonical words, so the understanding patterns see one vocabulary.

The words live in lexicon.yaml (data, easy to extend from real questions); this module compiles them once.
Coders write "bilat facit injction L4-5 w/ fluro": the patterns downstream only ever look for "bilateral",
"facet", "injection", "fluoroscopy".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import DataError
from advisor.rules.catalog import joint_sizes

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_TOKEN_RE = re.compile(r"[a-z]{6,}")
# Capitalised "US" in a coder's note is ultrasound ("used US instead"), unless it names the country.
_US_RE = re.compile(r"(?<!\bthe )(?<!\bin )\bUS\b(?!A\b)")


def _alternation(words: list[str]) -> re.Pattern[str]:
    """One regex matching any of `words` as whole words (longest first so phrases beat their parts)."""
    ordered = sorted({w.lower() for w in words if w}, key=len, reverse=True)
    body = "|".join(re.escape(w) for w in ordered) or r"(?!x)x"
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


@dataclass(frozen=True)
class Lexicon:
    """The compiled lexicon. Built by `load_lexicon`; immutable and shared."""

    rewrites: dict[str, str]
    rewrite_re: re.Pattern[str]
    fuzzy_targets: tuple[str, ...]
    known: frozenset[str]
    commercial_re: re.Pattern[str]
    out_of_scope_re: re.Pattern[str]
    override_re: re.Pattern[str]
    muscles: dict[str, str]  # written form -> canonical muscle
    muscle_re: re.Pattern[str]
    joints: dict[str, str]  # written form -> size class
    joint_re: re.Pattern[str]
    joint_sites: dict[str, str] = field(default_factory=dict)  # bursa/part -> the joint it belongs to
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def normalize(self, text: str) -> str:
        """Lowercase, unify dashes and spaces, fix typos, expand shorthand. Idempotent."""
        text = unicodedata.normalize("NFKC", text).translate(_DASHES)
        text = _US_RE.sub("ultrasound", text).lower()
        text = re.sub(r"\s+", " ", text).strip()
        text = self._rewrite(text)
        fixed = _TOKEN_RE.sub(lambda m: self._fuzzy(m.group(0)), text)
        return self._rewrite(fixed) if fixed != text else text

    def _rewrite(self, text: str) -> str:
        return self.rewrite_re.sub(lambda m: self.rewrites[m.group(0)], text)

    def _fuzzy(self, token: str) -> str:
        if token in self.known:
            return token
        return _closest(token, self.fuzzy_targets)

    def code_info(self, code: str) -> dict[str, Any] | None:
        """What an in-scope code stands for (family, region, level, size, imaging), or None."""
        return self.codes.get(code.upper())


@lru_cache(maxsize=4096)
def _closest(token: str, targets: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(token, targets, n=1, cutoff=0.86)
    return match[0] if match else token


@lru_cache(maxsize=2)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Read and compile lexicon.yaml; a malformed file raises DataError naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read the lexicon ({exc})", str(path)) from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a mapping of sections", str(path))
    try:
        rewrites = {str(k).lower(): str(v).lower() for k, v in {**data["replacements"], **data["phrases"]}.items()}
        muscles = {alias.lower(): name for name, aliases in data["muscles"].items() for alias in aliases}
        joints = joint_sizes()  # the rules catalog's table (advisor/rules/catalog/joints.yaml)
        targets = tuple(sorted({t.lower() for t in data["fuzzy_targets"]}))
        known = frozenset(
            [*targets, *(w.lower() for w in data.get("keep", []))]
            + [w for v in rewrites.values() for w in v.split()]
        )
        codes = {str(k).upper(): dict(v) for k, v in data.get("codes", {}).items()}
        return Lexicon(
            rewrites=rewrites,
            rewrite_re=_alternation(list(rewrites)),
            fuzzy_targets=targets,
            known=known,
            commercial_re=_alternation(data["commercial_payers"]),
            out_of_scope_re=_alternation(data["out_of_scope"]),
            override_re=re.compile("|".join(re.escape(p.lower()) for p in data["overrides"])),
            muscles=muscles,
            muscle_re=_alternation(list(muscles)),
            joints=joints,
            joint_re=_alternation(list(joints)),
            codes=codes,
            joint_sites={str(k).lower(): str(v).lower() for k, v in (data.get("joint_sites") or {}).items()},
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"{path}: missing or malformed section ({exc})", str(path)) from None
