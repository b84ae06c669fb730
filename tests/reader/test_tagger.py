"""The tagger: codes with their modifiers and units, numbers (digits and words) with what they count, spinal levels in
coders' spellings, ordinals, sides (and words that only look like sides), slash shorthand, guidance and typos.

Level naming follows the facet/RFA rule that a level is the joint between two vertebrae (CMS A57787, A58350:
count joints, not nerves); "L4-S1" spans two joints (L4-5, L5-S1).
"""

from __future__ import annotations

import pytest


def one(found: list, kind: str):
    hits = [s for s in found if s.kind == kind]
    assert len(hits) == 1, [(s.kind, s.text, s.value) for s in found]
    return hits[0]


# --- codes ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,code,modifiers,units", [
    ("64493-50-KX", "64493", ["50", "KX"], 1),
    ("99213-25", "99213", ["25"], 1),
    ("64636 x2", "64636", [], 2),
    ("64636 x 3", "64636", [], 3),
    ("64484 times 2", "64484", [], 2),
    ("G0260-RT", "G0260", ["RT"], 1),
    ("g0260-lt", "G0260", ["LT"], 1),
    ("0216T", "0216T", [], 1),
    ("20610-50", "20610", ["50"], 1),
])
def test_code_with_modifiers_and_units(spans, text: str, code: str, modifiers: list[str], units: int) -> None:
    span = one(spans(f"bill {text} today", "code"), "code")
    assert (span.value["code"], span.value["modifiers"], span.value["units"]) == (code, modifiers, units)


def test_a_suffix_that_is_no_modifier_is_kept_apart(spans) -> None:
    """'64493-ZZ': ZZ is no modifier; it is reported as such, not silently attached to the line."""
    span = one(spans("64493-ZZ", "code"), "code")
    assert span.value["modifiers"] == [] and span.value["bad_modifiers"] == ["ZZ"]


def test_units_written_before_the_code_are_proposed(reader, catalog) -> None:
    """'2 units of 64484' proposes two units of 64484 (two added transforaminal levels), not one."""
    from advisor.answer.verdict import build_proposal

    reading = reader("can I bill 64483 and 2 units of 64484?")
    proposal = build_proposal(reading, [], catalog)
    assert proposal is not None and sorted(str(ln) for ln in proposal.lines) == ["64483", "64484 x2"]


# --- modifiers named on their own -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,modifier", [
    ("can I add modifier 25?", "25"),
    ("does the 59 go on the trigger points?", "59"),
    ("is XS better here?", "XS"),
    ("put a 25 modifier on it?", "25"),
    ("Does the E/M take 50 too?", "50"),
    ("Does a different diagnosis justify 59?", "59"),
    ("KX needed?", "KX"),
])
def test_modifier_named_alone(spans, text: str, modifier: str) -> None:
    assert [s.value for s in spans(text, "mod")] == [modifier]


@pytest.mark.parametrize("text", [
    "59 year old with low back pain",
    "50% relief after the block",
    "25 mg of triamcinolone",
    "pain for 25 days",
])
def test_numbers_that_count_something_are_not_modifiers(spans, text: str) -> None:
    assert spans(text, "mod") == []


def test_rt_lt_pair_is_two_modifiers(spans) -> None:
    assert [s.value for s in spans("Do I use XS or RT/LT?", "mod")] == ["XS", "RT", "LT"]


# --- numbers and what they count ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,n,noun", [
    ("3 muscles", 3, "muscle"),
    ("three muscles", 3, "muscle"),
    ("two knees", 2, "knee"),
    ("2 levels", 2, "level"),
    ("two separate levels", 2, "level"),
    ("four joints", 4, "joint"),
    ("6 months ago", 6, "month"),
    ("twelve sessions", 12, "session"),
    ("2 units", 2, "unit"),
])
def test_numbers_digits_and_words_with_their_noun(spans, text: str, n: int, noun: str) -> None:
    span = one(spans(text, "num"), "num")
    assert span.value == {"n": n, "noun": noun}


def test_both_levels_is_two_levels(spans) -> None:
    assert one(spans("both levels", "num"), "num").value == {"n": 2, "noun": "level"}


def test_percentages(spans) -> None:
    assert one(spans("80% relief", "pct"), "pct").value == 80


# --- spinal levels ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,names", [
    ("L4-5", ["L4-5"]),
    ("L5-S1", ["L5-S1"]),
    ("L5S1", ["L5-S1"]),
    ("l5-s1", ["L5-S1"]),
    ("L3/4", ["L3-4"]),
    ("l4-l5", ["L4-5"]),
    ("L5 S1", ["L5-S1"]),
    ("C5-6", ["C5-6"]),
    ("C7-T1", ["C7-T1"]),
    ("T12-L1", ["T12-L1"]),
    ("L4-S1", ["L4-5", "L5-S1"]),
    ("L4 through S1", ["L4-5", "L5-S1"]),
    ("L3 to L5", ["L3-4", "L4-5"]),
])
def test_levels_name_the_joints(spans, text: str, names: list[str]) -> None:
    assert one(spans(f"facet {text} right", "level"), "level").value["names"] == names


def test_unicode_dash_in_a_level(spans) -> None:
    assert one(spans("L4\u20135 facet", "level"), "level").value["names"] == ["L4-5"]


def test_a_bare_vertebra_is_a_vertebra_not_a_joint(spans) -> None:
    """'L5' names a vertebra (a nerve root or medial branch level), not a joint."""
    value = one(spans("the L5 root", "level"), "level").value
    assert value["joints"] == [] and value["names"] == ["L5"]


def test_regions_of_levels(spans) -> None:
    regions = [s.value["region"] for s in spans("C5-6 and T4-5 and L4-5 and L5-S1", "level")]
    assert regions == ["cervical", "thoracic", "lumbar", "lumbar"]


@pytest.mark.parametrize("text", ["L9-10", "C9", "S7-8"])
def test_no_such_level(spans, text: str) -> None:
    assert spans(f"facet {text}", "level") == []


# --- ordinals --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,n", [
    ("the second level", 2),
    ("a 3rd level", 3),
    ("the third level", 3),
])
def test_ordinal_of_a_level_counts_levels(spans, text: str, n: int) -> None:
    """'a 3rd level' names the third level of one session (64492/64495 territory)."""
    assert one(spans(text, "ordinal"), "ordinal").value == {"n": n, "noun": "level"}


def test_ordinal_of_a_procedure_counts_sessions_not_levels(spans) -> None:
    """'the 4th ESI this year' is the fourth session (three before it), not a fourth level."""
    value = one(spans("the 4th ESI this year", "ordinal"), "ordinal").value
    assert value["n"] == 4 and value["noun"] not in ("level", "joint", "nerve", "muscle")


# --- sides and words that only look like sides ----------------------------------------------------------------------

@pytest.mark.parametrize("text,side", [
    ("right L4-5 facet", "right"),
    ("left knee", "left"),
    ("bilateral L5-S1", "bilateral"),
    ("bilat L5-S1", "bilateral"),
    ("b/l L5-S1 TFESI", "bilateral"),
    ("MBB L3-4 L4-5 R", "right"),
    ("rt knee", "right"),
    ("facet injection on the right, L4-5", "right"),
    ("L5-S1 and left L4-5", "left"),
    ("both sides at L4-5", "bilateral"),
])
def test_sides(spans, text: str, side: str) -> None:
    assert [s.value for s in spans(text, "side")] == [side]


@pytest.mark.parametrize("text,sides", [
    ("left knee and right shoulder", ["left", "right"]),
    ("right knee and left shoulder", ["right", "left"]),
    ("left knee and left shoulder", ["left", "left"]),
    ("right knee and left hip injections", ["right", "left"]),
])
def test_a_side_for_each_site(spans, text: str, sides: list[str]) -> None:
    assert [s.value for s in spans(text, "side")] == sides


@pytest.mark.parametrize("text", [
    "L4-5 facet injection, is that right?",
    "L4-5 MBB, did I get it right?",
    "is 64493 the right code?",
    "is this the right way to bill it?",
    "the patient left before the injection",
])
def test_words_that_are_not_sides(spans, text: str) -> None:
    assert spans(text, "side") == []


# --- slash shorthand, guidance and typos ----------------------------------------------------------------------------

@pytest.mark.parametrize("text,kind,value", [
    ("b/l", "side", "bilateral"),
    ("u/s", "guide", "ultrasound"),
    ("e/m", "act", "visit"),
    ("s/p", "cue", "historical"),
    ("w/o imaging", "guide", "none"),
])
def test_slash_shorthand(spans, text: str, kind: str, value: str) -> None:
    assert value in [s.value for s in spans(f"knee {text}", kind)]


def test_with_slash_is_only_a_connective(spans) -> None:
    """'w/ fluoro' is 'with fluoro': the guidance is read, and 'w/' itself carries nothing to place."""
    found = spans("TFESI L5-S1 w/ fluoro")
    assert one(found, "guide").value == "fluoroscopy"
    assert not any(s.text == "w/" and s.significant for s in found)


@pytest.mark.parametrize("text,guide", [
    ("under fluoro", "fluoroscopy"),
    ("w/ fluro", "fluoroscopy"),
    ("US-guided", "ultrasound"),
    ("CT guided", "ct"),
    ("landmark guided", "none"),
    ("no imaging", "none"),
])
def test_guidance(spans, text: str, guide: str) -> None:
    assert one(spans(f"knee injection {text}", "guide"), "guide").value == guide


def test_us_the_pronoun_is_not_ultrasound(spans) -> None:
    assert spans("can you tell us the code for a knee injection", "guide") == []


@pytest.mark.parametrize("text,family", [
    ("bilat facit injction", "facet_injection"),
    ("transforaminel epidurl", "tfesi"),
    ("radiofrequncy ablaton", None),  # an act (ablate) with no target: the family comes from the target or levels
    ("trigger pt injctions", "trigger_point"),
])
def test_typos_are_corrected_before_matching(spans, text: str, family: str | None) -> None:
    fams = [s.value for s in spans(text, "family")]
    assert fams == ([family] if family else [])


def test_typo_in_an_act_word(spans) -> None:
    assert one(spans("radiofrequncy ablaton", "act"), "act").value == "ablate"
