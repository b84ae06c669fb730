"""The verdict invariants of issue #12 item 5, checked on every dev eval case and on 1,000 generated encounters.

A verdict (advisor/answer/verdict.py `Decision.verdict`) must obey, whatever the reader made of the question:

I1  Yes only when the proposal, checked by the engine on today's claim (`in_context`: the proposed lines beside the
    recommended lines of the families it does not restate), draws no error or warning finding, and every code it
    proposes is on the engine's recommended claim with the same modifiers and units (RT/LT compared when the
    proposal states a side). A proposal may name part of a family's lines ("do I bill 64484-RT x1?" after two
    right-sided TFESI levels): it asks about those lines, read beside the rest of the recommended claim, which the
    answer shows. A coverage question ("is it covered?", "do I need a modifier?") proposes the services described:
    Yes only when their recommended claim, checked again, draws no error or warning (a PTP edit the recommendation
    already bypassed with XS is not one). A discontinued-procedure modifier asked about ("facility modifier 74?") is
    judged on how the case ended: a coverage finding (an LCD rule) on the line does not make it a No. A question
    about another modifier ("50 on the add-on too?") whose lines leave off only the KX of a Medicare diagnostic block
    is judged with KX set aside: the answer's lines carry the KX and its reason says so.
I2  A finding that removes or replaces a proposed line (the proposed line is not on the checked claim) means No;
    Conditional only when every error or warning on that line waits on a fact the question does not give
    (`pending`), or the reading is not fully understood.
I3  A verdict is given only to a yes/no question that proposes something (a Proposal exists); a reading that is not
    fully understood (unplaced words, conflicts, questions) never gets Yes or No.

One interpretation is taken from verdict.py, and reported: a bare E/M code in an E/M proposal ("can I bill
99213?") asks whether the visit is billable, so the 25 the engine adds to it does not count as replacing the line;
the E/M removed outright does. Look-up verdicts ("is there an NCCI edit between X and Y?") answer a table fact and are
outside these invariants, and so is the No to a catalog code proposed for a procedure outside the catalog ("blood
patch: ok to use 64483?"); comparison questions ("is X coded differently from Y?") and a follow-up asking
whether a replaced fact changes the claim ("it's BCBS, not Medicare. does that change anything?") propose no lines
and are held to I3 only, and so is the No to a modifier of the other claim type (modifiers.yaml `claim`: "73 on the professional
claim?"), which needs no line; a No to billing apart the parts of one service ("can the aspiration and the
injection be billed separately?" when the engine bills one line of one unit) says no more than the claim does. A
question that says nothing is billed ("no-show, nothing goes out, correct?")
proposes the empty claim: Yes exactly when the engine bills nothing for what the question describes. A choice between
discontinued-procedure modifiers ("73 or 74?") gets No when the claim carries neither (nothing was billable), though
it is not a yes/no question; "the 25 goes on the E/M line, not the 20610, right?" asks where 25 is written: Yes when
the proposal puts 25 on the E/M line and on no procedure line, whether or not the visit is billable (the answer says
so). A proposed X modifier where the engine put a plain 59 is that 59, narrowed.

The checker recomputes the recommendation and the check with the engine itself, so it does not trust the Decision's
own reasons. Only eval/dev is read here (never eval/test).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from advisor.answer.model import AskRequest
from advisor.answer.pipeline import AnswerPipeline, MemoryStore
from advisor.answer.verdict import COVERAGE_RULES, NEITHER, PLACED_25, Decision, decide, in_context
from advisor.claims import ClaimLine, format_line, is_em_code
from advisor.evaluation.cases import EVAL_DIR, AskCase, load_ask_cases
from advisor.modifiers import in_group, modifiers
from advisor.reader.encounter import to_encounter
from advisor.reader.model import Reading
from advisor.reader.questions import choice_options
from advisor.rules.catalog import Catalog, curated_catalog
from advisor.rules.engine import check
from advisor.rules.model import EMVisit, Encounter, Facts, Procedure
from advisor.rules.recommend import recommend
from advisor.settings import Settings

CATALOG = curated_catalog()
SIDES = frozenset({"RT", "LT"})
X_ONLY = ("XE", "XS", "XP", "XU")
BLOCKING = ("error", "warning")


# --------------------------------------------------------------------------- the invariants


def _bag(lines: list[ClaimLine], sides: bool) -> Counter[tuple[str, frozenset[str]]]:
    out: Counter[tuple[str, frozenset[str]]] = Counter()
    for ln in lines:
        out[(ln.code, frozenset(m for m in ln.modifiers if sides or m not in SIDES))] += ln.units
    return out


def _generic_59(proposed: list[ClaimLine], engine: list[ClaimLine]) -> list[ClaimLine]:
    """A proposed 59 stands for the X modifier the engine put on that code, and a proposed X modifier for the plain
    59 the engine put there (NCCI Policy Manual Ch. I: 59 or an X{EPSU} modifier bypasses an edit); XU proposed
    where the engine has XS stays a difference."""
    xs = {e.code: m for e in engine for m in e.modifiers if m in X_ONLY}
    plain = {e.code for e in engine if "59" in e.modifiers}
    out = []
    for ln in proposed:
        own = tuple(m for m in ln.modifiers if m in X_ONLY)
        if "59" in ln.modifiers and ln.code in xs:
            ln = ln.with_modifiers(xs[ln.code], drop=("59",))
        elif own and ln.code in plain and ln.code not in xs:
            ln = ln.with_modifiers("59", drop=own)
        out.append(ln)
    return out


def _family(code: str, catalog: Catalog) -> str:
    info = catalog.code(code)
    return info.family if info else code


def _show(lines: list[ClaimLine]) -> str:
    return ", ".join(format_line(ln) for ln in lines) or "(none)"


def violations(reading: Reading, encounter: Encounter, decision: Decision, catalog: Catalog) -> list[str]:
    """The invariants a decision breaks (empty: it keeps them all)."""
    verdict, proposal = decision.verdict, decision.proposal
    if verdict is None:
        return []
    if NEITHER in decision.reasons:  # "can the hospital bill it with 73 or 74?" when nothing is billable
        offered = choice_options(reading.spans)
        billed = recommend(encounter, catalog).claim if (encounter.procedures or encounter.em) else []
        reduced = in_group("reduced")
        ok = verdict == "no" and offered and all(s.kind == "mod" and s.value in reduced for s in offered) and \
            not any(s.value in ln.modifiers for s in offered for ln in billed)
        return [] if ok else [f"I3: {verdict} to a choice of {[s.text for s in offered]} with [{_show(list(billed))}]"]
    if PLACED_25 in decision.reasons:  # "the 25 goes on the E/M line, not the 20610, right?": where 25 is written
        placed = proposal is not None and any("25" in ln.modifiers and is_em_code(ln.code) for ln in proposal.lines)
        elsewhere = proposal is not None and any("25" in ln.modifiers and not is_em_code(ln.code)
                                                 for ln in proposal.lines)
        return [] if verdict == "yes" and placed and not elsewhere else [f"I1: {verdict} to where 25 goes"]
    out: list[str] = []
    if reading.question_type != "yes_no":
        out.append(f"I3: verdict {verdict} on a {reading.question_type} question")
    if proposal is None:
        return [*out, f"I3: verdict {verdict} with nothing proposed"]
    if not reading.confident and verdict != "conditional":
        out.append(f"I3: verdict {verdict} on a reading not fully understood "
                   f"(unplaced {[s.text for s in reading.unplaced]}, conflicts {reading.conflicts}, "
                   f"questions {reading.questions})")
    if proposal.kind in ("compare", "changes"):  # held to I3 only (see the module docstring)
        return out
    described = bool(encounter.procedures or (encounter.em and encounter.em.code))
    if proposal.kind == "needs_modifier":  # "do I need a modifier on it?": yes exactly when the engine puts one on
        billed = recommend(encounter, catalog).claim if described else []
        asked = {ln.code for ln in proposal.lines}
        carries = any(ln.modifiers for ln in billed if ln.code in asked or not asked)
        if verdict != "conditional" and (verdict == "yes") != carries:
            out.append(f"I1: {verdict} to 'does it need a modifier' while the engine bills [{_show(list(billed))}]")
        return out
    if proposal.kind == "nothing":  # "nothing goes on the claim, correct?"
        billed = recommend(encounter, catalog).claim if (encounter.procedures or encounter.em) else []
        if (verdict == "yes") == bool(billed):
            out.append(f"I1: {verdict} to 'nothing is billed' while the engine bills [{_show(list(billed))}]")
        return out
    rec = recommend(encounter, catalog) if described else None
    if proposal.kind == "coverage":
        final = check(list(rec.claim), encounter.facts, catalog).findings if rec else []
        blocking = [f"{f.rule}({f.severity})" for f in final if f.severity in BLOCKING]
        if verdict == "yes" and (rec is None or not rec.claim or blocking):
            out.append(f"I1: Yes to a coverage question whose recommendation [{_show(rec.claim if rec else [])}] "
                       f"draws {blocking or 'nothing to check'}")
        return out
    if not proposal.lines:
        if verdict != "conditional" and not (verdict == "no" and _other_claims(proposal.modifier, reading)):
            out.append(f"I3: verdict {verdict} on a {proposal.kind} proposal with no line")
        return out
    recommended = list(rec.claim) if rec else list(check(list(reading.lines), encounter.facts, catalog).claim)
    checked = check(in_context(proposal, recommended, catalog), encounter.facts, catalog)
    sides = any(m in SIDES for ln in proposal.lines for m in ln.modifiers)
    bare = {ln.code for ln in proposal.lines if proposal.kind == "em25" and is_em_code(ln.code) and not ln.modifiers}
    kx_off = verdict == "yes" and proposal.modifier not in (None, "KX") and \
        not any("KX" in ln.modifiers for ln in proposal.lines)

    def seen(lines: list[ClaimLine]) -> list[ClaimLine]:  # KX left off and not asked about is set aside
        return [ln.with_modifiers(drop=("KX",)) for ln in lines] if kx_off else lines

    proposed = seen(_generic_59([ln for ln in proposal.lines if ln.code not in bare], checked.claim))
    corrected = seen([ln for ln in checked.claim if ln.code not in bare])
    lost = list((_bag(proposed, sides) - _bag(corrected, sides)).elements())
    lost_codes = {code for code, _ in lost} | {c for c in bare if not any(ln.code == c for ln in checked.claim)}
    if lost_codes:
        deciding = [f for f in checked.findings if set(f.codes) & lost_codes and f.severity in BLOCKING]
        waiting = bool(deciding) and all(f.pending for f in deciding)
        if verdict == "yes":
            out.append(f"I2: Yes although the engine removes or replaces {sorted(lost_codes)}: "
                       f"[{_show(proposal.lines)}] -> [{_show(checked.claim)}]")
        elif verdict == "conditional" and not waiting and reading.confident:
            out.append(f"I2: Conditional (not No) although {sorted(lost_codes)} is removed or replaced and no "
                       f"finding on it waits on a fact: [{_show(proposal.lines)}] -> [{_show(checked.claim)}]")
    if verdict == "yes":
        info = modifiers().get(proposal.modifier or "") if proposal.kind == "modifier" else None
        flagged = [f"{f.rule}({f.severity}): {f.message[:90]}" for f in checked.findings
                   if f.severity in BLOCKING and not set(f.codes) <= bare and not (kx_off and f.rule == "LCD-KX")
                   and not (info is not None and info.stopped and f.rule.startswith(COVERAGE_RULES))]
        if flagged:
            out.append(f"I1: Yes although the checked proposal [{_show(checked.claim)}] draws {flagged}")
        if rec is not None:
            unnamed_em = proposal.kind == "em25" and not any(is_em_code(ln.code) for ln in recommended)
            # "an E/M w 25?" gives no code, so the engine recommends none; its 25 was checked above
            mine = _generic_59([ln for ln in proposed if not (unnamed_em and is_em_code(ln.code))], recommended)
            codes = {ln.code for ln in mine}
            wanted = seen([ln for ln in recommended if ln.code in codes and ln.code not in bare])
            if _bag(mine, sides) != _bag(wanted, sides):
                out.append(f"I1: Yes although the proposal [{_show(mine)}] differs from the recommended claim "
                           f"[{_show(wanted)}]")
    return out


# --------------------------------------------------------------------------- asserting them

def _other_claims(modifier: str | None, reading: Reading) -> bool:
    """A modifier of the other claim type (modifiers.yaml `claim`) asked about for the claim the question names."""
    info = modifiers().get(modifier or "")
    setting = reading.facts.get("setting")
    if info is None or info.claim is None or setting is None:
        return False
    return info.claim != ("facility" if setting in ("asc", "facility") else "physician")


def expect_invariants(reading: Reading, encounter: Encounter, decision: Decision, what: str) -> None:
    """Fail on any violation."""
    broken = violations(reading, encounter, decision, CATALOG)
    assert not broken, f"{what} -> {decision.verdict} ({decision.reasons}):\n" + "\n".join(broken)


# --------------------------------------------------------------------------- the checker can fail


def test_the_checker_catches_each_kind_of_violation() -> None:
    """Planted decisions that break each invariant are caught (so a pass below means something)."""
    from advisor.reader.model import Proposal

    reading = Reading(kind="claim", question_type="yes_no", lines=[ClaimLine(code="64493", modifiers=("RT",)),
                                                                   ClaimLine(code="64493", modifiers=("LT",))])
    enc = Encounter(procedures=[Procedure(family="facet_injection", region="lumbar", levels=1,
                                          laterality="bilateral")])
    wrong = Proposal(kind="lines", lines=list(reading.lines))
    yes = Decision(None, None, [], [], "yes", proposal=wrong)
    found = " ".join(violations(reading, enc, yes, CATALOG))
    assert "I2: Yes although" in found and "I1: Yes although the checked proposal" in found
    cond = Decision(None, None, [], [], "conditional", proposal=wrong)
    assert any(v.startswith("I2: Conditional") for v in violations(reading, enc, cond, CATALOG))
    statement = reading.model_copy(update={"question_type": "statement"})
    assert any(v.startswith("I3") for v in violations(statement, enc, Decision(None, None, [], [], "no"), CATALOG))
    unread = reading.model_copy(update={"conflicts": ["two sides"]})
    no = Decision(None, None, [], [], "no", proposal=wrong)
    assert any("not fully understood" in v for v in violations(unread, enc, no, CATALOG))
    right = Proposal(kind="lines", lines=[ClaimLine(code="64493", modifiers=("50",))])
    assert violations(reading, enc, Decision(None, None, [], [], "yes", proposal=right), CATALOG) == []
    fewer = Proposal(kind="lines", lines=[ClaimLine(code="64493", modifiers=("50",), units=1),
                                          ClaimLine(code="64494", modifiers=("50",))])
    assert any("differs from the recommended" in v or "removes or replaces" in v or "draws" in v
               for v in violations(reading, enc, Decision(None, None, [], [], "yes", proposal=fewer), CATALOG))
    needs = Proposal(kind="needs_modifier", lines=[ClaimLine(code="64493")])  # the engine bills 64493-50
    assert any("needs a modifier" in v or "need a modifier" in v
               for v in violations(reading, enc, Decision(None, None, [], [], "no", proposal=needs), CATALOG))
    assert violations(reading, enc, Decision(None, None, [], [], "yes", proposal=needs), CATALOG) == []


# --------------------------------------------------------------------------- the dev eval cases


@cache
def pipeline() -> AnswerPipeline:
    settings = Settings(embedder="fake", engine="offline")
    return AnswerPipeline(settings, CATALOG, searcher=None, store=MemoryStore())


def ask(case: AskCase) -> Any:
    """The case as the evaluation asks it: its history first, in one conversation, with its payer."""
    conversation = None
    for question in case.history:
        conversation = pipeline().ask(AskRequest(question=question, conversation_id=conversation,
                                                 payer=case.payer)).conversation_id
    return pipeline().ask(AskRequest(question=case.question, conversation_id=conversation, payer=case.payer))


def decision_of(answer: Any, catalog: Catalog) -> tuple[Reading, Encounter, Decision] | None:
    """The decision behind an answer, recomputed from the understanding the answer carries; None for look-ups,
    unsupported and out-of-scope questions (their verdict comes from the tables or is None)."""
    u = answer.understanding
    if u is None or u.reading.kind not in ("claim", "clarify"):
        return None
    decision = decide(u.reading, u.encounter, catalog)
    assert decision.verdict == answer.verdict, "decide() is not deterministic on the answer's own understanding"
    return u.reading, u.encounter, decision


DEV_CASES = load_ask_cases(EVAL_DIR / "dev")


def test_the_dev_split_is_the_one_read() -> None:
    assert len(DEV_CASES) > 100 and all(c.id for c in DEV_CASES)


@pytest.mark.parametrize("case", DEV_CASES, ids=[c.id for c in DEV_CASES])
def test_dev_case_verdict_keeps_the_invariants(case: AskCase) -> None:
    answer = ask(case)
    found = decision_of(answer, CATALOG)
    if found is None:
        # look-ups answer a table fact; an unsupported procedure asked about under a catalog code is a No
        assert answer.verdict is None or answer.kind == "lookup" or (
            answer.kind == "unsupported" and answer.verdict == "no"
            and answer.understanding.reading.lines), (answer.kind, answer.verdict)
        return
    reading, encounter, decision = found
    expect_invariants(reading, encounter, decision, repr(case.question))


# --------------------------------------------------------------------------- 1,000 generated encounters


@dataclass(frozen=True)
class Generated:
    """One generated encounter: the question a coder might write, and how it was made (for the report)."""

    seed: int
    question: str
    payer: str | None
    mutation: str


MUTATIONS = ("as recommended", "units", "sides as RT and LT", "one side only", "add guidance", "25 on a procedure",
             "59 on a line", "drop the primary", "drop 25 from the E/M", "extra unit on the E/M", "KX added")
CLAIM_WORDS = {"asc": "this is the ASC facility claim", "facility": "hospital outpatient facility claim"}
REGION_LEVELS = {  # code region -> (region word, joint names, single levels)
    "lumbar_sacral": ("lumbar", ["L3-4", "L4-5", "L5-S1"], ["L3", "L4", "L5", "S1"]),
    "cervical_thoracic": ("cervical", ["C4-5", "C5-6", "C6-7"], ["C5", "C6", "C7"]),
    "": ("thoracic", ["T4-5", "T5-6", "T6-7"], ["T4", "T5", "T6", "T7"]),
}


def _procedure_text(rng: random.Random, catalog: Catalog) -> tuple[str, Procedure]:
    """A described procedure of a random catalog family, in words from the catalog's own registry."""
    families = [f for f in catalog.registry.families.values() if f.procedure and f.targets]
    fam = rng.choice(families)
    side = rng.choice([None, "bilateral", "left", "right"]) if fam.sides == "bilateral" else None
    imaging = rng.choice([None, "fluoroscopy", "ultrasound", "none"])
    diagnostic = rng.choice([None, True, False]) if fam.purpose else None
    name = next((w for w in fam.words if " " in w), fam.label)
    words: list[str] = []
    proc: dict[str, Any] = {"family": fam.id, "laterality": side, "imaging": imaging, "diagnostic": diagnostic}
    if fam.counts == "levels":
        chains = catalog.chains.get(fam.id, {})
        code_region = rng.choice(sorted(chains))
        region_word, joints, singles = REGION_LEVELS.get(code_region, REGION_LEVELS[""])
        levels = rng.randint(1, 3)
        named = joints[:levels] if fam.level_unit == "joint" else singles[:levels]
        proc |= {"region": region_word, "levels": levels}
        words = [name, "at", " and ".join(named)]
    elif fam.counts == "joints":
        joint = rng.choice(sorted(catalog.registry.joints().values(), key=lambda a: a.id))
        proc |= {"joint": joint.words[0], "joint_size": joint.size}
        words = [joint.words[0], "injection"]
    elif fam.counts == "muscles":
        muscles = rng.randint(1, 5)
        proc |= {"muscles": muscles, "laterality": None}
        words = [name, f"in {muscles} muscle{'s' if muscles > 1 else ''}"]
    elif fam.select == "target":
        targets = [c.target for c in catalog.family_codes(fam.id) if c.target]
        target = rng.choice(sorted(set(targets)))
        proc |= {"target": target}
        words = [max(catalog.registry.anatomy[target].words, key=len), "block"]
    else:
        if fam.select == "region":
            region = rng.choice(["lumbar", "cervical"])
            proc |= {"region": region}
            words = [region, name]
        else:
            words = [name]
    side_word = {"bilateral": "bilateral", "left": "left", "right": "right"}.get(side or "", "")
    purpose = {True: "diagnostic", False: "therapeutic"}.get(diagnostic, "") if diagnostic is not None else ""
    guide = {"fluoroscopy": "under fluoro", "ultrasound": "under ultrasound", "none": "without imaging"}.get(
        imaging or "", "")
    text = " ".join(w for w in (side_word, purpose, *words, guide) if w)
    return text, Procedure(**proc)


def _mutate(rng: random.Random, lines: list[ClaimLine], catalog: Catalog) -> tuple[str, list[ClaimLine]]:
    """The recommended claim, or a plausible coder's mistake on it."""
    mutation = rng.choice(MUTATIONS)
    out = list(lines)
    procs = [i for i, ln in enumerate(out) if not is_em_code(ln.code)]
    ems = [i for i, ln in enumerate(out) if is_em_code(ln.code)]
    if mutation == "units" and procs:
        i = rng.choice(procs)
        out[i] = out[i].model_copy(update={"units": out[i].units + rng.randint(1, 2)})
    elif mutation == "sides as RT and LT" and any("50" in out[i].modifiers for i in procs):
        i = next(i for i in procs if "50" in out[i].modifiers)
        base = out[i].with_modifiers(drop=("50",))
        out[i:i + 1] = [base.with_modifiers("RT"), base.with_modifiers("LT")]
    elif mutation == "one side only" and any("50" in out[i].modifiers for i in procs):
        i = next(i for i in procs if "50" in out[i].modifiers)
        out[i] = out[i].with_modifiers("RT", drop=("50",))
    elif mutation == "add guidance":
        out.append(ClaimLine(code=rng.choice(["77002", "77003", "77012", "76942"])))
    elif mutation == "25 on a procedure" and procs:
        i = rng.choice(procs)
        out[i] = out[i].with_modifiers("25")
    elif mutation == "59 on a line" and out:
        i = rng.randrange(len(out))
        out[i] = out[i].with_modifiers("59")
    elif mutation == "drop the primary" and procs:
        firsts = [i for i in procs if (info := catalog.code(out[i].code)) is not None and not info.addon]
        if firsts and len(procs) > 1:
            del out[firsts[0]]
    elif mutation == "drop 25 from the E/M" and ems:
        out[ems[0]] = out[ems[0]].with_modifiers(drop=("25",))
    elif mutation == "extra unit on the E/M" and ems:
        out[ems[0]] = out[ems[0]].model_copy(update={"units": 2})
    elif mutation == "KX added" and procs:
        i = rng.choice(procs)
        out[i] = out[i].with_modifiers("KX")
    else:
        mutation = "as recommended"
    return mutation, out


def generate(seed: int, catalog: Catalog = CATALOG) -> Generated:
    """A seeded encounter (families, levels, sides, imaging, purpose, payer, claim type, E/M) and a question that
    proposes its recommended claim or a mutation of it."""
    rng = random.Random(seed)
    procs = [_procedure_text(rng, catalog) for _ in range(rng.choice([1, 1, 1, 2]))]
    payer = rng.choice([None, "medicare", "commercial"])
    setting = rng.choice([None, None, "asc", "facility"])
    em = rng.choice([None, None, "separate", "same", "unstated"])
    facts = Facts(payer=payer or "medicare", setting=setting or "office",
                  separate_problem={"separate": True, "same": False}.get(em or ""))
    encounter = Encounter(procedures=[p for _, p in procs], facts=facts,
                          em=EMVisit(code="99213", separate_problem=facts.separate_problem) if em else None)
    try:
        claim = recommend(encounter, catalog).claim
    except Exception:  # noqa: BLE001 - a description the recommender refuses is still a question to answer
        claim = []
    if em and not any(is_em_code(ln.code) for ln in claim):
        claim = [ClaimLine(code="99213", modifiers=("25",)), *claim]
    mutation, proposed = _mutate(rng, claim, catalog)
    described = " and ".join(t for t, _ in procs)
    parts = [described[:1].upper() + described[1:]]
    if payer:
        parts.append(f"{payer.capitalize()} patient")
    if setting:
        parts.append(CLAIM_WORDS[setting])
    if em == "separate":
        parts.append("the visit also addressed a separate problem")
    elif em == "same":
        parts.append("the office visit was only for the procedure, no separate problem")
    elif em == "unstated":
        parts.append("the patient was also seen for an office visit")
    ask_words = rng.choice(["Can I bill {}?", "Is {} correct?", "Should I bill {}?", "Do I bill {}?"])
    question = ". ".join(parts) + ". " + ask_words.format(", ".join(format_line(ln) for ln in proposed) or "it")
    return Generated(seed, question, payer, mutation)


def judge(item: Generated, catalog: Catalog = CATALOG) -> tuple[Reading, Encounter, Decision] | None:
    """What the reader and decide() make of a generated question (None: a look-up or out-of-scope reading)."""
    from advisor.reader.reader import read

    reading = read(item.question, catalog)
    if reading.kind not in ("claim", "clarify"):
        return None
    encounter = to_encounter(reading, catalog, item.payer, "medicare")
    return reading, encounter, decide(reading, encounter, catalog)


GENERATED = 1000


def test_the_generator_covers_the_catalog() -> None:
    """The 1,000 encounters reach every procedure family, both payers, each claim type, every mutation, and most
    questions get a verdict (so the invariants are exercised, not skipped)."""
    items = [generate(seed) for seed in range(GENERATED)]
    assert len({i.question for i in items}) > 950
    assert {i.mutation for i in items} == set(MUTATIONS)
    text = " ".join(i.question.lower() for i in items)
    for fam in CATALOG.registry.families.values():
        if fam.procedure and fam.targets:
            assert any(w.lower() in text for w in (*fam.words, fam.label)) or fam.select == "target", fam.id
    verdicts = Counter(j[2].verdict if (j := judge(i)) else None for i in items)
    assert min(verdicts["yes"], verdicts["no"], verdicts["conditional"]) > 50, verdicts


@pytest.mark.parametrize("seed", range(GENERATED), ids=[f"seed{n}" for n in range(GENERATED)])
def test_generated_encounter_verdict_keeps_the_invariants(seed: int) -> None:
    item = generate(seed)
    judged = judge(item)
    if judged is not None:
        expect_invariants(*judged, f"[{item.mutation}] {item.question!r}")
