"""Metamorphic robustness: variants of every case that keep its meaning must get the same verdict and claim as the
case itself; variants that change its meaning must change the answer the way the change says.

Meaning-preserving: digits <-> number words, shorthand <-> spelled out, sentence order, a typo, an irrelevant
sentence, payer phrasing. Meaning-changing: the procedure negated (its codes leave the claim, no Yes), a side flipped
(RT <-> LT on the claim), a count changed (the claim changes).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from advisor.claims import format_line
from advisor.evaluation.cases import AskCase

NUMBERS = {"2": "two", "3": "three", "4": "four", "5": "five", "6": "six"}
COUNT_NOUNS = r"(levels?|joints?|muscles?|nerves?|knees?|units?|sessions?|injections?|sites?|points?)"
# Coder shorthand and the words it stands for, both ways (evaluation tooling, not the reader's vocabulary).
SHORTHAND = [
    (r"\bMBBs?\b", "medial branch block"), (r"\bTFESI\b", "transforaminal epidural steroid injection"),
    (r"\bRFA\b", "radiofrequency ablation"), (r"\bTPIs?\b", "trigger point injections"),
    (r"\bSIJ\b", "SI joint"), (r"\bfluoro\b", "fluoroscopy"), (r"\bbilat\b", "bilateral"),
    (r"\bESI\b", "epidural steroid injection"), (r"\bILESI\b", "interlaminar epidural steroid injection"),
    (r"\bw/\s", "with "), (r"\bpt\b", "patient"),
]
SPELLED = [(re.compile(r"\bmedial branch blocks?\b", re.I), "MBB"),
           (re.compile(r"\bradiofrequency ablation\b", re.I), "RFA"),
           (re.compile(r"\bfluoroscopy\b", re.I), "fluoro"), (re.compile(r"\bbilateral\b", re.I), "bilat"),
           (re.compile(r"\btrigger point injections?\b", re.I), "TPIs")]
TYPO_WORDS = re.compile(r"\b(bilateral|transforaminal|fluoroscopy|interlaminar|radiofrequency|injection|ultrasound|"
                        r"trapezius|diagnostic|therapeutic)\b", re.I)
IRRELEVANT = "The patient is a 67 year old retired teacher who drove herself in."
SIDE_RE = re.compile(r"\b(left|right)\b", re.I)
NEGATE_SUFFIX = " Update: the patient left before the procedure, so it was not done."


@dataclass(frozen=True)
class Variant:
    transform: str
    preserving: bool
    question: str


def _digits_words(q: str) -> str | None:
    pattern = re.compile(rf"\b([2-6])\s+{COUNT_NOUNS}\b", re.I)
    if pattern.search(q):
        return pattern.sub(lambda m: f"{NUMBERS[m.group(1)]} {m.group(2)}", q, count=1)
    words = {v: k for k, v in NUMBERS.items()}
    pattern = re.compile(rf"\b(two|three|four|five|six)\s+{COUNT_NOUNS}\b", re.I)
    if pattern.search(q):
        return pattern.sub(lambda m: f"{words[m.group(1).lower()]} {m.group(2)}", q, count=1)
    return None


def _shorthand(q: str) -> str | None:
    for pattern, long in SHORTHAND:
        if re.search(pattern, q):
            return re.sub(pattern, long, q, count=1)
    for spelled, short in SPELLED:
        if spelled.search(q):
            return spelled.sub(short, q, count=1)
    return None


def _order(q: str) -> str | None:
    """Swap the first two statements when a question ends with a question sentence after them."""
    parts = [p for p in re.split(r"(?<=[.!])\s+", q.strip()) if p]
    if len(parts) < 3 or parts[0].endswith("?") or parts[1].endswith("?"):
        return None
    return " ".join([parts[1], parts[0], *parts[2:]])


def _typo(q: str) -> str | None:
    m = TYPO_WORDS.search(q)
    if m is None:
        return None
    word = m.group(0)
    i = len(word) // 2
    typo = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return q[:m.start()] + typo + q[m.end():]


def _irrelevant(q: str) -> str:
    return f"{IRRELEVANT} {q}"


def _payer(q: str) -> str | None:
    if re.search(r"\bmedicare\b", q, re.I):
        return re.sub(r"\bmedicare\b", "Medicare Part B", q, count=1, flags=re.I)
    if re.search(r"\b(bcbs|aetna|uhc|cigna|commercial|anthem|united)\b", q, re.I):
        return None
    return f"{q.rstrip()} Medicare patient."


def _flip(q: str) -> str | None:
    sides = SIDE_RE.findall(q)
    if len({s.lower() for s in sides}) != 1 or re.search(r"\bright (code|modifier)|\b(is|that|this) right\b", q, re.I):
        return None
    return SIDE_RE.sub(lambda m: {"left": "right", "right": "left"}[m.group(0).lower()], q)


def _count(q: str) -> str | None:
    """A deciding count changed (levels, joints, muscles, knees). Not nerves: facet codes count joints, so a nerve
    count does not decide the claim; not the digit of a level name ('L4-5 joint'); not a count one more than the
    joints the question names ('3 levels: L4-5, L5-S1' is the nerves counted, and the named joints decide)."""
    pattern = re.compile(rf"(?<![\w-])([2-5]|two|three|four|five)\s+{COUNT_NOUNS}\b", re.I)
    m = pattern.search(q)
    if m is None or re.search(r"\b(units?|sessions?|injections?|sites?|points?|nerves?)\b", m.group(2), re.I):
        return None
    up = {"2": "3", "3": "2", "4": "2", "5": "2", "two": "three", "three": "two", "four": "two", "five": "two"}
    new = up[m.group(1).lower()]
    joints = set(re.findall(r"\b[CTL]\d{1,2}-[CTLS]?\d\b", q, re.I))
    numbers = {"2": 2, "3": 3, "4": 4, "5": 5, "two": 2, "three": 3, "four": 4, "five": 5}
    if re.search(r"levels?|joints?", m.group(2), re.I) and joints and len(joints) + 1 in (
            numbers[new], numbers[m.group(1).lower()]):
        return None
    return q[:m.start(1)] + new + q[m.end(1):]


PRESERVING: list[tuple[str, Callable[[str], str | None]]] = [
    ("digits_words", _digits_words), ("shorthand", _shorthand), ("order", _order), ("typo", _typo),
    ("irrelevant", _irrelevant), ("payer", _payer),
]
CHANGING: list[tuple[str, Callable[[str], str | None]]] = [("flip_side", _flip), ("change_count", _count)]
TRANSFORMS: dict[str, Callable[[str], str | None]] = dict(PRESERVING + CHANGING)  # by name, for other tools


def variants(case: AskCase) -> list[Variant]:
    """The variants that apply to a case's question (multi-turn cases vary their last question)."""
    out = []
    for name, fn in PRESERVING + CHANGING:
        q = fn(case.question)
        if q and q != case.question:
            out.append(Variant(name, any(name == p for p, _ in PRESERVING), q))
    if case.lines and not case.history:
        out.append(Variant("negate", False, case.question.rstrip() + NEGATE_SUFFIX))
    return out


def _claim(answer: Any) -> list[str]:
    return sorted(format_line(ln) for ln in answer.claim)


def _swap_sides(lines: Sequence[str]) -> list[str]:
    return sorted(s.replace("-RT", "-@@").replace("-LT", "-RT").replace("-@@", "-LT") for s in lines)


def consistent(variant: Variant, original: Any, answer: Any) -> bool:
    """Did the variant's answer move the way its transform says it should?"""
    base, got = _claim(original), _claim(answer)
    if variant.preserving:
        return got == base and answer.verdict == original.verdict and answer.kind == original.kind
    if variant.transform == "negate":
        procedures = {ln.code for ln in original.claim if not ln.code.startswith("99")}
        return not procedures & {ln.code for ln in answer.claim} and answer.verdict != "yes"
    if variant.transform == "flip_side":
        return got == _swap_sides(base) if any("-RT" in s or "-LT" in s for s in base) else got == base
    if variant.transform == "change_count":
        return got != base or answer.kind == "clarify"
    return False


def run_perturbation(ask: Callable[[AskCase, str], Any], cases: Sequence[AskCase]) -> dict[str, Any]:
    """Ask every case and its variants; consistency overall and by transform, with the inconsistent examples."""
    by: dict[str, list[bool]] = defaultdict(list)
    failures: list[dict[str, Any]] = []
    for case in cases:
        original = ask(case, case.question)
        for v in variants(case):
            answer = ask(case, v.question)
            ok = consistent(v, original, answer)
            by[v.transform].append(ok)
            if not ok:
                failures.append({"id": case.id, "transform": v.transform, "question": v.question,
                                 "original": {"verdict": original.verdict, "lines": _claim(original)},
                                 "got": {"verdict": answer.verdict, "lines": _claim(answer), "kind": answer.kind}})
    total = [ok for oks in by.values() for ok in oks]
    return {
        "variants": len(total),
        "consistency": round(sum(total) / len(total), 4) if total else None,
        "by_transform": {k: {"variants": len(v), "consistency": round(sum(v) / len(v), 4)}
                         for k, v in sorted(by.items())},
        "failures": failures,
    }


__all__ = ["CHANGING", "PRESERVING", "Variant", "consistent", "run_perturbation", "variants"]
