"""What a yes/no question proposes, as claim lines the rules engine can check.

A proposal is what the coder would put on the claim: the lines written in the question ("64636?"), a modifier
put on a line ("does 77002 get 50 too?", "we put the 25 on 64493"), units ("2 units?", "62327 for each day?",
"20553 once per muscle?"), an E/M with 25, the guidance code for the imaging named, a comparison ("is X coded
differently from Y?") or, failing all that, "are the services described covered/billable". The verdict compares it
with what the rules engine recommends and flags (decide.verdict_for).
"""

from __future__ import annotations

import re

from advisor.answer.model import Proposal, Understanding
from advisor.answer.understand import CODE_RE, EM_CODE_RE, NUM, _families_in, _num, extract_modifiers
from advisor.claims import ClaimLine
from advisor.rules.context import X_MODIFIERS
from advisor.rules.recommend import GUIDANCE_CODE

PLACEHOLDER_EM = "99213"
# "each day's management", "once per muscle", "for every injection": one unit per thing counted
PER_RE = re.compile(r"\b(?:for each|each|every|per|a unit per|one unit per|once per|once for each)\s+"
                    r"(day|muscle|injection|needle|stick|trigger point|site|nerve|bursa|side)s?\b|\b(daily)\b")
PER_COUNT = {"day": r"days?", "muscle": r"(?:\w+ ){0,2}muscles?", "injection": r"(?:\w+ )?injections?",
             "needle": r"needles?|sticks?", "stick": r"sticks?|needles?", "trigger point": r"trigger points?",
             "site": r"sites?", "nerve": r"nerves?", "bursa": r"bursae?|bursas"}
UNITS_ALONE_RE = re.compile(rf"\b{NUM}\s+units?\b(?!\s+of\s+\d)")
COMPARE_RE = re.compile(r"\b(coded|billed|reported|code|bill) differently\b|\bdifferent (cpt |billing )?codes?\b|"
                        r"\b(same|identical) (cpt |billing )?codes?\b")
COMPARE_SPLIT = re.compile(r"\b(?:from|than|versus|vs\.?|compared (?:to|with)|and|as)\b")
# Classes of codes a question can name without a code: checked on a representative claim (the last line is the one
# the modifier is about).
CLASS_LINES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"\badd-?on codes?\b|\baddons?\b|\bzzz codes?\b"), ("64493", "64494")),
]


def build_proposal(u: Understanding, question: str, recommended: list[ClaimLine], text: str = "") -> Proposal | None:
    """What a yes/no question puts forward, as lines; None when it proposes nothing checkable.
    `text` is the lexicon-normalised question (the original is used for codes and modifiers)."""
    m = u.mentions
    if not u.yes_no:
        return None
    text = text or question.lower()
    lines = _dedupe(list(m.lines))
    mods = [mod for mod in m.modifiers if not re.search(rf"\binstead of (a |an |the |modifier )?-?{mod}\b", question, re.I)]
    positions = dict(extract_modifiers(question))
    if len(lines) >= 2 and re.search(r"\b(edits?|bundled?|bundling|ptp)\b", question, re.I) and not mods:
        return Proposal(kind="pair", lines=lines, summary=" and ".join(ln.code for ln in lines))
    compared = _comparison(text)
    if compared is not None and not lines:
        return compared
    units = stated_units(text, u)
    if lines and mods:
        lines = _attach(lines, mods, positions, question)
        summary = ", ".join(str(ln) for ln in lines)
        if units:
            lines = _with_units(lines, units)
        kind = "em25" if any(EM_CODE_RE.match(ln.code) for ln in lines) else "lines"
        if kind == "em25" and all(EM_CODE_RE.match(ln.code) for ln in lines):
            lines = lines + [ln for ln in recommended if not EM_CODE_RE.match(ln.code)]
        return Proposal(kind=kind, lines=lines, modifier=mods[0], summary=summary)
    elif mods:
        targets = [ln for ln in recommended if not EM_CODE_RE.match(ln.code)] or recommended
        if any(mod in ("25", "57", *X_MODIFIERS) for mod in mods) and m.em:
            em = ClaimLine(code=m.em_code or PLACEHOLDER_EM)
            lines = [em.with_modifiers(*[x for x in mods if x in ("25", "57", *X_MODIFIERS)])]
            lines += [ln for ln in recommended if not EM_CODE_RE.match(ln.code)]
            return Proposal(kind="em25", lines=lines, modifier=mods[0], summary="E/M with " + "/".join(mods))
        if not targets and not u.encounter.procedures:
            targets = next(([ClaimLine(code=c) for c in codes] for pat, codes in CLASS_LINES if pat.search(text)), [])
            if targets:  # "do add-on codes ever take 51?": the modifier on a representative add-on line
                lines = targets[:-1] + [targets[-1].with_modifiers(*mods)]
                return Proposal(kind="modifier", lines=lines, modifier=mods[0], summary=f"modifier {mods[0]}")
        if targets:
            first = _modifier_target(targets, mods[0], question)
            lines = [ln.with_modifiers(*[x for x in mods if x not in ln.modifiers]) if ln is first else ln for ln in targets]
            return Proposal(kind="modifier", lines=lines, modifier=mods[0], summary=f"modifier {mods[0]}")
        return Proposal(kind="modifier", modifier=mods[0], summary=f"modifier {mods[0]}")
    if not lines and re.search(r"\b(need|use|add|require)s? (a |an |any )?modifiers?\b", question, re.I):
        return Proposal(kind="modifier", lines=[], modifier="any", summary="a modifier")
    if units and lines:
        lines = _with_units(lines, units)
    elif units and recommended:
        target = next((ln for ln in recommended if ln.code not in GUIDANCE_CODE.values() and not EM_CODE_RE.match(ln.code)),
                      None)
        if target is not None:
            lines = [ln.model_copy(update={"units": units}) if ln is target else ln for ln in recommended]
            return Proposal(kind="units", lines=lines, summary=f"{target.code} x{units}")
    if not lines:
        imaging = _imaging_proposal(u, question)
        if imaging:
            return Proposal(kind="lines", lines=[ln for ln in recommended if ln.code not in GUIDANCE_CODE.values()] + [imaging],
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


def _dedupe(lines: list[ClaimLine]) -> list[ClaimLine]:
    """'New pt, 99205: ... can I bill 99205-25?': a bare mention of a code also written with modifiers is one line."""
    modified = {ln.code for ln in lines if ln.modifiers}
    return [ln for ln in lines if ln.modifiers or ln.units != 1 or ln.code not in modified]


def stated_units(text: str, u: Understanding) -> int | None:
    """Units a question proposes without writing 'x2': 'N units?', 'for each day' of N days, 'once per muscle',
    'another 62327'. None when it proposes none."""
    per = PER_RE.search(text)
    if per:
        noun = per.group(1) or "day"
        count = re.search(rf"\b{NUM}\s+(?:{PER_COUNT.get(noun, re.escape(noun) + 's?')})\b", text)
        if count:
            return max(2, _num(count.group(1)))
        if noun == "muscle":
            return max(2, next((p.muscles for p in u.mentions.procedures if p.muscles), 2))
        return 2  # "one unit per injection", count not given: more than one unit is what is proposed
    alone = UNITS_ALONE_RE.search(text)
    if alone and not CODE_RE.search(text[alone.end():alone.end() + 12]):
        return _num(alone.group(1)) or None
    if re.search(r"\banother (\d{5}|\d{4}[a-z])\b|\b(bill|add|charge) (it|that|this) again\b", text):
        return 2
    return None


def _with_units(lines: list[ClaimLine], units: int) -> list[ClaimLine]:
    """Apply proposed units to the one written line that has none (several lines: the last one named)."""
    plain = [i for i, ln in enumerate(lines) if ln.units == 1 and not EM_CODE_RE.match(ln.code)]
    if not plain:
        return lines
    index = plain[-1]
    return [ln.model_copy(update={"units": units}) if i == index else ln for i, ln in enumerate(lines)]


def _comparison(text: str) -> Proposal | None:
    """'Is an intra-articular facet injection coded differently from a medial branch block?': the two things named
    are compared by the procedure family each maps to (same family = same codes)."""
    match = COMPARE_RE.search(text)
    if not match:
        return None
    parts = [p for p in COMPARE_SPLIT.split(text) if p.strip()]
    families = [{f for f, _ in _families_in(p)} for p in parts]
    named = [f for f in families if f]
    if len(named) < 2:
        return None
    same = named[0] == named[1]
    asks_same = bool(re.search(r"\b(same|identical)\b", match.group(0)))
    return Proposal(kind="compare", modifier="holds" if same == asks_same else "fails",
                    summary="the same codes" if asks_same else "different codes")


def _attach(lines: list[ClaimLine], mods: list[str], positions: dict[str, int], question: str) -> list[ClaimLine]:
    """Put each standalone modifier on the line it was written on: 'the 25 on 64493' puts it on 64493 (wrong, but that
    is the proposal); otherwise 25 on the E/M line and any other modifier on the code written nearest to it."""
    spots = [(m.group(1).upper(), m.start(), m.end()) for m in CODE_RE.finditer(question)]
    out = list(lines)
    for mod in mods:
        if any(mod in ln.modifiers for ln in out):
            continue
        on = re.search(rf"(?<![\w-])-?{mod}\b(?: modifier)?\s+(?:on|to|onto)\s+(?:the\s+|line\s+)?(\d{{5}}|\d{{4}}[TFU]|[A-V]\d{{4}})\b",
                       question, re.I)
        if on:
            index = next((i for i, ln in enumerate(out) if ln.code == on.group(1).upper()), 0)
        elif mod == "25" and any(EM_CODE_RE.match(ln.code) for ln in out):
            index = next(i for i, ln in enumerate(out) if EM_CODE_RE.match(ln.code))
        else:
            pos = positions.get(mod, 0)
            code = min(spots, key=lambda s: min(abs(s[1] - pos), abs(s[2] - pos)))[0] if spots else out[0].code
            index = next((i for i, ln in enumerate(out) if ln.code == code), 0)
        try:
            out[index] = out[index].with_modifiers(mod)
        except ValueError:
            continue
    return out


def _modifier_target(lines: list[ClaimLine], mod: str, question: str) -> ClaimLine:
    """Which recommended line a 'do I add XS/KX/50' question is about: the second line for 59/X, else the first."""
    if mod in X_MODIFIERS and len(lines) > 1:
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
    code = "77003" if kinds[0] == "fluoroscopy" and family in ("ilesi", "epidural_catheter") else GUIDANCE_CODE[kinds[0]]
    return ClaimLine(code=code)
