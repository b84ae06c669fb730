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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import claim_lines as strategy_lines
from strategies import encounter_facts

from advisor.claims import ClaimLine, format_line, parse_line
from advisor.retrieval.knowledge import browse_documents
from advisor.retrieval.sections import section
from advisor.rules.catalog import Catalog, curated_catalog
from advisor.rules.context import Ctx
from advisor.rules.engine import check, rules_in_order
from advisor.rules.model import Facts, UltrasoundDocs
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


BROKEN_EXPLAINS: dict[str, str] = {}  # rules whose section is missing or does not name them (none today)


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


def test_every_pair_of_writers_of_the_same_aspect_is_ordered() -> None:
    found = unordered_writers(RULES)
    assert not found, f"{len(found)} unordered pair(s):\n" + "\n".join(
        f"  {a} / {b}: {sorted(aspects)}" for (a, b), aspects in sorted(found.items()))


# --------------------------------------------------------------------------- (e) the corrected claim is a fixed point

claim_lines = strategy_lines()


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


# Claims that once failed the property (found and shrunk by hypothesis), kept as plain regressions: a rule that read
# what a later rule wrote, and contradictory facts that made two rules undo each other.
FORMER_COUNTEREXAMPLES: list[tuple[list[ClaimLine], Facts]] = [
    (_lines("20600-25-50", "20600-25-50-RT"), Facts()),
    (_lines("20600-XE", "20600-59-XE"), Facts()),
    (_lines("20600-50", "20600-RT"), Facts(setting="facility")),
    (_lines("20605-59", "20606-25-XS"), Facts()),
    (_lines("20552", "20604", "76942"), Facts()),
    (_lines("20600", "76942"), Facts(imaging="none", ultrasound=UltrasoundDocs(real_time=True, permanent_image=True,
                                                                                report=True))),
    (_lines("62320", "76942"), Facts(imaging="none")),
    (_lines("0214T", "99202"), Facts()),
]


@pytest.mark.parametrize(("claim", "facts"), FORMER_COUNTEREXAMPLES)
def test_former_counterexample_is_a_fixed_point(claim: list[ClaimLine], facts: Facts) -> None:
    result = Fixpoint.of(claim, facts)
    assert result.holds, str(result)


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(claim=st.lists(claim_lines, min_size=1, max_size=6), facts=encounter_facts)
def test_the_corrected_claim_is_a_fixed_point(claim: list[ClaimLine], facts: Facts) -> None:
    """check(check(claim).claim) changes nothing and raises no error, over generated claims of catalog codes."""
    result = Fixpoint.of(claim, facts)
    assert result.holds, str(result)


def test_a_rewritten_claim_settles() -> None:
    """The property is not vacuous: the engine does rewrite this claim, and its rewrite is then left alone."""
    claim = _lines("64493 x3", "99213")
    once = check(claim, Facts(), CATALOG)
    assert once.claim != claim
    assert Fixpoint.of(claim, Facts()).holds
