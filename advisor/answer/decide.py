"""From understanding to the rules engine's decision: Encounter, Proposal, recommend/check, verdict.

The verdict is never written by hand or by an LLM: it is the comparison of what the question proposes with what
the rules engine recommends and flags. A proposal is what the coder would put on the claim (lines, a modifier,
units, an E/M with 25, or "is this covered"); the verdict says whether the engine accepts it for the services
described, "conditional" when the deciding fact (e.g. a separate problem for 25) was not given.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from advisor.answer.lexicon import Lexicon, load_lexicon
from advisor.answer.model import Mentions, ProcedureMention, Proposal, Understanding, Verdict
from advisor.answer.proposal import build_proposal
from advisor.answer.spine import parse_levels
from advisor.answer.understand import EM_CODE_RE
from advisor.claims import ClaimLine
from advisor.rules.catalog import Catalog
from advisor.rules.engine import check, recommend
from advisor.rules.model import (
    CheckResult, EMVisit, Encounter, Facts, Finding, Procedure, Recommendation, UltrasoundDocs,
)

ANATOMIC = {"RT", "LT"}
SPINAL_FLUORO = {"ilesi", "tfesi", "facet_injection", "facet_rfa", "epidural_catheter", "si_joint", "si_nerve_block", "si_rfa"}
EM_BLOCKERS = {"X-ON-EM", "MOD57", "MOD25-NOT-EM", "EM-IN-GLOBAL"}
COVERAGE_RULES = ("LCD-", "SI-IMAGING", "IMAGING-UNGUIDED")
PAIR_RULES = {"PTP", "IMAGING-INCLUDED", "TPI-ONE-CODE", "ADDON-PRIMARY", "JOINT-GUIDED-UNGUIDED"}
ADD_WORDS = re.compile(r"\b(too|also|adding|add|plus|as well|another)\b")


# --- follow-ups -----------------------------------------------------------------------------------------------------

def merge(previous: Mentions, current: Mentions, text: str) -> Mentions:
    """A follow-up keeps the previous turn's facts and overrides what it restates ("what if it was bilateral?")."""
    data = previous.model_dump()
    for key, value in current.model_dump().items():
        if key in ("procedures", "lines", "codes", "modifiers", "past_procedure"):
            continue
        if value not in (None, [], {}):
            data[key] = value
    data["lines"] = [ln.model_dump() for ln in current.lines]
    data["codes"], data["modifiers"] = current.codes, current.modifiers
    merged = Mentions.model_validate(data)
    if current.days_since_global_procedure is not None and not current.procedures and previous.procedures:
        # "comes back 6 days later for a wound check": the earlier turn's procedure is in the past now
        merged.past_procedure, merged.procedures = previous.procedures[0], []
        merged.past_code = current.past_code or previous.past_code
        return merged
    merged.procedures = _merge_procedures(previous.procedures, current, text)
    return merged


def _merge_procedures(old: list[ProcedureMention], current: Mentions, text: str) -> list[ProcedureMention]:
    new = current.procedures
    if not old:
        return new
    adding = bool(ADD_WORDS.search(text))
    families = {p.family for p in new}
    if new and not (families & {p.family for p in old}) and not adding and not (families <= {"joint"} and adding):
        # a different procedure named: it replaces the old one only if the question says "instead"
        if re.search(r"\binstead\b", text) or len(new) == len(old):
            return [_carry(o, n) for o, n in zip(old, new)] if _same_kind(old, new) else new
        return old + new if adding else new
    result = []
    for proc in old:
        stated = next((p for p in new if p.family == proc.family), None) or _attributes(current, proc, text)
        result.append(_overlay(proc, stated, adding))
    result += [p for p in new if p.family not in {o.family for o in old}]
    return result


def _same_kind(old: list[ProcedureMention], new: list[ProcedureMention]) -> bool:
    return {o.family for o in old} <= {"facet_injection", "facet_rfa", "tfesi", "ilesi"} and len(new) == len(old)


def _carry(old: ProcedureMention, new: ProcedureMention) -> ProcedureMention:
    """'What about an RFA instead?': the new family with the old levels and side unless restated."""
    data = old.model_dump() | {k: v for k, v in new.model_dump().items() if v not in (None, [], {})}
    return ProcedureMention.model_validate(data)


def _attributes(current: Mentions, proc: ProcedureMention, text: str) -> ProcedureMention:
    """Attributes a family-less follow-up states ("and bilateral?", "3 levels", "without fluoro")."""
    from advisor.answer.lexicon import load_lexicon
    from advisor.answer.understand import _procedure

    stated = _procedure(proc.family, text, load_lexicon())[0]
    if proc.family == "joint":
        from advisor.answer.understand import _joints

        stated.joints = _joints(text, load_lexicon())
    return stated


def _overlay(old: ProcedureMention, new: ProcedureMention, adding: bool) -> ProcedureMention:
    data = old.model_dump()
    for key, value in new.model_dump().items():
        if value in (None, [], {}) or key in ("level_names", "joints"):
            continue
        data[key] = value
    if new.level_names:
        names = list(dict.fromkeys(old.level_names + new.level_names)) if adding else new.level_names
        data["level_names"] = names
        counted = parse_levels(" ".join(n.lower() for n in names)).count(old.family) or 1
        data["levels"] = max(counted, new.levels or 0) if adding else (new.levels or counted)
    if new.joints:
        data["joints"] = [j.model_dump() for j in (old.joints + new.joints if adding else new.joints)]
        if not adding and len(new.joints) == 1 and new.joints[0].laterality is None and old.joints:
            data["joints"] = [new.joints[0].model_copy(update={"laterality": old.joints[0].laterality}).model_dump()]
    elif new.laterality and old.joints:
        data["joints"] = [dict(j.model_dump(), laterality=new.laterality) for j in old.joints]
    return ProcedureMention.model_validate(data)


# --- encounter ------------------------------------------------------------------------------------------------------

def build_encounter(m: Mentions, payer: str | None, default_payer: str) -> Encounter:
    """The Encounter the rules engine sees: stated facts, request payer over question payer over default."""
    procedures: list[Procedure] = []
    for p in m.procedures:
        base = dict(family=p.family, region=p.region, levels=max(1, min(p.levels or 1, 10)),
                    laterality=p.laterality or (m.laterality if len(m.procedures) == 1 else None),
                    imaging=p.imaging or m.imaging, diagnostic=p.diagnostic if p.diagnostic is not None else m.diagnostic)
        if p.family == "joint":
            for j in p.joints or []:
                procedures.append(Procedure(**base | {"laterality": j.laterality or (base["laterality"] if len(p.joints) == 1 else None),
                                                      "joint": j.name, "joint_size": j.size}))
            continue
        if p.family == "trigger_point":
            base["muscles"] = max(1, min(p.muscles, 50)) if p.muscles else None
            base["laterality"] = None
        if p.family in ("ilesi", "epidural_catheter") and base["region"] == "sacral":
            base["region"] = "lumbar"
        if len(p.side_level_names) > 1 and p.family in ("facet_injection", "facet_rfa", "tfesi"):
            base |= _levels_per_side(p)
        procedures.append(Procedure(**base))
    ultrasound = None
    if m.us_permanent_image is not None or m.us_report is not None:
        ultrasound = UltrasoundDocs(real_time=True, permanent_image=m.us_permanent_image, report=m.us_report)
    past = m.past_procedure
    facts = Facts(
        payer=payer or m.payer or default_payer, setting=m.setting or "office",
        separate_problem=m.separate_problem, new_patient=m.new_patient,
        diagnostic=next((p.diagnostic for p in procedures if p.diagnostic is not None), m.diagnostic),
        imaging=m.imaging, ultrasound=ultrasound,
        muscles=next((p.muscles for p in procedures if p.muscles), None),
        prior_relief_percent=m.prior_relief_percent, prior_sessions=m.prior_sessions, sedation=m.sedation,
        radicular=m.radicular, distinct_sites=m.distinct_sites, ablation=m.ablation,
        days_since_global_procedure=m.days_since_global_procedure if past is not None else None,
        global_procedure_code=m.past_code or (_first_code(past) if past is not None else None),
    )
    em = None
    if m.em:
        em = EMVisit(code=m.em_code, new_patient=m.new_patient, separate_problem=m.separate_problem)
    return Encounter(procedures=procedures, em=em, facts=facts)


def _levels_per_side(p: ProcedureMention) -> dict[str, Any]:
    """Right and left level counts from the levels named per side (bilateral levels count on both)."""
    both = p.side_level_names.get("bilateral", [])

    def count(names: list[str]) -> int:
        return parse_levels(" ".join(dict.fromkeys(n.lower() for n in names))).count(p.family) or 0

    right, left = count(both + p.side_level_names.get("right", [])), count(both + p.side_level_names.get("left", []))
    return {"levels_right": right, "levels_left": left, "levels": max(1, right, left), "laterality": None}


def _first_code(proc: ProcedureMention) -> str | None:
    """The primary code of an earlier procedure, for its global period."""
    cervical = proc.region in ("cervical", "thoracic")
    return {"facet_rfa": "64633" if cervical else "64635", "si_rfa": "64625",
            "tfesi": "64479" if cervical else "64483", "facet_injection": "64490" if cervical else "64493",
            "ilesi": "62321" if cervical else "62323", "si_joint": "27096", "joint": "20610",
            "trigger_point": "20552"}.get(proc.family)


# --- proposal and verdict -------------------------------------------------------------------------------------------

@dataclass
class Decision:
    """What the rules engine decided for one question."""

    recommendation: Recommendation | None
    proposal_check: CheckResult | None
    claim: list[ClaimLine]
    findings: list[Finding]
    verdict: Verdict | None
    reasons: list[str] = field(default_factory=list)


def _key(line: ClaimLine) -> tuple[str, frozenset[str]]:
    return line.code, frozenset(m for m in line.modifiers if m not in ANATOMIC)


def _bag(lines: list[ClaimLine], with_mods: bool) -> Counter:
    bag: Counter = Counter()
    for ln in lines:
        bag[_key(ln) if with_mods else (ln.code, frozenset())] += ln.units
    return bag


def _family(code: str, lexicon: Lexicon) -> str:
    """The procedure family a code belongs to ('guidance' for imaging codes, 'em' for visits)."""
    if EM_CODE_RE.match(code):
        return "em"
    info = lexicon.code_info(code) or {}
    return str(info.get("family") or ("guidance" if info.get("guidance") else code))


def in_context(proposal: Proposal, recommended: list[ClaimLine], lexicon: Lexicon) -> list[ClaimLine]:
    """The proposed lines on today's claim: with the recommended lines of the procedures the proposal does not
    restate ('does 77002 get 50?' is checked beside 20610-50), never a line of a family it proposes ('the doc wrote
    64636' is checked without 64635)."""
    if proposal.kind not in ("lines", "units", "modifier"):
        return list(proposal.lines)
    families = {_family(ln.code, lexicon) for ln in proposal.lines}
    codes = {ln.code for ln in proposal.lines}
    if proposal.modifier:  # a modifier put on some lines: the rest of the claim stays as recommended
        return list(proposal.lines) + [ln for ln in recommended if ln.code not in codes]
    rest = [ln for ln in recommended if ln.code not in codes and _family(ln.code, lexicon) not in families]
    return list(proposal.lines) + rest


def _pending(u: Understanding, proposal: Proposal, findings: list[Finding], stage: str) -> list[str]:
    """The deciding facts a proposal rests on that the question does not give (-> 'conditional')."""
    facts = u.encounter.facts
    codes = {ln.code for ln in proposal.lines}
    out = []
    if stage == "modifier":
        mods = {m for ln in proposal.lines for m in ln.modifiers} | set(u.mentions.modifiers)
        if "KX" in mods and facts.diagnostic is None and any(f.rule == "LCD-KX" and f.severity == "info" for f in findings):
            out.append("pending:purpose")
    elif stage == "documentation":
        if any(f.rule == "US-DOCS" and f.severity == "info" and codes & set(f.codes) for f in findings):
            out.append("pending:us-docs")
    elif stage == "coverage":
        if facts.prior_sessions and any(facts.prior_sessions.values()) and facts.prior_relief_percent is None \
                and str(getattr(facts.payer, "value", facts.payer)) == "medicare":
            out.append("pending:relief")
    return out


def verdict_for(u: Understanding, proposal: Proposal, rec: Recommendation | None, checked: CheckResult | None,
                recommended: list[ClaimLine], question: str = "") -> tuple[Verdict, list[str]]:
    """Compare the proposal with the engine's recommendation and its check of the proposed lines: 'no' when the
    engine corrects or flags what was proposed, 'conditional' when the deciding fact was not given."""
    facts = u.encounter.facts
    findings = (checked.findings if checked else []) + (rec.findings if rec else [])
    rules = {f.rule for f in findings if f.severity != "info"}
    if proposal.kind == "compare":
        return ("yes" if proposal.modifier == "holds" else "no"), ["procedure families compared"]
    if proposal.kind == "coverage":
        hits = [f for f in findings if f.rule.startswith(COVERAGE_RULES) and f.severity != "info"]
        if hits:
            return "no", [f.rule for f in hits]
        if not recommended:
            return "conditional", ["nothing to check"]
        pending = _pending(u, proposal, findings, "coverage")
        return ("conditional", pending) if pending else ("yes", [])
    if proposal.kind == "modifier" and proposal.modifier == "any":
        has = any(m not in ANATOMIC for ln in recommended for m in ln.modifiers)
        return ("yes" if has else "no"), []
    blockers = sorted(rules & EM_BLOCKERS)
    if blockers:
        return "no", blockers
    em_lines = [ln for ln in proposal.lines if EM_CODE_RE.match(ln.code)]
    procedure_day = bool(u.encounter.procedures) or (
        facts.days_since_global_procedure is None and re.search(r"\b(injections?|procedures?|blocks?|inject)\b",
                                                                 question.lower()))
    if em_lines and procedure_day:
        separate = facts.separate_problem
        if separate is False:
            return "no", ["EM-25-UNSUPPORTED"]
        if separate is None and not _flagged(checked, em_lines, {"BILATERAL-50", "MOD25-NOT-EM", "X-ON-EM"}):
            return "conditional", ["pending:separate"]
    if em_lines and not u.encounter.procedures and "EM-25-UNSUPPORTED" in rules:
        return "no", ["EM-25-UNSUPPORTED"]
    if proposal.kind == "pair":
        codes = {ln.code for ln in proposal.lines}
        pairs = [f.rule for f in findings if f.rule in PAIR_RULES and len(codes & set(f.codes)) >= 1]
        return ("yes", pairs) if pairs else ("no", [])
    x_mods = {m for ln in proposal.lines for m in ln.modifiers} & {"59", "XS", "XE", "XP", "XU"}
    if x_mods and facts.distinct_sites is False:
        return "no", ["PTP", "distinct:no"]  # 59/X need a separate site or session; a different diagnosis is not one
    pending = _pending(u, proposal, findings, "modifier")
    if pending:
        return "conditional", pending
    target = recommended or (checked.claim if checked else [])
    strict = u.intent in ("claim_check", "units", "modifier_question") or any(ln.modifiers for ln in proposal.lines) or \
        proposal.kind in ("modifier", "units") or len(proposal.lines) > 1
    proposed = [ln for ln in proposal.lines if not (em_lines and EM_CODE_RE.match(ln.code) and not ln.modifiers)]
    got, want = _bag(proposed, strict), _bag(target, strict)
    for key, units in got.items():
        if want.get(key, 0) != units and not (key[0] in {k[0] for k in want} and not strict and units <= want.get(key, 0)):
            return "no", [f"{key[0]} as proposed differs from the engine's claim"]
    if checked is not None and proposal.kind in ("lines", "units", "modifier", "em25"):
        flagged = [f.rule for f in checked.findings if f.severity == "error" and
                   set(f.codes) & {ln.code for ln in proposed}]
        if flagged:
            return "no", flagged
    if proposal.kind == "lines" and any(f.rule.startswith(COVERAGE_RULES) and f.severity == "warning" for f in findings) \
            and u.intent == "coverage":
        return "no", ["coverage"]
    pending = _pending(u, proposal, findings, "documentation")
    return ("conditional", pending) if pending else ("yes", [])


def _flagged(checked: CheckResult | None, lines: list[ClaimLine], rules: set[str]) -> bool:
    """Did the check of the proposal flag one of these lines with one of these rules (an error either way)?"""
    codes = {ln.code for ln in lines}
    return checked is not None and any(f.rule in rules and f.severity == "error" and codes & set(f.codes)
                                       for f in checked.findings)


def decide(u: Understanding, question: str, catalog: Catalog) -> Decision:
    """Run recommend (services described) and check (lines proposed, on today's claim), then the verdict."""
    enc = u.encounter
    lexicon = load_lexicon()
    rec = recommend(enc, catalog) if enc.procedures or (enc.em and enc.em.code) else None
    recommended = list(rec.claim) if rec else []
    checked = None
    if not rec and u.mentions.lines:
        checked = check(list(u.mentions.lines), enc.facts, catalog)
        recommended = list(checked.claim)
    proposal = build_proposal(u, question, recommended, lexicon.normalize(question))
    u.proposal = proposal
    verdict, reasons = None, []
    if proposal is not None and (proposal.lines or proposal.kind in ("modifier", "coverage", "compare")):
        if proposal.lines and proposal.kind != "coverage":
            checked = check(in_context(proposal, recommended, lexicon), enc.facts, catalog)
        verdict, reasons = verdict_for(u, proposal, rec, checked, recommended, question)
    elif proposal is not None and u.mentions.em and proposal.kind == "em25":
        verdict = "conditional"
    claim = recommended
    findings = list(rec.findings if rec else [])
    if checked is not None:
        seen = {(f.rule, f.message) for f in findings}
        findings += [f for f in checked.findings if (f.rule, f.message) not in seen]
    return Decision(rec, checked, claim, findings, verdict, reasons)
