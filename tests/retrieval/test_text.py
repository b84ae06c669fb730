"""Tokens coders type (codes, modifiers, shorthand) survive tokenization and are recognized exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from advisor.retrieval.text import (
    GLOSSARY,
    Shorthand,
    catalog_shorthand,
    curated_shorthand,
    extract_codes,
    extract_modifiers,
    tokenize,
)
from advisor.rules.catalog import curated_catalog
from advisor.rules.registry import Family

SHORTHAND = curated_shorthand()


def test_codes_of_every_shape_are_extracted() -> None:
    text = "Bill +64491 with 64490; 0216T (Category III), G0260 in the ASC, 64493-50-KX, 01996 daily."
    assert extract_codes(text) == ["64491", "64490", "0216T", "G0260", "64493", "01996"]


def test_ranges_are_expanded() -> None:
    assert extract_codes("codes 64490-64495") == ["64490", "64491", "64492", "64493", "64494", "64495"]
    assert extract_codes("0213T-0218T") == ["0213T", "0214T", "0215T", "0216T", "0217T", "0218T"]
    assert extract_codes("62320 through 62323") == ["62320", "62321", "62322", "62323"]
    assert extract_codes("20600-99215") == ["20600", "99215"]  # not a plausible range: ends only


def test_non_codes_are_not_codes() -> None:
    assert extract_codes("In 2026, L4-5, 80% relief, LCD L38841 and article A57826, 12 months") == []


def test_modifiers_alpha_and_numeric_in_context() -> None:
    assert extract_modifiers("Use XS, not 59, and KX on 64493-50") == ["XS", "KX", "50"]
    assert extract_modifiers("modifiers 25 and 59 on the claim") == ["25", "59"]
    assert extract_modifiers("a 25 modifier on 99213") == ["25"]
    assert extract_modifiers("when is xs used") == ["XS"]
    assert extract_modifiers("25 April, 50% relief, 59 patients") == []


def test_tokenize_keeps_codes_and_modifiers_whole() -> None:
    tokens = tokenize("Bilateral 64493-50 with XS; 0216T and G0260 + KX, modifier 25")
    for tok in ("64493", "50", "xs", "0216t", "g0260", "kx", "25", "bilateral", "modifier"):
        assert tok in tokens
    assert "with" not in tokens and "and" not in tokens


def test_tokenize_light_stemming_and_us() -> None:
    assert tokenize("injections levels therapies") == ["injection", "level", "therapy"]
    assert tokenize("US guided") == ["ultrasound", "guided"]
    assert tokenize("tell us") == ["tell"]


def test_abbreviations_expand_for_search() -> None:
    q = SHORTHAND.expand("bilateral MBB and TFESI under fluoro")
    assert "medial branch block" in q and "transforaminal epidural" in q and "fluoroscopy" in q
    assert q.startswith("bilateral MBB and TFESI under fluoro")
    assert "ultrasound" in SHORTHAND.expand("US guided TPI")
    assert "ultrasound" not in SHORTHAND.expand("can us coders bill this")
    assert "sacroiliac" in SHORTHAND.expand("SI joint 20610?") and "sacroiliac" not in SHORTHAND.expand("si")
    assert SHORTHAND.expand("plain question") == "plain question"


def test_family_and_anatomy_shorthand_come_from_the_catalog() -> None:
    derived = catalog_shorthand(curated_catalog().registry)
    assert derived["ESI"] == "epidural steroid injection"  # the family word it is the initials of
    assert derived["TFESI"] == "transforaminal epidural injection"  # no such word: the family's label
    assert derived["SIJ"].startswith("sacroiliac joint")  # anatomy
    assert derived["TF"] == "transforaminal epidural injection"  # "a single lumbar TF at L5-S1": a family word
    assert "FACET" not in derived and "KNEE" not in derived  # a plain name is not shorthand


def test_a_new_familys_words_reach_search_without_code_change() -> None:
    registry = curated_catalog().registry
    family = Family(id="zither", label="zygomatic zither block", act="inject", counts="single", select="none",
                    sides="bilateral", imaging="included", words=("zzb", "zygomatic zither block"))
    shorthand = Shorthand.of(registry.model_copy(update={"families": {**registry.families, "zither": family}}))
    assert shorthand.expand("is ZZB billable") == "is ZZB billable (zygomatic zither block)"


def test_the_glossary_repeats_nothing_the_catalog_defines() -> None:
    assert not set(GLOSSARY) & set(catalog_shorthand(curated_catalog().registry))


codes = st.one_of(
    st.integers(10000, 99999).map(str),
    st.integers(0, 9999).map(lambda n: f"{n:04d}T"),
    st.tuples(st.sampled_from("AGJ"), st.integers(0, 9999)).map(lambda t: f"{t[0]}{t[1]:04d}"),
)


@given(code=codes, left=st.sampled_from(["", "bill ", "+", "(", "code "]), right=st.sampled_from(["", "-50", ".", ")", " x2"]))
def test_any_code_survives_tokenize_and_extract(code: str, left: str, right: str) -> None:
    text = f"{left}{code}{right}"
    assert code in extract_codes(text)
    assert code.lower() in tokenize(text)


@given(st.text(max_size=200))
def test_tokenize_and_extract_never_fail(text: str) -> None:
    tokens = tokenize(text)
    assert all(t and t == t.lower() for t in tokens)
    assert all(len(c) == 5 for c in extract_codes(text))
    SHORTHAND.expand(text)
