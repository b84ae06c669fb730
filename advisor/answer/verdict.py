"""From a Reading to the rules engine's decision: the proposal, the recommended claim, the check, the verdict.

The verdict is never written by hand or by an LLM; it follows three invariants (tests/answer/test_invariants.py):
1. Yes only when the proposal, checked by the engine in the context of today's claim, draws no error or warning
   and equals the engine's recommended claim in codes, modifiers and units (RT/LT compared when the proposal states
   them); a question about another modifier whose lines leave off only a Medicare diagnostic block's KX is a Yes
   whose lines and reason add the KX.
2. A finding that removes or replaces a proposed line means No (Conditional when that finding waits on a fact the
   question does not give).
3. A verdict is given only to a yes/no question that proposes something; a question the reader could not fully
   place gets Conditional and the question that would settle it, never a Yes or No.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from advisor.answer.model import LookupFact, Verdict
from advisor.claims import ClaimLine, format_line, is_em_code
from advisor.modifiers import in_group, modifiers
from advisor.reader.model import Proposal, Reading
from advisor.reader.questions import choice_options, modifier_asked
from advisor.reader.reader import described_in_words, proposed_codes, said_nothing_done
from advisor.reader.words import W
from advisor.rules.catalog import Catalog
from advisor.rules.context import X_MODIFIERS
from advisor.rules.engine import check
from advisor.rules.model import CheckResult, Encounter, Finding, Recommendation
from advisor.rules.recommend import recommend

SIDES = frozenset({"RT", "LT"})
PLACEHOLDER_EM = {False: "99213", True: "99203"}  # an E/M named without its code: established or new
EM_MODS = ("25", "57")
# Facts that decide which lines are coded; coverage facts (prior relief, prior blocks) decide only whether a payer
# covers them, so they make only a coverage question conditional.
CODING_FACTS = frozenset({"separate_problem", "ultrasound", "diagnostic", "distinct_sites", "muscles", "imaging"})
# The proposal a pending fact bears on: KX waits on the purpose, an E/M line on a separate problem, an ultrasound
# joint code or 76942 on its documentation, 59/X on separate sites, a trigger point code on the muscle count. A
# pending fact about something the question does not propose is a note, not a reason to withhold the verdict.
# Facts KX attests (the LCD's relief from the earlier diagnostic block): a question asking for KX waits on them.
KX_FACTS = frozenset({"prior_relief_percent"})
KX_ADDED = "KX added"  # the reason of a Yes whose lines gain only the KX the question left off
PLACED_25 = "25 belongs on the E/M line"  # the reason of a Yes to where 25 goes
NEITHER = "neither option offered"  # the reason of a No to a choice of discontinued modifiers when none applies
NOT_COVERED_ASKED = "asked as not covered"  # the coverage verdict turned to answer "it's not covered, right?"


def _bears_on(fact: str, lines: list[ClaimLine], catalog: Catalog) -> bool:
    if fact == "diagnostic" or fact in KX_FACTS:
        return any("KX" in ln.modifiers for ln in lines)
    if fact == "separate_problem":
        return any(is_em_code(ln.code) for ln in lines)
    if fact == "ultrasound":
        return any((i := catalog.code(ln.code)) is not None and (i.imaging == "included_us" or i.guides == "ultrasound")
                   for ln in lines)
    if fact == "distinct_sites":
        return any(m in X_MODIFIERS for ln in lines for m in ln.modifiers)
    if fact == "muscles":
        return any((i := catalog.code(ln.code)) is not None and catalog.family(i.family).counts == "muscles"
                   for ln in lines)
    return True


def _strip(lines: list[ClaimLine], pending: list[str]) -> list[ClaimLine]:
    """The lines without the modifiers the pending facts decide (compared apart from them)."""
    kx = "diagnostic" in pending or bool(KX_FACTS & set(pending))
    drop = (("KX",) if kx else ()) + (("25",) if "separate_problem" in pending else ()) + (
        X_MODIFIERS if "distinct_sites" in pending else ())
    return [ln.with_modifiers(drop=drop) for ln in lines] if drop else lines
COVERAGE_RULES = ("LCD-", "IMAGING-REQUIRED", "IMAGING-UNGUIDED", "CATALOG-UNKNOWN")
COMPARE_WORDS = (("coded", "differently"), ("billed", "differently"), ("different", "codes"), ("different", "code"),
                 ("same", "code"), ("same", "codes"), ("code", "differently"))


@dataclass
class Decision:
    """What the rules engine decided for one question."""

    recommendation: Recommendation | None
    checked: CheckResult | None
    claim: list[ClaimLine]
    findings: list[Finding]
    verdict: Verdict | None
    reasons: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    proposal: Proposal | None = None
    lookup: list[LookupFact] = field(default_factory=list)


def _key(line: ClaimLine, sides: bool) -> tuple[str, frozenset[str]]:
    return line.code, frozenset(m for m in line.modifiers if sides or m not in SIDES)


def _as_engine_bypass(lines: list[ClaimLine], engine: list[ClaimLine]) -> list[ClaimLine]:
    """59 and XE/XS/XP/XU each bypass an NCCI edit (an X modifier is 59 narrowed): a 59 where the engine's line of
    that code carries an X modifier is that choice, and an X modifier where the engine's line carries a plain 59 is
    that 59 ('would XS work instead of 59?'); an X modifier other than the engine's is not."""
    out = []
    for ln in lines:
        x = next((m for e in engine if e.code == ln.code for m in e.modifiers if m in X_MODIFIERS and m != "59"), None)
        own_x = tuple(m for m in ln.modifiers if m in X_MODIFIERS and m != "59")
        if "59" in ln.modifiers and x:
            ln = ln.with_modifiers(x, drop=("59",))
        elif own_x and any(e.code == ln.code and "59" in e.modifiers for e in engine):
            ln = ln.with_modifiers("59", drop=own_x)
        out.append(ln)
    return out


def bag(lines: list[ClaimLine], sides: bool = False) -> Counter[tuple[str, frozenset[str]]]:
    """Lines as a multiset of (code, modifiers) with their units; RT/LT ignored unless `sides`."""
    out: Counter[tuple[str, frozenset[str]]] = Counter()
    for ln in lines:
        out[_key(ln, sides)] += ln.units
    return out


# --- the proposal -------------------------------------------------------------------------------------------------

def build_proposal(reading: Reading, recommended: list[ClaimLine], catalog: Catalog) -> Proposal | None:
    """What a yes/no question puts forward, as lines; None when it is not a yes/no question."""
    if reading.question_type != "yes_no":
        return None
    earlier = _only_earlier(reading)  # "Day 6 after bilat RFA (64635-50) ... bill a 99213?": the RFA is not proposed
    billed = proposed_codes(reading.spans)  # "RFA last March ... should I bill 64635-50?": it is
    lines = _dedupe([ln for ln in reading.lines if _family(ln.code, catalog) not in earlier or ln.code in billed])
    mods = list(reading.modifiers)
    non_em = [ln for ln in recommended if not is_em_code(ln.code)]
    compared = _comparison(reading)
    if compared is not None and not lines:
        return compared
    asked = _modifier_asked(reading, lines)
    if asked is not None:
        return asked
    if reading.facts.get("nothing_billed") and not lines and not mods:
        return Proposal(kind="nothing", summary="nothing on the claim")  # "no-show, nothing goes out, correct?"
    if lines and mods:
        if reading.em is not None and set(mods) & set(EM_MODS) and not any(is_em_code(ln.code) for ln in lines):
            lines = [ClaimLine(code=_em_code(reading)), *lines]  # "the 25 goes on the E/M line, not the 27096?"
        lines = _attach(lines, mods, reading, recommended)
        lines = _on_addons(lines, mods, reading, catalog)
        if reading.units:
            lines = _with_units(lines, reading.units)
        return _lines_proposal(lines, non_em, mods[0])
    if mods:
        em_mods = [m for m in mods if m in EM_MODS or m in X_MODIFIERS]
        if em_mods and reading.em is not None:
            em = ClaimLine(code=_em_code(reading), modifiers=tuple(em_mods))
            return Proposal(kind="em25", lines=[em, *non_em], modifier=mods[0], summary="E/M with " + "/".join(em_mods))
        if not non_em:
            non_em = _class_lines(reading, catalog)  # "do add-on codes ever take 51?": a representative claim
            if non_em:
                non_em = [*non_em[:-1], non_em[-1].with_modifiers(*mods)]
                return Proposal(kind="modifier", lines=non_em, modifier=mods[0], summary=f"modifier {mods[0]}")
        if non_em:
            target = non_em[-1] if mods[0] in X_MODIFIERS and len(non_em) > 1 else non_em[0]
            every = _on_every_line(reading)  # "LT on both", "KX on all of them"
            lines = [ln.with_modifiers(*[m for m in mods if m not in ln.modifiers], drop=tuple(reading.set_aside))
                     if every or ln is target else ln.with_modifiers(drop=tuple(reading.set_aside)) for ln in non_em]
            return Proposal(kind="modifier", lines=lines, modifier=mods[0], summary=f"modifier {mods[0]}")
        return Proposal(kind="modifier", modifier=mods[0], summary=f"modifier {mods[0]}")
    procedures = [ln for ln in non_em if ln.code not in catalog.guidance_codes]
    per_line = not lines and len(procedures) > 1 and sum(ln.units for ln in procedures) == reading.units
    if reading.units and (lines or non_em) and not per_line:  # "can each level be billed?" over 64483 + 64484 asks
        base = lines or non_em  # no more than the claim
        target = next((ln for ln in reversed(base)
                       if ln.code not in catalog.guidance_codes and not is_em_code(ln.code)), base[0])
        changed = [ln.model_copy(update={"units": reading.units}) if ln is target else ln for ln in base]
        if reading.facts.get("other_side"):
            changed = _other_side(changed, target)
        return Proposal(kind="units", lines=changed, summary=f"{target.code} x{reading.units}")
    if lines and reading.set_aside and not any(ln.modifiers for ln in lines):
        named = {ln.code for ln in lines}  # "the 64494 doesn't take modifier 51, correct?": the engine's line for
        engine = [ln.with_modifiers(drop=tuple(reading.set_aside)) for ln in recommended if ln.code in named]
        if engine:  # 64494, whatever else it carries, without 51
            return Proposal(kind="lines", lines=engine, summary=", ".join(str(ln) for ln in engine))
    if lines:
        if all(is_em_code(ln.code) for ln in lines):
            return Proposal(kind="em25", lines=lines + non_em, summary=", ".join(str(ln) for ln in lines))
        if reading.em is not None and not any(is_em_code(ln.code) for ln in lines):
            em = ClaimLine(code=_em_code(reading))  # "E/M + 20553?"
            return Proposal(kind="em25", lines=[em, *lines], summary=f"an E/M with {', '.join(map(str, lines))}")
        return _lines_proposal(lines, non_em, None)
    if reading.em is not None:
        em = ClaimLine(code=_em_code(reading))
        return Proposal(kind="em25", lines=[em, *non_em], summary="an E/M on the procedure day" if non_em else
                        "a new-patient visit" if reading.em.new_patient else "the visit")
    guidance = _guidance_proposal(reading, catalog)
    if guidance is not None:
        return Proposal(kind="lines", lines=[ln for ln in recommended if ln.code not in catalog.guidance_codes]
                        + [guidance], summary=f"{guidance.code} for the guidance")
    miscounted = [f for f in reading.done_frames() if f.levels and f.levels_stated and f.levels_stated != f.levels
                  and not (f.laterality == "bilateral" and f.levels_stated == 2 * f.levels)]
    if miscounted:  # "L3 MB, L4 MB, L5 DR - thats 3 levels?": the nerves counted as levels
        frame = miscounted[0]
        return Proposal(kind="count", lines=list(recommended),
                        summary=f"{frame.levels_stated} levels ({frame.levels} named: {', '.join(frame.level_names)})")
    single = _one_service(reading, procedures)
    if single is not None:
        return Proposal(kind="one_service", lines=list(recommended), summary=f"separate lines ({single} covers them)")
    return Proposal(kind="coverage", lines=list(recommended), summary="the services described")


def _one_service(reading: Reading, procedures: list[ClaimLine]) -> str | None:
    """'Can the aspiration and the injection be billed separately?' when the engine bills them (the recommended
    procedure lines, no E/M or guidance) as one line of one unit: that code (the parts are one service). None when the
    question does not ask to bill things apart."""
    words = {s.text.lower() for s in reading.spans if s.kind != "fact"}
    if not words & W.SEPARATELY_WORDS or not words & W.BILLING_WORDS:
        return None
    return procedures[0].code if len(procedures) == 1 and procedures[0].units == 1 else None


def _modifier_asked(reading: Reading, lines: list[ClaimLine]) -> Proposal | None:
    """'do I need any modifier on it?', 'does 99213 need a modifier?': whether the lines take one, no modifier
    named; the code named after the question is the line asked about, else the codes the question names (else
    all)."""
    named = modifier_asked(reading.spans) if not reading.modifiers else None
    if named is None:
        return None
    asked = [ln for ln in lines if ln.code in named] or lines
    what = ", ".join(ln.code for ln in asked) or "the lines"
    return Proposal(kind="needs_modifier", lines=asked, summary=f"a modifier on {what}")


def _em_code(reading: Reading) -> str:
    """The E/M code the question names, or the placeholder of its kind (new or established) when it names none."""
    assert reading.em is not None
    return reading.em.code or PLACEHOLDER_EM[bool(reading.em.new_patient)]


def _on_every_line(reading: Reading) -> bool:
    words = [s.text.lower() for s in reading.spans if s.kind != "fact"]
    return any(a == "on" and b in ("both", "all", "each", "every") for a, b in pairwise(words))


def _class_lines(reading: Reading, catalog: Catalog) -> list[ClaimLine]:
    """The representative claim of a class of codes the question names (vocabulary.yaml `classes`)."""
    text = " ".join(s.text.lower() for s in reading.spans)
    classes: dict[str, list[str]] = catalog.registry.vocabulary.get("classes") or {}
    for phrase, codes in sorted(classes.items(), key=lambda kv: -len(kv[0])):
        if phrase in text:
            return [ClaimLine(code=c) for c in codes]
    return []


def _lines_proposal(lines: list[ClaimLine], non_em: list[ClaimLine], modifier: str | None) -> Proposal:
    summary = ", ".join(str(ln) for ln in lines)
    if all(is_em_code(ln.code) for ln in lines):
        lines = lines + non_em
    kind = "em25" if any(is_em_code(ln.code) for ln in lines) else "lines"
    return Proposal(kind=kind, lines=lines, modifier=modifier, summary=summary)


def _dedupe(lines: list[ClaimLine]) -> list[ClaimLine]:
    """'New pt, 99205 ... can I bill 99205-25?': a bare mention of a code also written with modifiers is one line."""
    modified = {ln.code for ln in lines if ln.modifiers}
    seen: set[str] = set()
    out = []
    for ln in lines:
        if (not ln.modifiers and ln.units == 1 and ln.code in modified) or str(ln) in seen:
            continue
        seen.add(str(ln))
        out.append(ln)
    return out


def _attach(lines: list[ClaimLine], mods: list[str], reading: Reading, recommended: list[ClaimLine]) -> list[ClaimLine]:
    """Each standalone modifier onto the line it was written with: 25/57 on the E/M line, 59 or an X modifier on the
    line the edit needs it on ('for the 20552 billed with 20610, XS instead of 59?'), otherwise the code nearest to
    where the modifier was named ('the 25 on 64493' puts it on 64493: wrong, but that is the proposal)."""
    codes = [s for s in reading.spans if s.kind == "code"]
    out = list(lines)
    for mod in mods:
        spans = [s for s in reading.spans if s.kind == "mod" and s.value == mod]
        written = [i for s in spans if (on := _written_on(reading, s)) is not None
                   for i, ln in enumerate(out) if ln.code == on and mod not in ln.modifiers]
        for i in dict.fromkeys(written):  # "50 is on the 64493 - do I put the 50 on the 64494 too?": each line named
            try:
                out[i] = out[i].with_modifiers(mod)
            except ValueError:
                continue
        if written or any(mod in ln.modifiers for ln in out):
            continue
        pos = spans[0].start if spans else 0
        index = None
        if index is None and mod in EM_MODS:
            index = next((i for i, ln in enumerate(out) if is_em_code(ln.code)), None)
        if index is None and (mod in X_MODIFIERS or mod == "59"):
            bypassed = {ln.code for ln in recommended if set(ln.modifiers) & {*X_MODIFIERS, "59"}}
            index = next((i for i, ln in enumerate(out) if ln.code in bypassed), None)
        if index is None and codes:
            nearest = min(codes, key=lambda s: min(abs(s.start - pos), abs(s.end - pos))).value["code"]
            index = next((i for i, ln in enumerate(out) if ln.code == nearest), 0)
        try:
            out[index or 0] = out[index or 0].with_modifiers(mod)
        except ValueError:
            continue
    return [half for ln in out for half in _one_side_each(ln, mods)]


def _on_addons(lines: list[ClaimLine], mods: list[str], reading: Reading, catalog: Catalog) -> list[ClaimLine]:
    """'do the add-on codes get the 50 too? ... I have 64493-50 and 64494': the modifier asked about goes on the
    add-on lines."""
    if not any(s.kind == "lookup" and s.value == "addon" for s in reading.spans):
        return lines
    return [ln.with_modifiers(*[m for m in mods if m not in ln.modifiers])
            if (info := catalog.code(ln.code)) is not None and info.addon else ln for ln in lines]


def _one_side_each(line: ClaimLine, mods: list[str]) -> list[ClaimLine]:
    """'RT on one and LT on the other': two sides named on their own for one code are two lines, one side each."""
    if not {"RT", "LT"} <= set(mods) or not {"RT", "LT"} <= set(line.modifiers):
        return [line]
    return [line.with_modifiers(drop=("LT",)), line.with_modifiers(drop=("RT",))]


def _written_on(reading: Reading, mod_span: object) -> str | None:
    """'25 on 64493', '59 to 20552', 'the 25 goes on the 64490', 'the 25 modifier - does it go on the 20552?': the
    code named right after 'on'/'to' following the modifier."""
    plain = [s for s in reading.spans if s.kind != "fact"]
    i = plain.index(mod_span) if mod_span in plain else -1
    window = plain[i + 1:i + 9] if i >= 0 else []
    while window and window[0].text.lower() in W.GOES_WORDS | W.PLACEMENT_ASIDES:
        window = window[1:]  # "the 25 modifier - does it go on the 20552 line?"
    if window and window[0].text.lower() in ("on", "to", "onto"):
        code = next((s for s in window[1:3] if s.kind == "code"), None)
        return code.value["code"] if code is not None else None
    return None


def _with_units(lines: list[ClaimLine], units: int) -> list[ClaimLine]:
    plain = [i for i, ln in enumerate(lines) if ln.units == 1 and not is_em_code(ln.code)]
    if not plain:
        return lines
    index = plain[-1]
    return [ln.model_copy(update={"units": units}) if i == index else ln for i, ln in enumerate(lines)]


def _other_side(lines: list[ClaimLine], target: ClaimLine) -> list[ClaimLine]:
    """'One more line for the other side': the target line once per side."""
    base = target.with_modifiers(drop=("RT", "LT", "50")).model_copy(update={"units": 1})
    return [ln for ln in lines if ln is not target] + [base.with_modifiers("RT"), base.with_modifiers("LT")]


def _comparison(reading: Reading) -> Proposal | None:
    """'Is an intra-articular facet injection coded differently from a medial branch block?': the frames compared by
    family (same family, same codes)."""
    words = [s.text.lower() for s in reading.spans if s.kind != "fact"]
    pairs = set(pairwise(words))
    match = next((p for p in COMPARE_WORDS if p in pairs), None)
    families = reading.named if len(reading.named) > 1 else [s.value for s in reading.spans if s.kind == "family"]
    if match is None or len(families) < 2:  # two procedure words read as one procedure still name two
        return None
    same = families[0] == families[1]
    asks_same = "same" in match
    return Proposal(kind="compare", modifier="holds" if same == asks_same else "fails",
                    summary="the same codes" if asks_same else "different codes")


def _guidance_proposal(reading: Reading, catalog: Catalog) -> ClaimLine | None:
    """'Can the US be billed separately?', 'add the fluoro?': the guidance code for the imaging named."""
    plain = [s for s in reading.spans if s.kind != "fact"]
    asks = [i for i, s in enumerate(plain) if s.text.lower() in W.GUIDANCE_ASKS | W.SEPARATELY_WORDS]
    guides = [i for i, s in enumerate(plain) if s.kind == "guide" and s.value != "none"]

    def near(a: int, b: int) -> bool:  # the billing word and the guidance in one clause, a few words apart
        lo, hi = sorted((a, b))
        return hi - lo <= 5 and not any(x.kind == "punct" and x.value in (".", "?", "!", ";") for x in plain[lo:hi])

    guide = next((plain[g].value for g in guides if any(near(a, g) for a in asks)), None)
    if guide is None:  # "L4-5 interlaminar w/ fluoro today. OK to bill to Medicare?" is not about the fluoro
        return None
    frame = next(iter(reading.done_frames()), None)
    fam = catalog.family(frame.family) if frame and frame.family else None
    code = (fam.guidance.get(guide) if fam else None) or (
        "77003" if guide == "fluoroscopy" and fam and fam.imaging in ("included", "twin") else None)
    code = code or next((c.code for c in catalog.family_codes("imaging") if c.guides == guide), None)
    return ClaimLine(code=code) if code else None


# --- the verdict --------------------------------------------------------------------------------------------------

def in_context(proposal: Proposal, recommended: list[ClaimLine], catalog: Catalog) -> list[ClaimLine]:
    """The proposed lines on today's claim: beside the recommended lines of the families the proposal does not
    restate ('does 77002 get 50?' is checked beside 20610-50), never a line of a family it proposes."""
    if proposal.kind not in ("lines", "units", "modifier"):
        return list(proposal.lines)
    codes = {ln.code for ln in proposal.lines}
    if proposal.kind == "modifier":
        return list(proposal.lines) + [ln for ln in recommended if ln.code not in codes]
    recommended_codes = {ln.code for ln in recommended}
    # a family the proposal codes differently is replaced; one whose codes the engine also has is completed
    replaced = {_family(ln.code, catalog) for ln in proposal.lines if ln.code not in recommended_codes}
    rest = [ln for ln in recommended if ln.code not in codes and _family(ln.code, catalog) not in replaced]
    return list(proposal.lines) + rest


def _family(code: str, catalog: Catalog) -> str:
    info = catalog.code(code)
    return info.family if info else code


def verdict_for(proposal: Proposal, recommended: list[ClaimLine], rec: Recommendation | None,
                checked: CheckResult | None, catalog: Catalog, described: bool = True, in_words: bool = True,
                removed: Sequence[str] = ()) -> tuple[Verdict, list[str], list[str]]:
    """(verdict, reasons, pending facts) by the invariants in the module docstring. `described`: the engine built
    a claim for the question; `in_words`: the question describes the procedure in words, not only by its codes."""
    if proposal.kind == "compare":
        return ("yes" if proposal.modifier == "holds" else "no"), ["procedure families compared"], []
    if proposal.kind == "count":
        return "no", [f"levels: {proposal.summary}"], []
    if proposal.kind == "one_service":
        return "no", [f"one service: {proposal.summary}"], []
    if proposal.kind == "needs_modifier":
        asked = {ln.code for ln in proposal.lines}
        target = [ln for ln in recommended if ln.code in asked or not asked]
        if not target:
            return "conditional", ["no line to put a modifier on"], []
        carried = [format_line(ln) for ln in target if ln.modifiers]
        plain = ", ".join(ln.code for ln in target)
        return ("yes", carried, []) if carried else ("no", [f"no modifier on {plain}"], [])
    stays = sorted(set(removed) & {ln.code for ln in recommended})
    if stays:  # "should I drop the 20552?" when the engine bills it
        return "no", [f"{', '.join(stays)} stays on the claim"], []
    if proposal.kind == "coverage":
        findings = rec.findings if rec else []
        kept = {ln.code for ln in recommended}
        hits = [f.rule for f in findings if (f.rule.startswith(COVERAGE_RULES) and f.severity != "info")
                or (f.severity == "error" and f.codes and not set(f.codes) & kept)]  # the service is not billable
        if hits:
            return "no", hits, []
        if not recommended:
            return "conditional", ["nothing to check"], []
        pending = sorted({f.pending for f in findings if f.pending})
        return ("conditional", [f"pending:{p}" for p in pending], pending) if pending else ("yes", [], [])
    if proposal.kind == "modifier" and not proposal.lines:
        return "conditional", ["no line to put the modifier on"], []
    assert checked is not None
    corrected = checked.claim
    proposed = _as_engine_bypass(proposal.lines, corrected)
    bare: set[str] = set()
    if proposal.kind == "em25":
        # "Can I bill 99213?" asks whether the E/M is billable; the 25 it needs is part of billing it
        bare = {ln.code for ln in proposed if is_em_code(ln.code) and not ln.modifiers}
        proposed = [ln for ln in proposed if ln.code not in bare]
        corrected = [ln for ln in corrected if ln.code not in bare]
        if bare and not any(ln.code in bare for ln in checked.claim):
            others = bag(proposed) - bag(corrected)  # a procedure line the engine changes is a No on its own
            if not others:
                return _no_em(checked, bare)
    codes = {ln.code for ln in proposed}
    findings = checked.findings
    info = modifiers().get(proposal.modifier or "") if proposal.kind == "modifier" else None
    if info is not None and info.stopped:  # "facility modifier 74?": whether sedation is covered is another matter
        findings = [f for f in findings if not f.rule.startswith(COVERAGE_RULES)]
    touching = [f for f in findings if set(f.codes) & codes]
    asked_kx = proposal.modifier == "KX" or (proposal.kind == "lines" and any("KX" in ln.modifiers
                                                                             for ln in proposal.lines))
    kept_kx = any("KX" in ln.modifiers for ln in recommended)  # KX applies to the lines (a diagnostic block)
    attested = KX_FACTS if asked_kx and kept_kx else frozenset()
    pending = sorted({f.pending for f in touching if f.pending and f.pending in CODING_FACTS | attested
                      and _bears_on(f.pending, proposed, catalog)})
    sides = any(m in SIDES for ln in proposed for m in ln.modifiers)
    lost = bag(proposed, sides) - bag(corrected, sides)
    decisive = [f for f in touching if f.severity in ("error", "warning")]
    kx_only = proposal.modifier not in (None, "KX") and not asked_kx and _kx_only(proposed, corrected, decisive, sides)
    if kx_only:  # "50 on the add-on too?" for a Medicare diagnostic block: yes, and the answer's lines carry KX
        lost, decisive = Counter(), []
        findings = [f for f in findings if f.rule != "LCD-KX"]
    if lost or decisive:
        blocking = [f for f in decisive if not (f.pending and f.pending in pending)]
        if not blocking and pending:
            return "conditional", [f"pending:{p}" for p in pending], pending
        reasons = [f.rule for f in blocking] or [f"{key[0]} as proposed is changed by the engine" for key in lost]
        return "no", reasons, []
    families = {_family(c, catalog) for c in codes}
    if proposal.kind == "em25" and not any(is_em_code(ln.code) for ln in recommended):
        # "an E/M w 25 with the RFA?" names no E/M code: the check above kept (or dropped) the placeholder's 25
        families -= {_family(ln.code, catalog) for ln in proposed if is_em_code(ln.code)}
    wanted = _strip([ln for ln in recommended if _family(ln.code, catalog) in families], pending)
    got = _as_engine_bypass(_strip([ln for ln in corrected if _family(ln.code, catalog) in families], pending),
                            wanted)
    if described and bag(got, sides) != bag(wanted, sides):
        return "no", ["the proposal differs from the engine's claim"], []
    unnamed = sorted({ln.code for ln in wanted} - codes)
    if not in_words and unnamed:  # "is 64636 billable?": only beside a line the question does not name
        return "conditional", [f"billable only with {', '.join(unnamed)}"], []
    if pending:
        return "conditional", [f"pending:{p}" for p in pending], pending
    flagged = [f for f in findings if f.severity in ("error", "warning") and not set(f.codes) <= bare]
    if flagged:
        return "no", [f.rule for f in flagged], []
    return "yes", ([KX_ADDED] if kx_only else []), []


def _kx_only(proposed: list[ClaimLine], corrected: list[ClaimLine], decisive: list[Finding], sides: bool) -> bool:
    """The engine's only change is KX on a diagnostic block, and the question asks about another modifier ('do I put
    the 50 on the add-on too?'): the answer to that is Yes, and the answer's lines and reason add the KX. A whole claim
    put up for checking ('64493-50, good?') without its KX stays a No."""
    def bare(lines: list[ClaimLine]) -> Counter[tuple[str, frozenset[str]]]:
        return bag([ln.with_modifiers(drop=("KX",)) for ln in lines], sides)
    added = any("KX" in ln.modifiers for ln in corrected) and not any("KX" in ln.modifiers for ln in proposed)
    return added and all(f.rule == "LCD-KX" for f in decisive) and not bare(proposed) - bare(corrected)


def _changes(reading: Reading, encounter: Encounter, recommended: list[ClaimLine],
             catalog: Catalog) -> Proposal | None:
    """'Actually her primary is BCBS, not Medicare. Does that change anything?': the claim the engine recommends
    with the replaced facts' earlier values, against today's (None when an earlier value is unknown, e.g. the payer
    was only assumed)."""
    before = reading.facts.get("changed_from")
    if not isinstance(before, dict) or not before or reading.question_type != "yes_no" or \
            any(v is None for v in before.values()) or not (encounter.procedures or encounter.em):
        return None
    facts = type(encounter.facts).model_validate({**encounter.facts.model_dump(), **before})
    earlier = encounter.model_copy(update={"facts": facts})
    then = list(recommend(earlier, catalog).claim)
    same = bag(then, sides=True) == bag(recommended, sides=True)
    return Proposal(kind="changes", modifier="same" if same else "changed",
                    summary=", ".join(f"{k.replace('_', ' ')} {v}" for k, v in before.items()))


def _no_em(checked: CheckResult, bare: set[str]) -> tuple[Verdict, list[str], list[str]]:
    """The engine removed the E/M the question asks about: No, or Conditional when it waits on a fact."""
    why = [f for f in checked.findings if set(f.codes) & bare and f.severity in ("error", "warning")]
    pending = sorted({f.pending for f in why if f.pending and f.pending in CODING_FACTS})
    if why and all(f.pending in CODING_FACTS for f in why if f.pending) and pending and \
            all(f.pending for f in why):
        return "conditional", [f"pending:{p}" for p in pending], pending
    return "no", [f.rule for f in why] or ["the E/M is not billable here"], []


def _says_not_covered(reading: Reading) -> bool:
    """'that's non-covered, right?', 'so it isn't billable?': the question puts forward that the service is not
    covered, so the coverage verdict answers that."""
    text = " ".join(s.text.lower() for s in reading.spans if s.kind != "fact")
    return any(phrase in text for phrase in W.NOT_COVERED)


def _placement_asked(reading: Reading) -> bool:
    """'the 25 goes on the E/M line', 'does 25 belong on the visit': the question is where a modifier is written."""
    words = [s.text.lower() for s in reading.spans if s.kind != "fact"]
    return any(a in W.GOES_WORDS - {"is", "was"} and b in ("on", "onto", "to", "with") for a, b in pairwise(words))


def _neither(reading: Reading, recommended: list[ClaimLine]) -> bool:
    """A choice between discontinued modifiers ('52 or 53?', '73 or 74?') when the claim carries none of them (the
    procedure was not billable at all): the answer to the choice is no. A choice one option of which is right, or
    between codes ('20552 x2 or 20552 + 20553?'), gets no verdict."""
    options = choice_options(reading.spans)
    reduced = in_group("reduced")  # 52, 53, 73, 74: the modifiers of a procedure cut short
    if not options or any(s.kind != "mod" or s.value not in reduced for s in options):
        return False
    return not any(s.value in ln.modifiers for s in options for ln in recommended)


def _not_done(reading: Reading, catalog: Catalog) -> set[str]:
    """Families the question names only as not done, planned or ordered (not as done on any date): no claim for them
    yet."""
    done = {f.family for f in reading.frames if f.status in ("done", "historical")}
    undone = {f.family for f in reading.frames if f.family and f.status in ("negated", "planned", "mentioned")} - done
    if said_nothing_done(reading.spans):  # "RFA last March ... nothing done today. Bill 64635-50?"
        undone |= _only_earlier(reading)
    if any(f.family and f.status == "negated" for f in reading.frames) and not done:
        undone |= {i.family for ln in reading.lines if not is_em_code(ln.code) and (i := catalog.code(ln.code))}
        # "coder put 64483. ok? Update: the patient left before the procedure": nothing done, none of its codes
    return undone


def _asks_all(reading: Reading) -> bool:
    """'bill both?', 'all of them?': the question asks about every procedure it names."""
    return any(s.text.lower() in ("both", "all", "all of them", "both of them") and s.kind != "side"
               for s in reading.spans)


def _only_earlier(reading: Reading) -> set[str]:
    """Families the question names only as done on an earlier date: their codes describe the history."""
    today = {f.family for f in reading.frames if f.status == "done"}
    return {f.family for f in reading.frames if f.family and f.status == "historical"} - today


def _not_done_labels(reading: Reading) -> list[str]:
    """What the question names as not done or only planned, by label (a bare act: 'the procedure')."""
    return sorted({f.label or "the procedure" for f in reading.frames if f.status in ("negated", "planned")})


def lookup_verdict(reading: Reading, facts: list[LookupFact]) -> Verdict | None:
    """A yes/no look-up answered by the tables: 'Is there an NCCI edit between X and Y?' (an edit exists), 'Is X an
    add-on?' (it is). Other yes/no look-ups get no verdict (the guidance answers them in words)."""
    if reading.question_type != "yes_no" or reading.lookup is None or not facts:
        return None
    fields = set(reading.lookup.fields)
    if fields == {"ptp"}:
        edits = [f for f in facts if f.field == "ptp_mi"]
        if any(f.value != "none" for f in edits):
            return "yes"
        # "no edit" is only a fact when the full CMS table was searched; the curated pairs are a sample
        return "no" if edits and all(f.source == "CMS PTP" for f in edits) else None
    if fields == {"addon"} or fields == {"imaging"}:
        key = "addon" if fields == {"addon"} else "imaging_included"
        values = {f.value for f in facts if f.field == key}
        return "yes" if values == {"true"} else "no" if values == {"false"} else None
    relief = reading.facts.get("prior_relief_percent")
    if fields == {"relief"} and isinstance(relief, int):  # "the diagnostic SIJ block gave 80%: enough to be positive?"
        needed = {int(str(f.value).rstrip("%")) for f in facts if f.field == "relief"}
        return ("yes" if relief >= needed.pop() else "no") if len(needed) == 1 else None
    asks_50 = "50" in reading.lookup.modifiers or any(s.kind == "lookup" and "50" in s.text.split()
                                                       for s in reading.spans)
    if "bilateral" in fields and asks_50:  # "Can 62323 ever take modifier 50?": the bilateral indicator says
        values = {str(f.value) for f in facts if f.field == "bilateral"}
        return "yes" if values and values <= {"1", "3"} else "no" if values and not values & {"1", "3"} else None
    return None


def unsupported_verdict(reading: Reading, catalog: Catalog) -> Verdict | None:
    """'Epidural blood patch: ok to use 64483?': a procedure outside the catalog asked about under a code of the
    catalog is a No (that code describes another procedure); otherwise no verdict."""
    proposed = [ln for ln in reading.lines if (info := catalog.code(ln.code)) is not None
                and catalog.family(info.family).procedure]
    return "no" if reading.question_type == "yes_no" and proposed else None


def _other_claims_modifier(proposal: Proposal, reading: Reading) -> str | None:
    """'Can the doctor put 73 on his professional claim?', '53 on the ASC's claim?': a modifier that belongs only to
    the other claim type (modifiers.yaml `claim`) asked about for a claim the question names."""
    info = modifiers().get(proposal.modifier or "") if proposal.kind == "modifier" else None
    setting = reading.facts.get("setting")
    if info is None or info.claim is None or setting is None:
        return None
    claim = "facility" if setting in ("asc", "facility") else "physician"
    if info.claim == claim:
        return None
    return f"Modifier {info.mod} goes only on the {info.claim} claim, not the {claim}'s: {info.means[:1].lower()}" \
        f"{info.means[1:]}."


def decide(reading: Reading, encounter: Encounter, catalog: Catalog) -> Decision:
    """Recommend (services described), check (lines proposed, on today's claim), then the verdict."""
    rec = recommend(encounter, catalog) if encounter.procedures or (encounter.em and encounter.em.code) else None
    recommended = list(rec.claim) if rec else []
    checked = None
    not_done = _not_done(reading, catalog)
    written = [ln for ln in reading.lines if _family(ln.code, catalog) not in not_done]
    if rec is None and written:
        checked = check(written, encounter.facts, catalog)
        recommended = list(checked.claim)
    proposal = build_proposal(reading, recommended, catalog)
    changed = _changes(reading, encounter, recommended, catalog)
    if changed is not None:
        proposal = changed
    verdict: Verdict | None = None
    reasons: list[str] = []
    pending: list[str] = []
    if proposal is not None and proposal.kind == "coverage" and not proposal.lines and reading.kind == "clarify":
        proposal = None  # nothing read well enough to judge: the questions back carry the answer
    if proposal is not None and reading.kind in ("claim", "clarify"):
        if proposal.lines and proposal.kind != "coverage":
            checked = check(in_context(proposal, recommended, catalog), encounter.facts, catalog)
        undone = sorted({_family(ln.code, catalog) for ln in proposal.lines} & not_done)
        if not reading.confident:  # words not placed, conflicts, questions back: no Yes or No (invariant 3)
            verdict, reasons = "conditional", ["not fully read"]
        elif other_claim := _other_claims_modifier(proposal, reading):  # "73 on the professional claim?"
            verdict, reasons = "no", [other_claim]
        elif ahead := reading.facts.get("billed_ahead"):  # "SI injections next month: put them on today's claim?"
            verdict, reasons = "no", [f"not done yet: {label}" for label in ahead]
        elif undone:  # "left before it was done ... bill 20610-53?": the question says it was not done today
            verdict, reasons = "no", [f"not done: {catalog.family(f).label}" for f in undone]
        elif proposal.kind == "changes":  # the claim before the follow-up's fact against the claim after it
            verdict, reasons = ("yes", ["the claim changes"]) if proposal.modifier == "changed" else (
                "no", ["the claim is the same"])
        elif proposal.kind == "nothing":  # right exactly when the engine bills nothing for what was described
            verdict = "no" if recommended else "yes"
            reasons = ["the described services are billed" if recommended else "nothing billable was done"]
        elif proposal.kind == "coverage" and (not_today := _not_done_labels(reading)) and (
                _asks_all(reading) or (not proposal.lines and not reading.done_frames())):
            # "RFA cancelled: can I bill?"; "GNB done today, RFA planned in 2 wks. bill both now?"
            verdict, reasons = "no", [f"not done: {label}" for label in not_today]
        elif reading.kind == "clarify":
            verdict, reasons = "conditional", ["not fully read"]
        else:
            verdict, reasons, pending = verdict_for(
                proposal, recommended, rec, checked, catalog, described=bool(rec is not None or recommended),
                in_words=any(described_in_words(f, catalog) for f in reading.done_frames())
                or bool(reading.set_aside),  # "the add-on 64494 goes out without modifier 51?": beside its primary
                removed=reading.facts.get("removed_codes", ()))
    if verdict in ("yes", "no") and proposal is not None and proposal.kind == "coverage" and _says_not_covered(reading):
        verdict = "no" if verdict == "yes" else "yes"  # "landmark SI injection on a medicare pt - that's non-covered,
        reasons = [*reasons, NOT_COVERED_ASKED]  # right?": the question puts forward that it is not covered
    if verdict == "conditional" and pending == ["separate_problem"] and proposal is not None and \
            _placement_asked(reading) and any("25" in ln.modifiers and is_em_code(ln.code) for ln in proposal.lines):
        verdict, reasons, pending = "yes", [PLACED_25], []  # "the 25 goes on the E/M line and
        # not on the 20610, correct?": where it goes, whatever the visit supports
    if verdict is None and reading.question_type == "wh" and reading.kind == "claim" and reading.confident and \
            _neither(reading, recommended):
        verdict, reasons = "no", [NEITHER]  # "can the hospital bill it with 73 or 74?" (nothing)
    findings = list(rec.findings if rec else [])
    if checked is not None:
        seen = {(f.rule, f.message) for f in findings}
        findings += [f for f in checked.findings if (f.rule, f.message) not in seen]
    if verdict == "yes" and proposal is not None and proposal.kind == "modifier" and \
            bag(_as_engine_bypass(proposal.lines, recommended), True) == bag(recommended, True):
        recommended = list(proposal.lines)  # "would XS work instead of 59?": yes, and the claim shows it with XS
    claim = recommended if reading.kind == "claim" and not reading.general else []
    return Decision(rec, checked, claim, findings, verdict, reasons, pending, proposal)


__all__ = ["COVERAGE_RULES", "NEITHER", "NOT_COVERED_ASKED", "PLACED_25", "Decision", "bag", "build_proposal",
           "decide", "in_context", "lookup_verdict", "verdict_for"]
