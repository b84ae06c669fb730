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

from advisor.answer.lexicon import Lexicon
from advisor.answer.model import Mentions, ProcedureMention, Proposal, Understanding, Verdict
from advisor.answer.spine import parse_levels
from advisor.answer.understand import EM_CODE_RE, extract_modifiers
from advisor.claims import ClaimLine
from advisor.rules.catalog import Catalog
from advisor.rules.engine import check, recommend
from advisor.rules.model import (
    CheckResult, EMVisit, Encounter, Facts, Finding, Procedure, Recommendation, UltrasoundDocs,
)

ANATOMIC = {"RT", "LT"}
PLACEHOLDER_EM = "99213"
GUIDANCE = {"fluoroscopy": "77002", "ct": "77012", "ultrasound": "76942"}
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
        days_since_global_procedure=m.days_since_global_procedure if past is not None else None,
        global_procedure_code=m.past_code or (_first_code(past) if past is not None else None),
    )
    em = None
    if m.em:
        em = EMVisit(code=m.em_code, new_patient=m.new_patient, separate_problem=m.separate_problem)
    return Encounter(procedures=procedures, em=em, facts=facts)


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


def build_proposal(u: Understanding, question: str, recommended: list[ClaimLine]) -> Proposal | None:
    """What a yes/no question puts forward, as lines; None when it proposes nothing checkable."""
    m = u.mentions
    if not u.yes_no:
        return None
    lines = list(m.lines)
    mods = [mod for mod in m.modifiers if not re.search(rf"\binstead of (a |an |the |modifier )?-?{mod}\b", question, re.I)]
    positions = dict(extract_modifiers(question))
    if len(lines) >= 2 and re.search(r"\b(edits?|bundled?|bundling|ptp)\b", question, re.I) and not mods:
        return Proposal(kind="pair", lines=lines, summary=" and ".join(ln.code for ln in lines))
    if lines and mods:
        lines = _attach(lines, mods, positions, question)
    elif mods:
        targets = [ln for ln in recommended if not EM_CODE_RE.match(ln.code)] or recommended
        if any(mod in ("25", "57", "59", "XS", "XE", "XP", "XU") for mod in mods) and m.em:
            em = ClaimLine(code=m.em_code or PLACEHOLDER_EM)
            lines = [em.with_modifiers(*[x for x in mods if x in ("25", "57", "59", "XS", "XE", "XP", "XU")])]
            lines += [ln for ln in recommended if not EM_CODE_RE.match(ln.code)]
            return Proposal(kind="em25", lines=lines, modifier=mods[0], summary="E/M with " + "/".join(mods))
        if targets:
            first = _modifier_target(targets, mods[0], question)
            lines = [ln.with_modifiers(*[x for x in mods if x not in ln.modifiers]) if ln is first else ln for ln in targets]
            return Proposal(kind="modifier", lines=lines, modifier=mods[0], summary=f"modifier {mods[0]}")
        return Proposal(kind="modifier", modifier=mods[0], summary=f"modifier {mods[0]}")
    if not lines and re.search(r"\b(need|use|add|require)s? (a |an |any )?modifiers?\b", question, re.I):
        return Proposal(kind="modifier", lines=[], modifier="any", summary="a modifier")
    if not lines:
        imaging = _imaging_proposal(u, question)
        if imaging:
            return Proposal(kind="lines", lines=[ln for ln in recommended if ln.code not in GUIDANCE.values()] + [imaging],
                            summary=f"{imaging.code} for the guidance")
    if m.em and not any(EM_CODE_RE.match(ln.code) for ln in lines) and (u.intent == "can_bill_em" or "25" in m.modifiers):
        em = ClaimLine(code=m.em_code or PLACEHOLDER_EM, modifiers=("25",) if "25" in m.modifiers else ())
        return Proposal(kind="em25", lines=[em] + [ln for ln in recommended if not EM_CODE_RE.match(ln.code)],
                        summary="an E/M on the procedure day")
    if lines:
        summary = ", ".join(str(ln) for ln in lines)
        if all(EM_CODE_RE.match(ln.code) for ln in lines):  # "can I bill 99213-25?": alongside today's procedures
            lines = lines + [ln for ln in recommended if not EM_CODE_RE.match(ln.code)]
        kind = "em25" if any(EM_CODE_RE.match(ln.code) for ln in lines) else "lines"
        return Proposal(kind=kind, lines=lines, summary=summary)
    return Proposal(kind="coverage", lines=recommended, summary="the services described")


def _attach(lines: list[ClaimLine], mods: list[str], positions: dict[str, int], question: str) -> list[ClaimLine]:
    """Put each standalone modifier on the line it was written next to (25 on the E/M line)."""
    from advisor.answer.understand import CODE_RE

    spots = [(m.group(1).upper(), m.start()) for m in CODE_RE.finditer(question)]
    out = list(lines)
    for mod in mods:
        if any(mod in ln.modifiers for ln in out):
            continue
        if mod == "25" and any(EM_CODE_RE.match(ln.code) for ln in out):
            index = next(i for i, ln in enumerate(out) if EM_CODE_RE.match(ln.code))
        else:
            pos = positions.get(mod, 0)
            code = min(spots, key=lambda s: abs(s[1] - pos))[0] if spots else out[0].code
            index = next((i for i, ln in enumerate(out) if ln.code == code), 0)
        try:
            out[index] = out[index].with_modifiers(mod)
        except ValueError:
            continue
    return out


def _modifier_target(lines: list[ClaimLine], mod: str, question: str) -> ClaimLine:
    """Which recommended line a 'do I add XS/KX/50' question is about: the second line for 59/X, else the first."""
    if mod in ("59", "XS", "XE", "XP", "XU") and len(lines) > 1:
        return lines[-1]
    return lines[0]


def _imaging_proposal(u: Understanding, question: str) -> ClaimLine | None:
    """'Can the US be billed?', 'bill the fluoro separately?': the guidance code for the imaging named."""
    q = question.lower()
    if not re.search(r"\b(bill|billed|add|charge|separate|separately|code for)\b", q):
        return None
    kinds = [k for k, pat in (("ultrasound", r"\b(us|ultrasound|diagnostic ultrasound)\b"),
                              ("fluoroscopy", r"\bfluoro(scopy)?\b"), ("ct", r"\bct\b"))
             if re.search(rf"\b(the|for|a|any)\s+{pat[2:]}", q)]
    if not kinds:
        return None
    family = u.mentions.procedures[0].family if u.mentions.procedures else ""
    code = "77003" if kinds[0] == "fluoroscopy" and family in ("ilesi", "epidural_catheter") else GUIDANCE[kinds[0]]
    return ClaimLine(code=code)


def _key(line: ClaimLine) -> tuple[str, frozenset[str]]:
    return line.code, frozenset(m for m in line.modifiers if m not in ANATOMIC)


def _bag(lines: list[ClaimLine], with_mods: bool) -> Counter:
    bag: Counter = Counter()
    for ln in lines:
        bag[_key(ln) if with_mods else (ln.code, frozenset())] += ln.units
    return bag


def verdict_for(u: Understanding, proposal: Proposal, rec: Recommendation | None, checked: CheckResult | None,
                recommended: list[ClaimLine], question: str = "") -> tuple[Verdict, list[str]]:
    """Compare the proposal with the engine's recommendation and findings."""
    facts = u.encounter.facts
    findings = (checked.findings if checked else []) + (rec.findings if rec else [])
    rules = {f.rule for f in findings if f.severity != "info"}
    if proposal.kind == "coverage":
        hits = [f for f in findings if f.rule.startswith(COVERAGE_RULES) and f.severity != "info"]
        if hits:
            return "no", [f.rule for f in hits]
        if not recommended:
            return "conditional", ["nothing to check"]
        return "yes", []
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
        if separate is None:
            return "conditional", ["separate problem not stated"]
    if em_lines and not u.encounter.procedures and "EM-25-UNSUPPORTED" in rules:
        return "no", ["EM-25-UNSUPPORTED"]
    if proposal.kind == "pair":
        codes = {ln.code for ln in proposal.lines}
        pairs = [f.rule for f in findings if f.rule in PAIR_RULES and len(codes & set(f.codes)) >= 1]
        return ("yes", pairs) if pairs else ("no", [])
    target = recommended or (checked.claim if checked else [])
    strict = u.intent in ("claim_check", "units", "modifier_question") or any(ln.modifiers for ln in proposal.lines) or \
        proposal.kind in ("modifier",) or len(proposal.lines) > 1
    proposed = [ln for ln in proposal.lines if not (em_lines and EM_CODE_RE.match(ln.code) and not ln.modifiers)]
    got, want = _bag(proposed, strict), _bag(target, strict)
    for key, units in got.items():
        if want.get(key, 0) != units and not (key[0] in {k[0] for k in want} and not strict and units <= want.get(key, 0)):
            return "no", [f"{key[0]} as proposed differs from the engine's claim"]
    errors = [f.rule for f in (checked.findings if checked else []) if f.severity == "error"]
    if errors and not recommended:
        return "no", errors
    if proposal.kind == "lines" and any(f.rule.startswith(COVERAGE_RULES) and f.severity == "warning" for f in findings) \
            and u.intent == "coverage":
        return "no", ["coverage"]
    return "yes", []


def decide(u: Understanding, question: str, catalog: Catalog) -> Decision:
    """Run recommend (services described) and check (lines proposed), then the verdict."""
    enc = u.encounter
    rec = recommend(enc, catalog) if enc.procedures or (enc.em and enc.em.code) else None
    recommended = list(rec.claim) if rec else []
    checked = None
    if not rec and u.mentions.lines:
        checked = check(list(u.mentions.lines), enc.facts, catalog)
        recommended = list(checked.claim)
    proposal = build_proposal(u, question, recommended)
    u.proposal = proposal
    verdict, reasons = None, []
    if proposal is not None and (proposal.lines or proposal.kind in ("modifier", "coverage")):
        if proposal.lines and proposal.kind != "coverage":
            checked = check(list(proposal.lines), enc.facts, catalog)
        verdict, reasons = verdict_for(u, proposal, rec, checked, recommended, question)
    elif proposal is not None and u.mentions.em and proposal.kind == "em25":
        verdict = "conditional"
    claim = recommended
    findings = list(rec.findings if rec else [])
    if checked is not None:
        seen = {(f.rule, f.message) for f in findings}
        findings += [f for f in checked.findings if (f.rule, f.message) not in seen]
    return Decision(rec, checked, claim, findings, verdict, reasons)
