"""What the indicator values of the CMS tables mean, in our words: global days, bilateral surgery, multiple
procedure, imaging in the code, MUE adjudication indicator (and what it means for an appeal), PTP modifier
indicator (what bypasses an edit and what does not).

Why one module: the chat's look-up answers (advisor/answer/lookup.py), the code detail and the pair look-up
(advisor/encoder) say the same thing about the same value. Sources: MPFS RVU file documentation (indicator
definitions), Palmetto and First Coast on MAIs, the NCCI PTP modifier indicators and CMS X{EPSU} guidance, as cited
where each value is shown.
"""

from __future__ import annotations

from advisor.claims import is_em_code
from advisor.rules.catalog import PtpPair

GLOBAL_MEANING = {
    "000": "no post-operative days; a same-day E/M needs a significant, separately identifiable reason (25)",
    "010": "visits in the 10 days after the procedure are part of its payment",
    "090": "a major procedure: 90 post-operative days; the decision visit takes 57",
    "XXX": "the global concept does not apply",
    "ZZZ": "an add-on code: it belongs to its primary procedure's global period",
    "YYY": "the payer sets the global period",
}
BILATERAL_MEANING = {
    0: "not a bilateral code: modifier 50 does not apply",
    1: "bilateral surgery rules apply: both sides are modifier 50 on one line, 1 unit (150% payment)",
    2: "the code already means both sides (or is not priced bilaterally): no 50",
    3: "each side is paid in full: 50 or RT/LT as the payer asks",
    9: "the bilateral concept does not apply",
}
MULT_PROC_MEANING = {
    "0": "no multiple-procedure reduction applies",
    "1": "the pre-1995 multiple-procedure rules (no longer used)",
    "2": "standard multiple-procedure rules: the highest-valued procedure is paid in full, the others at 50%",
    "3": "special rules for endoscopies of the same family",
    "4": "the diagnostic-imaging reduction applies",
    "5": "the therapy reduction applies",
    "6": "the cardiovascular diagnostic reduction applies",
    "7": "the ophthalmology diagnostic reduction applies",
    "9": "the multiple-procedure concept does not apply",
}
ASSISTANT_MEANING = {
    "0": "an assistant at surgery is paid only with documentation of medical necessity",
    "1": "an assistant at surgery is never paid (statutory restriction)",
    "2": "an assistant at surgery may be paid",
    "9": "the assistant-at-surgery concept does not apply",
}
MPFS_STATUS_MEANING = {
    "A": "active: paid from the RVUs", "R": "restricted coverage: paid from the RVUs when covered",
    "T": "paid from the RVUs only when no other service is billed the same day",
    "B": "bundled: never paid separately", "C": "priced by the MAC (no national amount)",
    "N": "not covered by Medicare", "I": "not valid for Medicare (another code applies)",
    "X": "excluded from the fee schedule by statute", "E": "excluded by regulation",
}
IMAGING_MEANING = {
    "included": "fluoroscopy or CT guidance is part of the code: never add 77002/77003/77012",
    "included_us": "ultrasound guidance with a saved image and report is part of the code: never add 76942",
    "without": "the code for the injection without imaging; its guided twin includes the guidance",
    "separate": "guidance is reported on its own line (76942 ultrasound, 77002 fluoroscopy, 77012 CT)",
    "na": "not a procedure that takes guidance",
}
MAI_APPEAL = {
    1: "a claim-line edit: units over the MUE on one line are denied, but medically necessary extra units may be "
       "reported on separate lines with an anatomic modifier, XS, 76 or 77; a denied line can be appealed",
    2: "an absolute date-of-service edit set by policy: every line of the code on the date is added up, no modifier "
       "bypasses it, and a denial is not overturned on appeal",
    3: "a date-of-service edit from clinical data: every line on the date is added up; units over it are denied, and "
       "the denial can be appealed with records that show the units were medically necessary",
}
MAI_SOURCES = ("mue-mai-palmetto", "mue-fcso")
PTP_MI_MEANING = {
    0: "never bypassed: no modifier makes the column-2 code payable with the column-1 code on the same date",
    1: "bypassed only when the services were distinct (separate site, structure, session or practitioner), with a "
       "bypass modifier on the column-2 code",
    9: "the edit is deleted or does not apply: no modifier is needed",
}
PTP_SOURCES = ("ptp-indicators", "cms-xepsu", "texmed-xs")


def bypass_summary(pair: PtpPair) -> str:
    """One sentence on how the edit is (or is not) bypassed; the chat's PTP look-up answer says this."""
    if pair.mi == 0:
        return "never bypassed by any modifier"
    return (f"bypassed only for a separate site or session, with XS/59 (or RT/LT for opposite sides) on "
            f"{pair.col2}, the column-2 code")


def bypass_rules(pair: PtpPair) -> tuple[list[str], list[str]]:
    """(what bypasses the edit, what does not), spelled out for a coder looking the pair up."""
    if pair.mi == 9:
        return ([f"nothing is needed: indicator 9 means the edit {pair.col1}/{pair.col2} does not apply"], [])
    if pair.mi == 0:
        return ([], [f"no modifier: indicator 0 is never bypassed, {pair.col2} is not paid with {pair.col1} on the "
                     "same date (59, XE, XS, XP, XU, RT/LT all leave it denied)"])
    col2 = pair.col2
    does = [
        f"RT on one code and LT on the other, when the two services were on opposite sides ({col2}-LT with "
        f"{pair.col1}-RT); anatomic modifiers come first when they describe the difference",
        f"XS on {col2} for a separate structure or organ, XE for a separate encounter, XP for a separate "
        f"practitioner, XU for an unusual non-overlapping service (Medicare prefers these to 59)",
        f"59 on {col2} when no X modifier or anatomic modifier describes the difference",
    ]
    does_not = [
        f"59 or X on {pair.col1}, the column-1 code: the bypass modifier belongs on {col2}, the code that would be "
        "denied",
        "RT/LT when both services were on the same side, or on the same or a contiguous structure: that is not a "
        "separate site",
        "any modifier without a note that shows a separate site, structure, session or practitioner",
    ]
    if is_em_code(col2):
        does.append(f"for an E/M in column 2 ({col2}), modifier 25 on the visit when it was significant and "
                    "separately identifiable (not 59 or X)")
    return does, does_not


__all__ = [
    "ASSISTANT_MEANING",
    "BILATERAL_MEANING",
    "GLOBAL_MEANING",
    "IMAGING_MEANING",
    "MAI_APPEAL",
    "MAI_SOURCES",
    "MPFS_STATUS_MEANING",
    "MULT_PROC_MEANING",
    "PTP_MI_MEANING",
    "PTP_SOURCES",
    "bypass_rules",
    "bypass_summary",
]
