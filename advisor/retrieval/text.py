"""Text handling shared by chunking and search: code/modifier extraction, coder abbreviations, BM25 tokens.

Coders search with exact tokens (64495, 0216T, G0260, XS, KX, 50) and shorthand (MBB, TFESI); a generic
tokenizer would drop or split them, so this module keeps them intact and expands the shorthand (derived from the
catalog's family and anatomy words, plus a glossary of billing terms).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from advisor.rules.catalog import curated_catalog
from advisor.rules.registry import Registry

# 5-character CPT/HCPCS codes standing alone: 64495, 01996, 0216T, 1234F, G0260 (+64491 and 64493-50 included).
_CODE_RE = re.compile(r"(?<![A-Za-z0-9])(\d{4}[0-9TtFf]|[A-Za-z]\d{4})(?![A-Za-z0-9])")
_RANGE_RE = re.compile(
    r"(?<![A-Za-z0-9])(\d{4}[0-9TF]|[A-Z]\d{4})\s*(?:-|–|—|through|to)\s*\+?(\d{4}[0-9TF]|[A-Z]\d{4})(?![A-Za-z0-9])"
)
MAX_RANGE = 30

ALPHA_MODIFIERS = frozenset({"XS", "XE", "XP", "XU", "KX", "RT", "LT", "GA", "GZ", "GY", "GX", "TC", "QW"})
# Lowercase is unambiguous for these (no English word), so a query "when is xs used" still counts.
_CASELESS_MODIFIERS = frozenset({"XS", "XE", "XP", "XU", "KX"})
NUMERIC_MODIFIERS = frozenset({"22", "25", "26", "50", "51", "52", "57", "59", "76", "77", "78", "79"})
_ALPHA_MOD_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(?![A-Za-z0-9])")
# Numeric modifiers only count in modifier context: "modifier 25", "modifiers 25 and 59", "25 modifier", "64493-50".
_NUM_MOD_CONTEXT_RE = re.compile(
    r"\bmod(?:ifier)?s?\s+((?:\d{2}|[A-Z]{2})(?:\s*(?:,|/|and|or|&)\s*(?:\d{2}|[A-Z]{2}))*)\b"
    r"|\b(\d{2})\s*(?:-\s*)?modifiers?\b"
    r"|(?<![A-Za-z0-9])(?:\d{4}[0-9TF]|[A-Z]\d{4})((?:-(?:\d{2}|[A-Z]{2}))+)",
    re.IGNORECASE,
)

# Billing, imaging and visit shorthand that names no procedure family or anatomy. Family names (MBB, TFESI, ESI) and
# anatomy abbreviations (SIJ, TF) come from the catalog registry instead: see catalog_shorthand.
GLOSSARY: dict[str, str] = {
    "RFA": "radiofrequency ablation",
    "RF": "radiofrequency",
    "FLUORO": "fluoroscopy",
    "US": "ultrasound",
    "CT": "computed tomography",
    "IA": "intra-articular",
    "E/M": "evaluation and management visit",
    "EM": "evaluation and management visit",
    "MUE": "medically unlikely edit",
    "MUES": "medically unlikely edit",
    "MAI": "MUE adjudication indicator",
    "PTP": "procedure-to-procedure NCCI edit",
    "NCCI": "national correct coding initiative edit",
    "LCD": "local coverage determination Medicare",
    "LCDS": "local coverage determination Medicare",
    "MAC": "Medicare administrative contractor monitored anesthesia care",
    "ASC": "ambulatory surgery center facility",
    "OPPS": "hospital outpatient facility",
    "HOPD": "hospital outpatient facility",
    "OIG": "Office of Inspector General audit",
    "MPFS": "Medicare physician fee schedule",
    "PFS": "physician fee schedule",
    "DOS": "date of service",
    "OP": "operative",
    "BILAT": "bilateral",
    "INJ": "injection",
}
# Shorthand that is an English word in lower case ("mac", "dos") counts only in capitals; so does any two-letter
# shorthand ("US", "SI", "TF", not "us", "si").
_CAPS_ONLY = frozenset({"MAC", "DOS"})
_WORD_RE = re.compile(r"E/M|[A-Za-z]+")

STOPWORDS = frozenset(
    """a an and are as at be but by can could did do does for from had has have how i if in into is it its me my
    of on or our should so than that the their them then there these they this those to was we were what when where
    which while who why will with would you your us""".split()
)
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_UPPER_US_RE = re.compile(r"\bUS\b")


def _expand_range(start: str, end: str) -> list[str]:
    """64490-64495 -> all six codes; 0213T-0218T likewise; anything odd -> just the two ends."""
    if start[-1].isalpha() and start[-1] == end[-1] and start[:4].isdigit() and end[:4].isdigit():
        a, b, fmt = int(start[:4]), int(end[:4]), "{:04d}" + start[-1]
    elif start[0].isalpha() and start[0] == end[0]:
        a, b, fmt = int(start[1:]), int(end[1:]), start[0] + "{:04d}"
    elif start.isdigit() and end.isdigit():
        a, b, fmt = int(start), int(end), "{:05d}"
    else:
        return [start, end]
    if not 0 < b - a <= MAX_RANGE:
        return [start, end]
    return [fmt.format(n) for n in range(a, b + 1)]


def extract_codes(text: str) -> list[str]:
    """Codes a text names, in first-seen order, with ranges like 64490-64495 expanded."""
    found: dict[str, None] = {}
    for m in _RANGE_RE.finditer(text):
        for code in _expand_range(m.group(1), m.group(2)):
            found.setdefault(code, None)
    for m in _CODE_RE.finditer(text):
        found.setdefault(m.group(1).upper(), None)
    return list(found)


def extract_modifiers(text: str) -> list[str]:
    """Modifiers a text names: capital XS/KX/RT..., and numeric ones (25, 50, 59) only in modifier context."""
    found: dict[str, None] = {}
    for m in _ALPHA_MOD_RE.finditer(text):
        word = m.group(1)
        if word in ALPHA_MODIFIERS or word.upper() in _CASELESS_MODIFIERS:
            found.setdefault(word.upper(), None)
    for m in _NUM_MOD_CONTEXT_RE.finditer(text):
        for group in m.groups():
            if group:
                for tok in re.findall(r"\d{2}|[A-Za-z]{2}", group):
                    tok = tok.upper()
                    if tok in NUMERIC_MODIFIERS or tok in ALPHA_MODIFIERS:
                        found.setdefault(tok, None)
    return list(found)


def _initials_of(short: str, name: str) -> bool:
    """"mbb" (or "mbbs") is the initials of "medial branch block"."""
    initials = "".join(word[0] for word in re.findall(r"[a-z]+", name.lower()))
    short = short.lower()
    return len(initials) > 1 and initials in (short, short[:-1] if short.endswith("s") else short)


def _abbreviates(short: str, name: str) -> bool:
    """"sij" abbreviates "sacroiliac joint": same first letter, its letters in order, not a plain part of the name."""
    short, name = short.lower(), re.sub(r"[^a-z]", "", name.lower())
    if not short or not name or short[0] != name[0] or short in name:
        return False
    rest = iter(name)
    return all(ch in rest for ch in short)


def catalog_shorthand(registry: Registry) -> dict[str, str]:
    """Shorthand the catalog defines, so a family's words in families.yaml reach search with no code change: a
    family's one-word name expands to the name it is the initials of ("ESI" -> "epidural steroid injection"), else
    to the family's label ("TFESI"); an anatomy abbreviation ("SIJ", "TF") to the longest name it abbreviates."""
    table: dict[str, str] = {}
    for fam in registry.families.values():
        for word in fam.words:
            if word.isalpha():
                spelled = next((name for name in fam.words if _initials_of(word, name)), fam.label)
                table.setdefault(word.upper(), spelled)
    for anat in registry.anatomy.values():
        for word in anat.words:
            names = [name for name in anat.words if _abbreviates(word, name)]
            if word.isalpha() and names:
                table.setdefault(word.upper(), max(names, key=len))
    return table


@dataclass(frozen=True)
class Shorthand:
    """Coder shorthand (upper case) -> the words the guidance uses, appended to a query so both rankers see them."""

    long_forms: Mapping[str, str]

    @classmethod
    def of(cls, registry: Registry) -> Shorthand:
        """The catalog's shorthand plus the glossary."""
        return cls({**GLOSSARY, **catalog_shorthand(registry)})

    def expand(self, query: str) -> str:
        """Append the long forms of the shorthand in a query ("MBB" -> "... medial branch block"), keeping it whole."""
        extra: dict[str, None] = {}
        lowered = query.lower()
        for m in _WORD_RE.finditer(query):
            word = m.group(0)
            key = word.upper()
            if word != key and (len(key) <= 2 or key in _CAPS_ONLY):
                continue
            long_form = self.long_forms.get(key)
            if long_form and long_form.lower() not in lowered:
                extra.setdefault(long_form, None)
        return f"{query} ({'; '.join(extra)})" if extra else query


@lru_cache(maxsize=1)
def curated_shorthand() -> Shorthand:
    """The shorthand of the curated catalog (families and anatomy do not change with imported CMS tables)."""
    return Shorthand.of(curated_catalog().registry)


def _stem(token: str) -> str:
    """A light plural stemmer: enough for injections/injection, levels/level, therapies/therapy."""
    if token.isdigit() or len(token) <= 3:
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("s") and not token.endswith(("ss", "us", "is", "xs")):
        return token[:-1]
    return token


def tokenize(text: str) -> list[str]:
    """BM25 tokens: lowercase words and codes (64495, 0216t, g0260, xs, 50) kept whole, stopwords dropped."""
    text = _UPPER_US_RE.sub("ultrasound", text).lower()
    return [_stem(t) for t in _TOKEN_RE.findall(text) if len(t) > 1 and t not in STOPWORDS]
