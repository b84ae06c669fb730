"""The "retrieval only" baseline: answer from the top passages, without the rules engine.

For each case: search the question (after the conversation's earlier questions, for follow-ups) for the top 3
passages; split them into sentences/lines; take the one sharing the most words with the question among those that
mention claim lines; its lines are the claim. A yes/no question gets "no" when that sentence carries a negative cue
(never, not, included, bundled, ...) and "yes" otherwise. The passages are the citations. It is deliberately naive:
the point is to show, on the same cases and scorer, what the rules engine adds over retrieval alone.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from advisor.claims import ClaimLine, parse_line
from advisor.errors import AdvisorError
from advisor.evaluation.cases import AskCase
from advisor.evaluation.scoring import CaseResult, error_result, score_answer

TOP_K = 3
LINE_TOKEN_RE = re.compile(r"\b((?:\d{5}|\d{4}[FTU]|[A-V]\d{4})(?:-[A-Z0-9]{2})*(?:\s*[x×]\s*\d+)?)\b")
SEGMENT_RE = re.compile(r"(?<=[.!?])\s+|\n+")
WORD_RE = re.compile(r"[a-z0-9]+")
STOP = frozenset(
    "a an and are as at be bill billed billing by can code codes coding cpt did do does for from how i if in is it "
    "its of on or so that the then this to was we what when which who will with you your".split()
)
YES_NO_RE = re.compile(
    r"^(can|could|is|isn't|are|do|does|should|may|will|would|am|must)\b|\b(right|correct|ok|okay|yes|allowed|legit)\?\s*$"
    r"|,\s*(yes|right|correct)\?", re.I,
)
NEGATIVE_RE = re.compile(
    r"\b(never|not|no|don't|do not|cannot|can't|isn't|included|bundled|non-covered|not covered|instead|only once|"
    r"wrong|incorrect|denied)\b", re.I,
)


@dataclass
class BaselineAnswer:
    """Shaped like an Answer as far as the scorer cares."""

    verdict: str | None
    claim: list[ClaimLine]
    citations: list[Any] = field(default_factory=list)


def words(text: str) -> set[str]:
    return {w for w in WORD_RE.findall(text.lower()) if w not in STOP}


def lines_in(text: str) -> list[ClaimLine]:
    """Claim-line tokens written in a text (`64493-50`, `64636 x2`), in order, without repeats."""
    out: list[ClaimLine] = []
    for token in LINE_TOKEN_RE.findall(text):
        try:
            line = parse_line(token.replace("×", "x"))
        except AdvisorError:
            continue
        if line not in out:
            out.append(line)
    return out


def answer_from_passages(question: str, passages: Sequence[Any]) -> BaselineAnswer:
    """The naive answer: lines of the passage sentence closest to the question, verdict from keyword cues."""
    q = words(question)
    best: tuple[int, int, str] | None = None  # (overlap, -rank, segment)
    for rank, passage in enumerate(passages):
        for segment in SEGMENT_RE.split(passage.text):
            if not LINE_TOKEN_RE.search(segment):
                continue
            key = (len(q & words(segment)), -rank, segment)
            if best is None or key[:2] > best[:2]:
                best = key
    segment = best[2] if best else ""
    verdict = None
    if YES_NO_RE.search(question.strip()):
        verdict = "no" if NEGATIVE_RE.search(segment) else "yes"
    return BaselineAnswer(verdict=verdict, claim=lines_in(segment), citations=list(passages))


def run_baseline(searcher: Any, cases: Sequence[AskCase], k: int = TOP_K) -> list[CaseResult]:
    """Score the baseline on the ask cases with the same scorer as the engine."""
    results = []
    for case in cases:
        started = time.perf_counter()
        try:
            query = " ".join([*case.history, case.question])
            passages = searcher.search(query[-2000:], k=k)
            result = score_answer(case, answer_from_passages(case.question, passages))
            result.latency_ms = (time.perf_counter() - started) * 1000
        except Exception as exc:  # noqa: BLE001 - same rule as the engine: one case fails, the run goes on
            result = error_result(case, exc, (time.perf_counter() - started) * 1000)
        results.append(result)
    return results


__all__ = ["BaselineAnswer", "answer_from_passages", "lines_in", "run_baseline"]
