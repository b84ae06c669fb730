"""Scoring one answer (or one check result) against its case.

Line matching: a produced line matches an expected one when the code and the units are equal and the modifier sets
are equal after ignoring RT/LT, except that RT/LT written in the expected line must be present on the produced one.
An expected "A|B" accepts either alternative. Expected lines are paired one-to-one with produced lines (maximum
bipartite matching, so alternatives never steal each other's lines).

must_not: a pattern with neither modifiers nor units (`64495`) forbids that code with any modifiers and units; with
units but no modifiers (`64493 x2`) it forbids that code with those units, whatever the modifiers; with modifiers
(`64493-50`) it forbids exactly that line (RT/LT rule as above). A bare code the case also expects in `lines`
(`lines: ["99213-25"]`, `must_not: ["99213"]`) forbids only that code without modifiers: the case cannot mean both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from advisor.claims import ClaimLine, format_line, parse_line
from advisor.evaluation.cases import AskCase, CheckCase, parse_alternatives

SIDES = frozenset({"RT", "LT"})


def line_matches(produced: ClaimLine, expected: ClaimLine) -> bool:
    """Same code and units; same modifiers apart from RT/LT, and RT/LT written in `expected` present in `produced`."""
    if produced.code != expected.code or produced.units != expected.units:
        return False
    got, want = set(produced.modifiers), set(expected.modifiers)
    return got - SIDES == want - SIDES and (want & SIDES) <= got


def spec_matches(produced: ClaimLine, alternatives: Sequence[ClaimLine]) -> bool:
    return any(line_matches(produced, alt) for alt in alternatives)


def match_lines(
    expected: Sequence[Sequence[ClaimLine]], produced: Sequence[ClaimLine]
) -> tuple[dict[int, int], list[int], list[int]]:
    """Pair expected specs with produced lines: ({spec index: produced index}, unmatched specs, unmatched produced)."""
    owner: dict[int, int] = {}  # produced index -> spec index

    def augment(spec: int, visited: set[int]) -> bool:
        for j, line in enumerate(produced):
            if j in visited or not spec_matches(line, expected[spec]):
                continue
            visited.add(j)
            if j not in owner or augment(owner[j], visited):
                owner[j] = spec
                return True
        return False

    for i in range(len(expected)):
        augment(i, set())
    pairs = {spec: j for j, spec in owner.items()}
    missing = [i for i in range(len(expected)) if i not in pairs]
    extra = [j for j in range(len(produced)) if j not in owner]
    return pairs, missing, extra


_BARE_RE = re.compile(r"^\s*[A-Za-z0-9]+\s*$")


def forbidden(produced: ClaimLine, pattern_text: str, expected_codes: frozenset[str] = frozenset()) -> bool:
    """Does a must_not pattern forbid this produced line? (see the module docstring)."""
    pattern = parse_line(pattern_text, "must_not")
    if produced.code != pattern.code:
        return False
    if pattern.modifiers:
        return line_matches(produced, pattern)
    if _BARE_RE.match(pattern_text):
        return not produced.modifiers if pattern.code in expected_codes else True
    return produced.units == pattern.units


def _fact_text(value: Any) -> str:
    """A look-up value as compared: lower case, numbers by value ('010' global days is 10)."""
    text = str(value).lower()
    return str(int(text)) if text.isdigit() else text


def citation_hit(citations: Iterable[Any], words: Sequence[str]) -> bool:
    """At least one citation whose title + section + text contains every word (case-insensitive)."""
    wanted = [w.lower() for w in words]
    for c in citations:
        hay = " ".join(str(_get(c, k) or "") for k in ("title", "section", "text")).lower()
        if all(w in hay for w in wanted):
            return True
    return False


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def spec_text(alternatives: Sequence[ClaimLine]) -> str:
    return "|".join(format_line(a) for a in alternatives)


@dataclass
class CaseResult:
    """One ask case's outcome: pass/fail per expectation, line counts for precision/recall, what was expected/got."""

    id: str
    tags: list[str]
    passed: bool
    problems: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)
    got: dict[str, Any] = field(default_factory=dict)
    matched: int = 0
    n_expected: int = 0
    n_produced: int = 0
    exact_match: bool = False
    verdict_ok: bool | None = None
    citation_ok: bool | None = None
    latency_ms: float | None = None
    error: str | None = None
    question: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "tags": self.tags, "passed": self.passed, "question": self.question,
            "problems": self.problems, "kinds": self.kinds, "expected": self.expected, "got": self.got,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1), "error": self.error,
        }


def expected_of(case: AskCase) -> dict[str, Any]:
    out: dict[str, Any] = {"lines": list(case.lines)}
    if case.exact:
        out["exact"] = True
    if case.verdict is not None:
        out["verdict"] = case.verdict
    if case.kind is not None:
        out["kind"] = case.kind
    if case.lookup:
        out["lookup"] = dict(case.lookup)
    if case.must_not:
        out["must_not"] = list(case.must_not)
    if case.cite_contains:
        out["cite_contains"] = list(case.cite_contains)
    return out


def score_answer(case: AskCase, answer: Any) -> CaseResult:
    """Score an Answer (or anything with .verdict, .claim [ClaimLine], .citations) against an ask case."""
    produced: list[ClaimLine] = [ln if isinstance(ln, ClaimLine) else parse_line(str(ln)) for ln in answer.claim]
    citations = list(getattr(answer, "citations", []) or [])
    verdict = getattr(answer, "verdict", None)
    expected = case.expected
    pairs, missing, extra = match_lines(expected, produced)
    problems: list[str] = []
    kinds: list[str] = []
    missing_text = [case.lines[i] for i in missing]
    extra_text = [format_line(produced[j]) for j in extra] if case.exact else []
    problems += [f"missing line {t}" for t in missing_text]
    problems += [f"extra line {t} (exact)" for t in extra_text]
    if missing_text and extra_text:
        kinds.append(f"lines {', '.join(missing_text)} -> {', '.join(extra_text)}")
    elif missing_text:
        kinds.append(f"missing {', '.join(missing_text)}")
    elif extra_text:
        kinds.append(f"extra {', '.join(extra_text)}")
    expected_codes = frozenset(alt.code for group in expected for alt in group)
    for pattern in case.must_not:
        for j, line in enumerate(produced):
            if forbidden(line, pattern, expected_codes):
                problems.append(f"forbidden line {format_line(line)} (must_not {pattern})")
                if not (case.exact and j in extra):  # already counted as an extra line
                    kinds.append(f"forbidden {pattern}")
    verdict_ok = None
    if case.verdict is not None:
        # A clarifying question is the conditional answer: it names the fact the verdict depends on.
        verdict_ok = verdict == case.verdict or (case.verdict == "conditional" and _kind(answer) == "clarify")
        if not verdict_ok:
            problems.append(f"verdict {verdict!r}, expected {case.verdict!r}")
            kinds.append(f"verdict {case.verdict}->{verdict}")
    elif verdict is not None and _kind(answer) != "lookup":  # a yes/no look-up may say yes or no
        verdict_ok = False
        problems.append(f"verdict {verdict!r} for a question that expects none")
        kinds.append(f"verdict none->{verdict}")
    answer_kind = _kind(answer)
    if case.kind is not None and answer_kind != case.kind:
        problems.append(f"kind {answer_kind!r}, expected {case.kind!r}")
        kinds.append(f"kind {case.kind}->{answer_kind}")
    facts = list(getattr(answer, "lookup", []) or [])
    for name, value in case.lookup.items():
        want = _fact_text(value)
        values = [_fact_text(_get(f, "value")) for f in facts if _get(f, "field") == name]
        if want not in values:
            problems.append(f"look-up {name} {values or 'missing'}, expected {want}")
            kinds.append(f"look-up {name}")
    text = str(getattr(answer, "answer", "") or "").lower()
    for needle in case.answer_contains:
        if needle.lower() not in text:
            problems.append(f"answer does not contain {needle!r}")
            kinds.append("answer text")
    citation_ok = None
    if case.cite_contains:
        citation_ok = citation_hit(citations, case.cite_contains)
        if not citation_ok:
            words = " + ".join(case.cite_contains)
            problems.append(f"no citation contains {words!r}" + ("" if citations else " (no citations)"))
            kinds.append("citation miss" if citations else "no citations")
    got = {
        "lines": [format_line(ln) for ln in produced],
        "verdict": verdict,
        "kind": answer_kind,
        "citations": [f"{_get(c, 'title')} > {_get(c, 'section')}" for c in citations],
    }
    return CaseResult(
        id=case.id, tags=list(case.tags), passed=not problems, problems=problems, kinds=kinds,
        expected=expected_of(case), got=got, matched=len(pairs), n_expected=len(expected), n_produced=len(produced),
        exact_match=not missing and not extra, verdict_ok=verdict_ok, citation_ok=citation_ok, question=case.question,
    )


def error_result(case: AskCase | CheckCase, exc: BaseException, latency_ms: float | None = None) -> CaseResult:
    """An exception while answering/checking this case: the case fails, the run goes on."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    n_expected = len(case.lines) if isinstance(case, AskCase) else 0
    return CaseResult(
        id=case.id, tags=list(case.tags), passed=False, problems=[f"engine error: {type(exc).__name__}: {message}"],
        kinds=[f"engine error {type(exc).__name__}"],
        expected=expected_of(case) if isinstance(case, AskCase) else check_expected(case), got={},
        n_expected=n_expected, verdict_ok=False if getattr(case, "verdict", None) else None,
        citation_ok=False if getattr(case, "cite_contains", None) else None, latency_ms=latency_ms,
        error=f"{type(exc).__name__}: {message}", question=getattr(case, "question", ""),
    )


def check_expected(case: CheckCase) -> dict[str, Any]:
    out: dict[str, Any] = {"lines": list(case.lines), "status": case.status, "rules": list(case.rules)}
    if case.not_rules:
        out["not_rules"] = list(case.not_rules)
    if case.claim is not None:
        out["claim"] = list(case.claim)
    return out


def score_check(case: CheckCase, result: Any) -> CaseResult:
    """Score a CheckResult: status equal, every `rules` id fired, no `not_rules` id fired, `claim` exactly."""
    fired = [f.rule for f in result.findings]
    problems: list[str] = []
    kinds: list[str] = []
    if result.status != case.status:
        problems.append(f"status {result.status!r}, expected {case.status!r}")
        kinds.append(f"status {case.status}->{result.status}")
    for rule in case.rules:
        if rule not in fired:
            problems.append(f"rule {rule} did not fire")
            kinds.append(f"missing rule {rule}")
    for rule in case.not_rules:
        if rule in fired:
            problems.append(f"rule {rule} fired (not_rules)")
            kinds.append(f"unwanted rule {rule}")
    claim = [format_line(ln) for ln in result.claim]
    if case.claim is not None:
        specs = [parse_alternatives(t) for t in case.claim]
        _, missing, extra = match_lines(specs, list(result.claim))
        if missing or extra:
            problems.append(f"corrected claim {claim}, expected {case.claim}")
            kinds.append("corrected claim differs")
    got = {"status": result.status, "rules": fired, "claim": claim}
    return CaseResult(id=case.id, tags=list(case.tags), passed=not problems, problems=problems, kinds=kinds,
                      expected=check_expected(case), got=got)


__all__ = [
    "CaseResult", "citation_hit", "error_result", "forbidden", "line_matches", "match_lines", "score_answer",
    "score_check", "spec_matches",
]


def _kind(answer: object) -> str | None:
    """The answer's kind (claim, lookup, clarify, ...), None for answers that carry none."""
    kind = getattr(answer, "kind", None)
    return None if kind is None else str(kind)
