"""The rule registry's promises (issue #11 item 2 and 3), checked against the registered rules themselves:

(a) each rule's `explains` names a knowledge document and a level-2 section that exist, and that section names the
    rule's codes, modifiers or subject (see `RuleTerms`);
(b) each rule's sources are ids in catalog/sources.yaml;
(c) `ordered()` honours every `after` edge and reports a cycle or an unknown name as an error;
(d) two rules that may rewrite the same aspect of the same families' lines are ordered one after the other;
(e) the corrected claim is a fixed point: checking it again rewrites nothing and raises no error.

Where today's rules break a promise, the breaking rules, pairs or examples are listed next to the test and marked
xfail(strict=True), and a ratchet test fails on any break not listed: the suite turns red on a new break and on a fix
nobody recorded, never silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import combinations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advisor.claims import ClaimLine, format_line, parse_line
from advisor.retrieval.knowledge import browse_documents
from advisor.retrieval.sections import section
from advisor.rules.catalog import Catalog, curated_catalog
from advisor.rules.context import Ctx
from advisor.rules.engine import check, rules_in_order
from advisor.rules.model import Facts, Setting, UltrasoundDocs
from advisor.rules.rulebook import ALL, Rule, ordered, precedes, registered, rule
from advisor.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
CATALOG = curated_catalog()
RULES = registered()


def _lines(*texts: str) -> list[ClaimLine]:
    return [parse_line(t) for t in texts]


# --------------------------------------------------------------------------- (a) what a rule is "about"

CODE_RE = re.compile(r"(?<![A-Za-z0-9])(\d{4}[0-9TF]|[A-Z]\d{4})(?![A-Za-z0-9])")
MODIFIERS = ("24", "25", "50", "51", "57", "59", "XE", "XS", "XP", "XU", "KX", "RT", "LT", "GA")
# Words of rule ids that carry no subject of their own.
GENERIC_ID_WORDS = frozenset({"LCD", "ONE", "NOT", "NO", "NEEDS", "ON", "IN", "MOD", "CODE"})
# Rule-id words the guidance also writes another way (any other word is looked up as written).
ID_WORD_SPELLINGS = {
    "ADDON": ("add-on",), "EM": ("E/M", "evaluation and management"), "US": ("ultrasound",),
    "TF": ("transforaminal",), "IL": ("interlaminar", "caudal"), "SI": ("sacroiliac",), "ESI": ("epidural",),
    "RFA": ("radiofrequency",), "PTP": ("procedure-to-procedure",), "MUE": ("medically unlikely",),
    "TPI": ("trigger point",), "RTLT": ("RT", "LT"), "X": ("XE", "XS", "XP", "XU"),
    "NONCOVERED": ("not covered", "non-covered", "noncovered"), "SESSIONS": ("session",), "LEVELS": ("level",),
    "BLOCKS": ("block",), "INDICATION": ("indication", "indicated"), "DOCS": ("document",),
}


@dataclass(frozen=True)
class RuleTerms:
    """What a rule is about, in the words its explaining section should use.

    codes      CPT/HCPCS codes in the rule's id or docstring (the rule's own statement of what it checks), plus
               every code of the families the rule declares (`families`; none for a rule over all families);
    modifiers  two-character modifiers in the rule's id or docstring (25, 50, XS, KX...);
    subject    the words of the rule id (LCD-TF-LEVELS -> TF, LEVELS), spelled as the guidance spells them.

    The section "names the rule" when it contains one of the codes or modifiers as a token, or else every subject
    word of the rule's id (the LCD, PTP and MUE rules check tables rather than codes: their subject is the table).
    So a KX rule must point at text that says KX, a trigger point rule at text naming 20552 or 20553, and
    LCD-TF-LEVELS at text about transforaminal levels; any one word of a long id is not enough.
    """

    codes: frozenset[str]
    modifiers: frozenset[str]
    subject: tuple[tuple[str, ...], ...]  # each id word with its accepted spellings

    @classmethod
    def of(cls, r: Rule, catalog: Catalog) -> RuleTerms:
        doc = r.fn.__doc__ or ""
        own = f"{r.finding} {doc}"
        codes = set(CODE_RE.findall(own))
        if ALL not in r.families:
            codes |= {c.code for fam in r.families for c in catalog.family_codes(fam)}
        spaced = re.sub(r"[-/]", " ", own)
        mods = {m for m in MODIFIERS if re.search(rf"(?<![A-Za-z0-9]){m}(?![A-Za-z0-9%])", spaced)}
        mods |= set(re.findall(r"(?<=MOD)\d\d", r.finding))  # MOD25-NOT-EM, MOD57
        words: list[tuple[str, ...]] = []
        for part in r.finding.split("-"):
            for word in re.findall(r"[A-Z]+|\d+", part):
                if word in GENERIC_ID_WORDS or word.isdigit():
                    continue
                words.append((word, *ID_WORD_SPELLINGS.get(word, ())))
        return cls(frozenset(codes), frozenset(mods), tuple(words))

    def named_in(self, text: str) -> list[str]:
        """The terms the text names (empty: it does not name the rule)."""
        hits = [c for c in sorted(self.codes) if re.search(rf"(?<![A-Za-z0-9]){c}(?![A-Za-z0-9])", text)]
        hits += [m for m in sorted(self.modifiers) if re.search(rf"(?<![A-Za-z0-9]){m}(?![A-Za-z0-9%])", text)]
        if hits:
            return hits
        found = [next((s for s in spellings if _says(text, s)), None) for spellings in self.subject]
        return [f for f in found if f] if found and all(found) else []


def _says(text: str, word: str) -> bool:
    """Word match; all-capital short words (TF, SI, KX) only in capitals, longer words in any case."""
    flags = 0 if re.fullmatch(r"[A-Z]{1,3}", word) else re.IGNORECASE
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}", text, flags) is not None


@cache
def h2_sections() -> dict[str, str]:
    """'doc-id#Heading' -> the document title, the heading and the full text under that level-2 heading (its
    level-3 subsections included): a section is read inside its document, as retrieval's chunks are."""
    out: dict[str, str] = {}
    for doc in browse_documents(KNOWLEDGE):
        current: str | None = None
        for line in doc.markdown.splitlines():
            heading = re.match(r"^##\s+(.*?)\s*#*\s*$", line)
            if heading:
                current = f"{doc.id}#{heading.group(1)}"
                out[current] = f"{doc.title}\n{heading.group(1)}\n"
            elif current is not None:
                out[current] += line + "\n"
    return out


# Rules whose explaining section is missing or does not name them today (a finding of this test, not a design).
BROKEN_EXPLAINS: dict[str, str] = {
    "tpi_one_code": "section 'trigger-point-injections#20552 vs 20553' does not exist (the heading reads "
                    "'20552 vs 20553: count muscles, not injections')",
    "tpi_muscles": "section 'trigger-point-injections#20552 vs 20553' does not exist",
    "tpi_units": "section 'trigger-point-injections#Units: one per session' does not exist (the heading reads "
                 "'Once per session, one unit, never modifier 50')",
    "tpi_no_50": "section 'trigger-point-injections#No modifier 50' does not exist",
    "imaging_variant": "IMAGING-MISMATCH names no code or modifier and its section never says 'mismatch'; the rule "
                       "declares families=* although only families with an ultrasound variant (facet) apply",
    "em_on_asc_claim": "EM-ON-ASC-CLAIM: 'facility-vs-physician-claims#Two claims for one procedure' never mentions "
                       "an E/M visit (no 992xx code, no 'E/M'): it explains the two claims, not why the visit stays "
                       "off the ASC claim",
    "catalog_unknown": "CATALOG-UNKNOWN: 'first-week-primer#What you will code...' never says catalog or unknown",
}


def _marked(names: list[str], broken: dict[str, str]) -> list[object]:
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=broken[n])) if n in broken else n
            for n in names]


def test_the_known_breaks_name_registered_rules() -> None:
    assert set(BROKEN_EXPLAINS) <= set(RULES), "remove entries for rules that no longer exist"


@pytest.mark.parametrize("name", _marked(sorted(RULES), BROKEN_EXPLAINS))
def test_rule_explains_an_existing_section_that_names_it(name: str) -> None:
    r = RULES[name]
    doc_id, hash_, heading = r.explains.partition("#")
    assert hash_ and doc_id and heading, f"{name}: explains must read 'doc-id#Section heading', got {r.explains!r}"
    assert (KNOWLEDGE / f"{doc_id}.md").is_file(), f"{name}: no knowledge document {doc_id!r}"
    passage = section(KNOWLEDGE, r.explains)  # the lookup the answer uses to cite a finding's section
    assert passage is not None, f"{name}: {doc_id}.md has no section headed {heading!r}"
    text = h2_sections()[r.explains]
    terms = RuleTerms.of(r, CATALOG)
    assert terms.named_in(text), (
        f"{name} ({r.finding}): section {r.explains!r} names none of codes {sorted(terms.codes)[:12]}, "
        f"modifiers {sorted(terms.modifiers)} or subject {[s[0] for s in terms.subject]}")


def test_rule_terms_tell_a_fitting_section_from_an_unrelated_one() -> None:
    """The matcher can fail: a KX rule is not explained by the trigger point text, nor TPI by the KX text."""
    kx, tpi = RuleTerms.of(RULES["kx"], CATALOG), RuleTerms.of(RULES["tpi_no_50"], CATALOG)
    kx_text = h2_sections()["modifier-kx#What KX does in the Medicare pain LCDs"]
    tpi_text = "\n".join(v for k, v in h2_sections().items() if k.startswith("trigger-point-injections#20552"))
    assert kx.named_in(kx_text) and not kx.named_in(tpi_text.replace("KX", ""))
    assert "20553" in tpi.named_in(tpi_text)
    lcd_tf = RuleTerms.of(RULES["tf_levels"], CATALOG)
    assert not lcd_tf.codes and not lcd_tf.modifiers
    assert lcd_tf.named_in("Transforaminal: two levels per session") == ["transforaminal", "LEVELS"]
    assert lcd_tf.named_in("Interlaminar: one level per session") == []  # every subject word is needed


# --------------------------------------------------------------------------- (b) sources


def test_every_rule_source_is_in_sources_yaml() -> None:
    missing = {n: [s for s in r.sources if s not in CATALOG.sources] for n, r in RULES.items()}
    assert not {n: m for n, m in missing.items() if m}, missing


def test_every_finding_cites_sources_that_resolve() -> None:
    """Rules that declare no source of their own (the LCD rules cite their lcd.yaml parameter's sources) still give
    every finding a citation, through the catalog's source table."""
    claims = [["64493-50", "64494-50", "99213-25"], ["20610 x2"], ["62323-50", "64483"], ["64635", "64636 x3"],
              ["20552", "20553", "20552-50"], ["27096-RT", "27096-LT", "77003"]]
    for lines in claims:
        for facts in (Facts(), Facts(prior_sessions={"esi": 4, "rfa": 2}, diagnostic=True, sedation=True,
                                     prior_relief_percent=20, radicular=True, imaging="none")):
            result = check(_lines(*lines), facts, CATALOG)
            for f in result.findings:
                assert f.sources, f"{f.rule} cites nothing: {f.message}"
                assert f.explains in {r.explains for r in RULES.values() if r.finding == f.rule}


# --------------------------------------------------------------------------- (c) the order


def _noop(ctx: Ctx) -> None:
    return None


def fake(name: str, *, after: tuple[str, ...] = (), writes: set[str] | None = None,
         families: set[str] | None = None) -> Rule:
    """A throwaway rule (never registered: the global registry stays as the rule modules made it)."""
    return Rule(name=name, finding=name.upper(), fn=_noop, reads=frozenset({"codes"}),
                writes=frozenset(writes or ()), severity="error", explains="x#y", sources=(),
                families=frozenset(families or {ALL}), after=after)


def test_order_respects_every_after_edge() -> None:
    order = [r.name for r in ordered(RULES)]
    assert sorted(order) == sorted(RULES)
    position = {name: i for i, name in enumerate(order)}
    late = [(r.name, before) for r in RULES.values() for before in r.after if position[before] > position[r.name]]
    assert not late, late
    assert [r.name for r in rules_in_order()] == order  # the engine runs exactly this order


def test_order_depends_only_on_the_declarations() -> None:
    rules = {n: fake(n, after=a) for n, a in [("c", ("a",)), ("b", ()), ("a", ()), ("d", ("b", "c"))]}
    expected = ["a", "b", "c", "d"]
    assert [r.name for r in ordered(rules)] == expected
    assert [r.name for r in ordered(dict(reversed(list(rules.items()))))] == expected


def test_a_cycle_in_after_is_an_error_naming_its_rules() -> None:
    rules = {n: fake(n, after=a) for n, a in [("a", ("c",)), ("b", ("a",)), ("c", ("b",)), ("free", ())]}
    with pytest.raises(ValueError, match="cycle") as err:
        ordered(rules)
    assert all(n in str(err.value) for n in "abc") and "free" not in str(err.value)
    with pytest.raises(ValueError, match="cycle"):
        ordered({"self": fake("self", after=("self",))})


def test_an_unknown_dependency_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a rule"):
        ordered({"a": fake("a", after=("nobody",))})


def test_the_decorator_rejects_bad_declarations_before_registering() -> None:
    before = dict(registered())
    with pytest.raises(ValueError, match="unknown aspect"):
        rule("X", reads={"claim"}, severity="error", explains="x#y", sources=())
    with pytest.raises(ValueError, match="never write the facts"):
        rule("X", reads={"codes"}, writes={"facts"}, severity="error", explains="x#y", sources=())
    assert registered() == before


# --------------------------------------------------------------------------- (d) writers of one aspect are ordered


def unordered_writers(rules: dict[str, Rule]) -> dict[tuple[str, str], frozenset[str]]:
    """Pairs of rules that may rewrite the same aspect of the same families' lines (Rule.touches: shared `writes`
    and overlapping `families`, `*` overlapping everything) with no `after` path between them, and those aspects.
    Two such rules can run in either order, so the corrected claim could depend on a tie-break by name."""
    out: dict[tuple[str, str], frozenset[str]] = {}
    for a, b in combinations(sorted(rules), 2):
        ra, rb = rules[a], rules[b]
        if ra.touches(rb) and not precedes(rules, a, b) and not precedes(rules, b, a):
            out[(a, b)] = ra.writes & rb.writes
    return out


def test_the_conflict_detector_on_throwaway_rules() -> None:
    rules = {
        "a": fake("a", writes={"units"}), "b": fake("b", writes={"units", "lines"}),
        "c": fake("c", writes={"lines"}, after=("b",)), "d": fake("d", writes={"lines"}, after=("c",)),
        "e": fake("e", writes={"codes"}, families={"joint"}), "f": fake("f", writes={"codes"}, families={"em"}),
        "g": fake("g", writes={"codes"}), "h": fake("h"),
    }
    found = unordered_writers(rules)
    assert found == {("a", "b"): frozenset({"units"}), ("e", "g"): frozenset({"codes"}),
                     ("f", "g"): frozenset({"codes"})}
    # b -> c -> d is ordered transitively; e and f touch different families; h writes nothing


# Unordered pairs in today's rules (Rule.touches without an `after` path), as found when this test was written.
# Do not add to this list to make the test pass: declare the order (`after=`) or narrow the rules' `families`.
KNOWN_UNORDERED: frozenset[tuple[str, str]] = frozenset({
    ("addon_once", "bilateral_50"), ("addon_once", "rt_lt_pairs"), ("addon_primary", "em_in_global"),
    ("addon_primary", "em_needs_25"), ("addon_primary", "em_on_asc_claim"), ("addon_primary", "em_same_day"),
    ("bilateral_50", "catheter_once"), ("bilateral_50", "facet_levels"), ("bilateral_50", "joint_units"),
    ("catheter_once", "rt_lt_pairs"), ("descriptor_imaging", "em_in_global"), ("descriptor_imaging", "em_needs_25"),
    ("descriptor_imaging", "em_on_asc_claim"), ("descriptor_imaging", "em_same_day"),
    ("descriptor_imaging", "facet_levels"), ("descriptor_imaging", "facility_sides"),
    ("descriptor_imaging", "guidance_included"), ("descriptor_imaging", "imaging_mismatch"),
    ("descriptor_imaging", "joint_guided_unguided"), ("descriptor_imaging", "joint_units"),
    ("descriptor_imaging", "rt_lt_pairs"), ("descriptor_imaging", "tpi_muscles"),
    ("descriptor_imaging", "tpi_one_code"), ("descriptor_imaging", "unguided_with_guidance"),
    ("descriptor_imaging", "us_docs"), ("em_in_global", "facility_sides"), ("em_in_global", "mue"),
    ("em_in_global", "ptp"), ("em_in_global", "rt_lt_pairs"), ("em_needs_25", "facility_sides"),
    ("em_needs_25", "mue"), ("em_needs_25", "ptp"), ("em_needs_25", "rt_lt_pairs"),
    ("em_on_asc_claim", "facility_sides"), ("em_on_asc_claim", "guidance_included"), ("em_on_asc_claim", "mue"),
    ("em_on_asc_claim", "ptp"), ("em_on_asc_claim", "rt_lt_pairs"), ("em_on_asc_claim", "unguided_with_guidance"),
    ("em_same_day", "facility_sides"), ("em_same_day", "mue"), ("em_same_day", "ptp"), ("em_same_day", "rt_lt_pairs"),
    ("facet_levels", "facility_sides"), ("facet_levels", "guidance_included"), ("facet_levels", "rt_lt_pairs"),
    ("facet_levels", "unguided_with_guidance"), ("facility_sides", "guidance_included"),
    ("facility_sides", "joint_guided_unguided"), ("facility_sides", "joint_units"),
    ("facility_sides", "unguided_with_guidance"), ("guidance_included", "joint_guided_unguided"),
    ("guidance_included", "joint_units"), ("guidance_included", "rt_lt_pairs"),
    ("guidance_included", "si_facility_code"), ("guidance_included", "tpi_muscles"),
    ("guidance_included", "tpi_one_code"), ("imaging_mismatch", "imaging_variant"),
    ("imaging_mismatch", "si_facility_code"), ("imaging_mismatch", "tpi_muscles"),
    ("imaging_mismatch", "tpi_one_code"), ("imaging_mismatch", "us_docs"), ("imaging_variant", "si_facility_code"),
    ("imaging_variant", "tpi_muscles"), ("imaging_variant", "tpi_one_code"),
    ("imaging_variant", "unguided_with_guidance"), ("joint_guided_unguided", "rt_lt_pairs"),
    ("joint_guided_unguided", "unguided_with_guidance"), ("joint_units", "rt_lt_pairs"),
    ("joint_units", "unguided_with_guidance"), ("rt_lt_pairs", "unguided_with_guidance"),
    ("si_facility_code", "unguided_with_guidance"), ("tpi_muscles", "unguided_with_guidance"),
    ("tpi_one_code", "unguided_with_guidance"), ("unguided_with_guidance", "us_docs"),
})


def test_no_new_pair_of_writers_is_unordered() -> None:
    """A ratchet: no unordered pair beyond the recorded ones (the recorded ones fail the next test)."""
    new = sorted(set(unordered_writers(RULES)) - KNOWN_UNORDERED)
    assert not new, "rules that may rewrite the same aspect without an order:\n" + "\n".join(
        f"  {a} / {b}: {sorted(unordered_writers(RULES)[(a, b)])}" for a, b in new)


@pytest.mark.xfail(condition=bool(KNOWN_UNORDERED), strict=True,
                   reason="today's rules leave the pairs in KNOWN_UNORDERED unordered (reported to the lead)")
def test_every_pair_of_writers_of_the_same_aspect_is_ordered() -> None:
    found = unordered_writers(RULES)
    assert not found, f"{len(found)} unordered pair(s):\n" + "\n".join(
        f"  {a} / {b}: {sorted(aspects)}" for (a, b), aspects in sorted(found.items()))


# --------------------------------------------------------------------------- (e) the corrected claim is a fixed point

CODES = sorted(CATALOG.codes)
MODS = ["25", "50", "51", "57", "59", "XE", "XS", "XP", "XU", "RT", "LT", "KX"]
claim_lines = st.builds(
    ClaimLine, code=st.sampled_from(CODES),
    modifiers=st.lists(st.sampled_from(MODS), max_size=3, unique=True).map(tuple),
    units=st.integers(min_value=1, max_value=6),
)
encounter_facts = st.builds(
    Facts,
    payer=st.sampled_from(["medicare", "commercial"]),
    setting=st.sampled_from(list(Setting)),
    separate_problem=st.none() | st.booleans(),
    new_patient=st.none() | st.booleans(),
    diagnostic=st.none() | st.booleans(),
    imaging=st.none() | st.sampled_from(["fluoroscopy", "ct", "ultrasound", "none"]),
    ultrasound=st.none() | st.builds(UltrasoundDocs, real_time=st.none() | st.booleans(),
                                     permanent_image=st.none() | st.booleans(), report=st.none() | st.booleans()),
    muscles=st.none() | st.integers(min_value=1, max_value=8),
    distinct_sites=st.none() | st.booleans(),
    days_since_global_procedure=st.none() | st.integers(min_value=0, max_value=30),
    ablation=st.none() | st.sampled_from(["thermal", "pulsed"]),
)


@dataclass(frozen=True)
class Fixpoint:
    """The claim checked once and the corrected claim checked again."""

    claim: list[ClaimLine]
    facts: Facts
    first: list[ClaimLine]
    second: list[ClaimLine]
    errors_again: tuple[str, ...]  # "RULE: message" of the error findings on the second pass

    @classmethod
    def of(cls, claim: list[ClaimLine], facts: Facts) -> Fixpoint:
        first = check(claim, facts, CATALOG)
        second = check(first.claim, facts, CATALOG)
        errors = tuple(f"{f.rule}: {f.message}" for f in second.findings if f.severity == "error")
        return cls(claim, facts, first.claim, second.claim, errors)

    @property
    def holds(self) -> bool:
        return self.second == self.first and not self.errors_again

    @property
    def rules_again(self) -> frozenset[str]:
        return frozenset(e.split(":")[0] for e in self.errors_again)

    def __str__(self) -> str:
        show = lambda lines: ", ".join(format_line(x) for x in lines) or "(empty)"  # noqa: E731
        return (f"claim [{show(self.claim)}] with {self.facts.model_dump(exclude_defaults=True, mode='json')}\n"
                f"  first pass  -> [{show(self.first)}]\n  second pass -> [{show(self.second)}]\n"
                + "\n".join(f"  error again: {e}" for e in self.errors_again))


# Minimal counterexamples found by the property below (shrunk by hypothesis, one per mechanism), pinned one test
# each. KNOWN_FIXPOINT_RULES are the rules that fire again in them: the property skips only failures whose repeated
# errors all come from those rules, so any other mechanism fails it. When a mechanism is fixed, its examples pass
# (strict xfail turns red): delete them, and the rule from KNOWN_FIXPOINT_RULES.
FIXPOINT_COUNTEREXAMPLES: list[tuple[str, list[ClaimLine], Facts]] = [
    ("JOINT-UNITS runs before MOD25-NOT-EM and BILATERAL-50 make the two joint lines identical",
     _lines("20600-25-50", "20600-25-50-RT"), Facts()),
    ("JOINT-UNITS runs before X-MULTIPLE drops the 59 that told the lines apart",
     _lines("20600-XE", "20600-59-XE"), Facts()),
    ("JOINT-UNITS runs before BILATERAL-RTLT splits the 50 line into RT + LT on a facility claim",
     _lines("20600-50", "20600-RT"), Facts(setting="facility")),
    ("JOINT-GUIDED-UNGUIDED runs before X-PREFER-XS turns 59 into XS, which makes the two joints the same",
     _lines("20605-59", "20606-25-XS"), Facts()),
    ("IMAGING-INCLUDED keeps 76942 for the trigger point line that PTP removes afterwards",
     _lines("20552", "20604", "76942"), Facts()),
    ("contradictory facts (no imaging, ultrasound documented): 20600 + 76942 become 20604, which IMAGING-UNGUIDED "
     "turns back into 20600 on the next pass",
     _lines("20600", "76942"), Facts(imaging="none", ultrasound=UltrasoundDocs(real_time=True, permanent_image=True,
                                                                                report=True))),
]
KNOWN_FIXPOINT_RULES = frozenset({"JOINT-UNITS", "JOINT-GUIDED-UNGUIDED", "IMAGING-INCLUDED", "IMAGING-UNGUIDED"})


@pytest.mark.parametrize(("why", "claim", "facts"), [
    pytest.param(why, claim, facts, marks=pytest.mark.xfail(strict=True, reason=why), id=f"counterexample{i}")
    for i, (why, claim, facts) in enumerate(FIXPOINT_COUNTEREXAMPLES)])
def test_known_counterexample_is_a_fixed_point(why: str, claim: list[ClaimLine], facts: Facts) -> None:
    result = Fixpoint.of(claim, facts)
    assert result.holds, f"{why}\n{result}"


def test_the_known_counterexamples_are_what_the_property_skips() -> None:
    for why, claim, facts in FIXPOINT_COUNTEREXAMPLES:
        assert Fixpoint.of(claim, facts).rules_again <= KNOWN_FIXPOINT_RULES, why
    seen = {r for _, c, f in FIXPOINT_COUNTEREXAMPLES for r in Fixpoint.of(c, f).rules_again}
    assert KNOWN_FIXPOINT_RULES.issubset(seen), "a known rule no counterexample shows: remove it"


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(claim=st.lists(claim_lines, min_size=1, max_size=6), facts=encounter_facts)
def test_the_corrected_claim_is_a_fixed_point(claim: list[ClaimLine], facts: Facts) -> None:
    """check(check(claim).claim) changes nothing and raises no error, over generated claims of catalog codes."""
    result = Fixpoint.of(claim, facts)
    known = not result.holds and result.rules_again and result.rules_again <= KNOWN_FIXPOINT_RULES
    assume(not known)  # a mechanism pinned above; anything else must hold
    assert result.holds, str(result)


def test_a_rewritten_claim_settles() -> None:
    """The property is not vacuous: the engine does rewrite this claim, and its rewrite is then left alone."""
    claim = _lines("64493 x3", "99213")
    once = check(claim, Facts(), CATALOG)
    assert once.claim != claim
    assert Fixpoint.of(claim, Facts()).holds
