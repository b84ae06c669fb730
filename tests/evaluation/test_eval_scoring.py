"""The scorer: line matching (RT/LT, units, modifier sets), 'A|B', exact, must_not, verdict, cite_contains."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from advisor.claims import parse_line
from advisor.evaluation.cases import AskCase
from advisor.evaluation.scoring import citation_hit, forbidden, line_matches, match_lines, score_answer


@dataclass
class Cite:
    title: str = "Facet joint injections"
    section: str = "Bilateral"
    text: str = ""


@dataclass
class Ans:
    claim: list[Any]
    verdict: str | None = None
    citations: list[Any] = field(default_factory=list)
    kind: str | None = None


def case(**kw: Any) -> AskCase:
    base = {"id": "c1", "question": "q?", "lines": [], "tags": ["t"], "source": "https://example.org"}
    return AskCase.model_validate(base | kw)


def ans(*lines: str, verdict: str | None = None, citations: list[Any] | None = None) -> Ans:
    return Ans([parse_line(x) for x in lines], verdict, citations or [])


@pytest.mark.parametrize(
    ("produced", "expected", "ok"),
    [
        ("64493-50", "64493-50", True),
        ("64493-50-RT", "64493-50", True),  # produced RT/LT ignored
        ("64493-LT", "64493", True),
        ("64493", "64493-RT", False),  # RT written in the expected line must be there
        ("64493-LT", "64493-RT", False),
        ("64493-RT-KX", "64493-KX-RT", True),  # order does not matter
        ("64493", "64493-50", False),
        ("64493-50-KX", "64493-50", False),  # other modifiers are not ignored
        ("64636 x2", "64636", False),  # units must be equal
        ("64636 x2", "64636 x2", True),
        ("64494", "64493", False),
    ],
)
def test_line_matches(produced: str, expected: str, ok: bool) -> None:
    assert line_matches(parse_line(produced), parse_line(expected)) is ok


def test_alternatives_accept_either() -> None:
    c = case(lines=["64493|64493-KX"], exact=True)
    assert score_answer(c, ans("64493")).passed
    assert score_answer(c, ans("64493-KX")).passed
    assert not score_answer(c, ans("64493-50")).passed


def test_matching_is_one_to_one_and_alternatives_do_not_steal() -> None:
    specs = [(parse_line("64493"), parse_line("64493-KX")), (parse_line("64493-KX"),)]
    pairs, missing, extra = match_lines(specs, [parse_line("64493-KX"), parse_line("64493")])
    assert not missing and not extra and len(pairs) == 2
    # one produced line cannot satisfy two expected lines
    pairs, missing, extra = match_lines([(parse_line("20610"),), (parse_line("20610"),)], [parse_line("20610")])
    assert missing == [1] and not extra


def test_exact_fails_on_extra_lines_and_non_exact_allows_them() -> None:
    got = ans("64493-50", "64494-50", "77003")
    exact = score_answer(case(lines=["64493-50", "64494-50"], exact=True), got)
    assert not exact.passed and any("extra line 77003" in p for p in exact.problems)
    assert not exact.exact_match
    assert score_answer(case(lines=["64493-50", "64494-50"], exact=False), got).passed
    assert not score_answer(case(lines=["64493-50", "64494-50"]), got).passed  # exact is the default


def test_missing_line_fails() -> None:
    r = score_answer(case(lines=["64493-50", "64494-50"]), ans("64493-50"))
    assert not r.passed and r.problems == ["missing line 64494-50"]
    assert (r.matched, r.n_expected, r.n_produced) == (1, 2, 1)


def test_empty_expected_with_exact_means_no_lines() -> None:
    c = case(lines=[], exact=True)
    assert score_answer(c, ans()).passed
    assert not score_answer(c, ans("93458")).passed


def test_must_not_bare_code_forbids_any_modifier() -> None:
    for produced in ("64495", "64495-50", "64495-RT-KX", "64495 x3"):
        assert forbidden(parse_line(produced), "64495"), produced
    assert not forbidden(parse_line("64494"), "64495")
    r = score_answer(case(lines=["64493"], must_not=["64495"]), ans("64493", "64495-LT"))
    assert not r.passed and "forbidden line 64495-LT (must_not 64495)" in r.problems


def test_must_not_with_modifiers_forbids_exactly_that() -> None:
    assert forbidden(parse_line("64493-50"), "64493-50")
    assert forbidden(parse_line("64493-50-RT"), "64493-50")  # RT/LT ignored as in matching
    assert not forbidden(parse_line("64493"), "64493-50")
    assert not forbidden(parse_line("64493-50-KX"), "64493-50")
    assert score_answer(case(lines=["64493"], must_not=["64493-50"]), ans("64493")).passed


def test_must_not_with_units_forbids_those_units() -> None:
    assert forbidden(parse_line("64493 x2"), "64493 x2")
    assert forbidden(parse_line("64493-KX x2"), "64493 x2")
    assert not forbidden(parse_line("64493"), "64493 x2")


def test_verdict_must_equal_when_given() -> None:
    c = case(lines=["20610"], verdict="no")
    assert score_answer(c, ans("20610", verdict="no")).passed
    r = score_answer(c, ans("20610", verdict="yes"))
    assert not r.passed and r.verdict_ok is False and r.problems == ["verdict 'yes', expected 'no'"]
    assert not score_answer(c, ans("20610", verdict=None)).passed
    # no verdict in the case: the answer must give none ...
    r = score_answer(case(lines=["20610"]), ans("20610", verdict="yes"))
    assert not r.passed and r.verdict_ok is False and r.problems == ["verdict 'yes' for a question that expects none"]
    assert score_answer(case(lines=["20610"]), ans("20610")).passed
    # ... except a look-up, which may answer a yes/no question with yes or no
    lookup = Ans([], verdict="yes", kind="lookup")
    r = score_answer(case(lines=[], kind="lookup"), lookup)
    assert r.passed and r.verdict_ok is None


def test_a_clarifying_question_answers_a_conditional_case_and_nothing_else() -> None:
    asks_back = Ans([], verdict=None, kind="clarify")
    assert score_answer(case(lines=[], verdict="conditional"), asks_back).passed
    r = score_answer(case(lines=[], verdict="no"), asks_back)
    assert not r.passed and r.problems == ["verdict None, expected 'no'"]
    assert not score_answer(case(lines=[], verdict="conditional"), Ans([], verdict=None, kind="claim")).passed


def test_cite_contains_all_words_in_one_citation_case_insensitive() -> None:
    cites = [Cite(title="Modifier 50", section="Indicators", text="Bilateral indicator 1 means 150%."),
             Cite(title="Facet", section="Levels", text="Count joints, not nerves.")]
    assert citation_hit(cites, ["BILATERAL", "150"])
    assert citation_hit(cites, ["facet", "nerves"])  # title + text of one citation
    assert not citation_hit(cites, ["bilateral", "nerves"])  # words split over two citations
    assert citation_hit([{"title": "T", "section": "S", "text": "ZZZ add-on"}], ["zzz"])
    c = case(lines=["64493-50"], cite_contains=["bilateral"])
    assert score_answer(c, ans("64493-50", citations=cites)).passed
    r = score_answer(c, ans("64493-50"))
    assert not r.passed and r.citation_ok is False and "no citations" in r.kinds


def test_a_case_passes_only_when_every_expectation_holds() -> None:
    c = case(lines=["64493-50", "64494-50"], exact=True, verdict="no", must_not=["64495"], cite_contains=["level"])
    good = ans("64493-50", "64494-50", verdict="no", citations=[Cite(text="per level")])
    assert score_answer(c, good).passed
    bad = ans("64493-50", "64494-50", verdict="no", citations=[Cite(text="nothing")])
    assert not score_answer(c, bad).passed


def test_a_bare_must_not_code_the_case_also_expects_forbids_only_the_bare_line() -> None:
    c = case(lines=["99213-25", "20610"], must_not=["99213", "20610-25"], verdict="no")
    assert score_answer(c, ans("99213-25", "20610", verdict="no")).passed
    assert not score_answer(c, ans("99213", "20610", verdict="no")).passed


def test_a_yes_no_case_without_lines_asserts_only_its_verdict() -> None:
    base = {"id": "c1", "question": "covered?", "tags": ["t"], "source": "https://example.org"}
    unasserted = AskCase.model_validate(base | {"verdict": "no"})
    assert score_answer(unasserted, ans("62323", verdict="no")).passed
    assert not score_answer(unasserted, ans("62323", verdict="yes")).passed
    stated = AskCase.model_validate(base | {"verdict": "no", "lines": []})  # lines given: exactly none
    assert not score_answer(stated, ans("62323", verdict="no")).passed


def test_look_up_numbers_compare_by_value() -> None:
    @dataclass
    class Fact:
        field: str
        value: str

    c = case(kind="lookup", lookup={"global": 10})
    answer = Ans([], kind="lookup")
    answer.lookup = [Fact("global", "010")]  # type: ignore[attr-defined]
    assert score_answer(c, answer).passed
    answer.lookup = [Fact("global", "090")]  # type: ignore[attr-defined]
    assert not score_answer(c, answer).passed
