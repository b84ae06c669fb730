"""Proof for issue #11: a procedure family added with data alone is recommended, checked, understood in a question
and found by search, with no code change.

The family is a made-up "zeta nerve block" (fixtures/zeta_family): a nerve in anatomy.yaml, a family block in
families.yaml (counted in levels, one per nerve, bilateral, imaging included), a level chain in codes.yaml (64998
first level, 64997 each added level, an add-on with an MUE), one PTP pair, two typos in vocabulary.yaml and a
knowledge document. Each fixture file holds only the family's additions; `catalog_with_family` merges them into a
copy of the curated catalog files, as a person adding a family would edit them, and loads that directory with the
ordinary loader. Nothing under advisor/ knows the family.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.answer.model import AskRequest
from advisor.answer.pipeline import AnswerPipeline, MemoryStore
from advisor.answer.verdict import decide
from advisor.claims import ClaimLine, format_line, parse_line
from advisor.reader.encounter import to_encounter
from advisor.reader.reader import read
from advisor.rules.catalog import CATALOG_DIR, Catalog, curated_catalog, load_curated
from advisor.rules.engine import check
from advisor.rules.model import Encounter, Facts, Procedure
from advisor.rules.recommend import recommend
from advisor.rules.rulebook import ALL, registered
from advisor.settings import PROJECT_ROOT, Settings

FIXTURE = Path(__file__).parent / "fixtures" / "zeta_family"
FAMILY = "zeta_block"
FIRST, ADDON = "64998", "64997"
DOC = "zeta-nerve-block"


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The family's entries added to a catalog file: mappings gain keys, lists gain rows; nothing is replaced."""
    for key, value in extra.items():
        current = base.get(key)
        if isinstance(value, dict):
            clash = set(value) & set(current or {})
            assert not clash, f"fixture would overwrite {key}: {sorted(clash)}"
            base[key] = {**(current or {}), **value}
        elif isinstance(value, list):
            base[key] = [*(current or []), *value]
        else:
            raise AssertionError(f"fixture {key!r}: only mappings and lists are added")
    return base


def catalog_with_family(target: Path) -> Path:
    """A copy of advisor/rules/catalog/ with the fixture family's entries merged in; returns the directory."""
    shutil.copytree(CATALOG_DIR, target)
    for extra in sorted(FIXTURE.glob("*.yaml")):
        path = target / extra.name
        merged = _merge(yaml.safe_load(path.read_text(encoding="utf-8")), yaml.safe_load(extra.read_text("utf-8")))
        path.write_text(yaml.safe_dump(merged, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    return target


def knowledge_with_family(target: Path) -> Path:
    """A copy of knowledge/ plus the family's document."""
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    for doc in (FIXTURE / "knowledge").glob("*.md"):
        shutil.copy(doc, target / doc.name)
    return target


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return load_curated(catalog_with_family(tmp_path_factory.mktemp("zeta") / "catalog"))


def lines(*texts: str) -> list[ClaimLine]:
    return [parse_line(t) for t in texts]


def shown(claim: list[ClaimLine]) -> list[str]:
    return [format_line(ln) for ln in claim]


# --------------------------------------------------------------------------- the fixture is new, and loads


def test_the_family_is_new_to_the_curated_catalog_and_present_in_the_copy(catalog: Catalog) -> None:
    curated = curated_catalog()
    assert FAMILY not in curated.registry.families and not {FIRST, ADDON} & set(curated.codes), \
        "the curated catalog now has the fixture's family or codes: rename the fixture"
    assert "zeta" not in str(yaml.safe_load((CATALOG_DIR / "anatomy.yaml").read_text("utf-8"))).lower()
    fam = catalog.family(FAMILY)
    assert fam.label == "zeta nerve block" and fam.docs == (DOC,)
    assert catalog.chains[FAMILY] == {"": (FIRST, ADDON, None)}  # the level chain comes from codes.yaml
    assert ADDON in catalog.per_level_addons and catalog.mue_edit(ADDON).mue == 3  # type: ignore[union-attr]
    assert catalog.ptp(FIRST, "20552") is not None
    assert set(curated.codes) < set(catalog.codes)  # everything else is still there


# --------------------------------------------------------------------------- (a) recommended


@pytest.mark.parametrize(("procedure", "expected"), [
    (Procedure(family=FAMILY, levels=1, laterality="left"), ["64998-LT"]),
    (Procedure(family=FAMILY, levels=3, laterality="right"), ["64998-RT", "64997-RT x2"]),
    (Procedure(family=FAMILY, levels=2, laterality="bilateral"), ["64998-50", "64997-50"]),
])
def test_the_recommender_codes_the_new_family(catalog: Catalog, procedure: Procedure, expected: list[str]) -> None:
    rec = recommend(Encounter(procedures=[procedure]), catalog)
    assert shown(rec.claim) == expected
    assert rec.status == "clean", [(f.rule, f.message) for f in rec.findings]


def test_a_facility_claim_splits_the_bilateral_family_into_sides(catalog: Catalog) -> None:
    rec = recommend(Encounter(procedures=[Procedure(family=FAMILY, levels=2, laterality="bilateral")],
                              facts=Facts(setting="asc")), catalog)
    assert sorted(shown(rec.claim)) == ["64997-LT", "64997-RT", "64998-LT", "64998-RT"]


# --------------------------------------------------------------------------- (b) checked


@pytest.mark.parametrize(("claim", "fired", "corrected"), [
    (["64997"], {"ADDON-PRIMARY"}, ["64998", "64997"]),  # the add-on needs its primary
    (["64998 x3"], {"FACET-LEVELS"}, ["64998", "64997 x2"]),  # units on the first level are levels
    (["64998-50", "64997-50 x5"], {"MUE"}, ["64998-50", "64997-50 x3"]),  # the add-on's MUE of 3
    (["64998-RT", "64998-LT"], {"BILATERAL-50"}, ["64998-50"]),  # bilateral indicator 1 on Medicare
    (["64998", "20552"], {"PTP"}, ["64998"]),  # the fixture's PTP pair
    (["64998", "77002"], {"IMAGING-INCLUDED"}, ["64998"]),  # imaging is included in the code
])
def test_the_engine_checks_the_new_family(catalog: Catalog, claim: list[str], fired: set[str],
                                          corrected: list[str]) -> None:
    result = check(lines(*claim), Facts(), catalog)
    assert fired <= {f.rule for f in result.findings}, [(f.rule, f.message) for f in result.findings]
    assert shown(result.claim) == corrected
    assert check(result.claim, Facts(), catalog).status == "clean"


def test_a_correct_claim_for_the_new_family_is_clean(catalog: Catalog) -> None:
    result = check(lines("64998-50", "64997-50"), Facts(), catalog)
    assert result.status == "clean" and not result.findings


def test_rules_that_act_on_the_new_family_declare_it(catalog: Catalog) -> None:
    """The rule registry's `families` is what the conflict test reasons over: it must cover every family a rule
    rewrites, or two rules can fight over a family's lines unseen."""
    by_finding: dict[str, set[str]] = {}
    for r in registered().values():
        by_finding.setdefault(r.finding, set()).update(r.families)
    fired: set[str] = set()
    for claim in (["64997"], ["64998 x3"], ["64998-50", "64997-50 x5"], ["64998-RT", "64998-LT"]):
        result = check(lines(*claim), Facts(), catalog)
        fired |= {f.rule for f in result.findings if f.severity == "error"}
    blind = sorted(f for f in fired if ALL not in by_finding[f] and FAMILY not in by_finding[f])
    assert not blind, f"rules that rewrote {FAMILY} lines without declaring the family: {blind}"


# --------------------------------------------------------------------------- (c) understood in a question


QUESTIONS = [
    # question, frame (levels, laterality), claim, verdict
    ("Right zeta nerve block at T4, T5 and T6 under fluoro, what do I bill?", (3, "right"),
     ["64998-RT", "64997-RT x2"], None),
    ("Bilateral zeta nerve blocks at T5 and T6 today. Codes?", (2, "bilateral"), ["64998-50", "64997-50"], None),
    ("ZNB left T7, codes?", (1, "left"), ["64998-LT"], None),  # the family's shorthand
    ("Bilateral zetta nerve block T5-T6: can I bill 64998-RT and 64998-LT?", (2, "bilateral"),  # the typo table
     ["64998-50", "64997-50"], "no"),
    ("Can I bill 64998-50 and 64997-50 for bilateral zeta blocks at two levels?", (2, "bilateral"),
     ["64998-50", "64997-50"], "yes"),
]


@pytest.mark.parametrize(("question", "frame", "claim", "verdict"), QUESTIONS)
def test_the_reader_understands_a_question_naming_the_family(catalog: Catalog, question: str,
                                                            frame: tuple[int, str], claim: list[str],
                                                            verdict: str | None) -> None:
    reading = read(question, catalog)
    assert [(f.family, f.levels, f.laterality, f.status) for f in reading.frames] == [(FAMILY, *frame, "done")]
    assert reading.kind == "claim" and reading.confident, (reading.unplaced, reading.questions, reading.conflicts)
    decision = decide(reading, to_encounter(reading, catalog, None, "medicare"), catalog)
    assert shown(decision.claim) == claim
    assert decision.verdict == verdict, decision.reasons


def test_the_curated_reader_does_not_know_the_family() -> None:
    """The control: without the fixture data the same words name no family (so the data is what taught it)."""
    reading = read("Right zeta nerve block at T4, T5 and T6 under fluoro, what do I bill?", curated_catalog())
    assert FAMILY not in [f.family for f in reading.frames]
    assert not reading.confident or not reading.done_frames()


def test_the_answer_pipeline_answers_the_family_offline(catalog: Catalog, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", embedder="fake", engine="offline")
    pipeline = AnswerPipeline(settings, catalog, searcher=None, store=MemoryStore())
    answer = pipeline.ask(AskRequest(question="Bilateral zeta nerve blocks at T5 and T6. Codes?"))
    assert shown(answer.claim) == ["64998-50", "64997-50"] and answer.verdict is None
    assert "64998-50" in answer.answer and "zeta" in answer.answer.lower()


# --------------------------------------------------------------------------- (d) found by search (real model)


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Any:
    from advisor.retrieval.ingest import ingest
    from advisor.retrieval.search import Searcher
    from advisor.retrieval.text import Shorthand

    root = tmp_path_factory.mktemp("zeta-search")
    settings = Settings(data_dir=root / "data", knowledge_dir=knowledge_with_family(root / "knowledge"),
                        embedder="sentence-transformers", chroma_url=None)
    report = ingest(settings)
    assert report.chunks_total == report.chunks_embedded > 0
    return Searcher.open(settings, shorthand=Shorthand.of(catalog.registry))


@pytest.mark.slow
@pytest.mark.parametrize("query", [
    "zeta nerve block each additional level",  # words of the family
    "how do I count levels for a bilateral zeta block",
    "64997",  # its add-on code
    "ZNB units",  # the family's shorthand, expanded from families.yaml words
])
def test_search_finds_the_family_document(searcher: Any, query: str) -> None:
    hits = searcher.search(query, k=3)
    assert DOC in [h.doc for h in hits], [(h.doc, h.section) for h in hits]


@pytest.mark.slow
def test_the_shorthand_comes_from_the_family_data(searcher: Any) -> None:
    from advisor.retrieval.text import curated_shorthand

    assert "zeta nerve block" in searcher.shorthand.expand("ZNB units").lower()
    assert "zeta" not in curated_shorthand().expand("ZNB units").lower()  # the curated catalog does not know it


@pytest.mark.slow
def test_an_answer_about_the_family_cites_its_document(searcher: Any, catalog: Catalog, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", embedder="fake", engine="offline")
    pipeline = AnswerPipeline(settings, catalog, searcher=searcher, store=MemoryStore())
    answer = pipeline.ask(AskRequest(question="Right zeta nerve block at T4, T5 and T6, what do I bill?"))
    assert shown(answer.claim) == ["64998-RT", "64997-RT x2"]
    assert DOC in [c.doc for c in answer.citations], [(c.doc, c.section) for c in answer.citations]
