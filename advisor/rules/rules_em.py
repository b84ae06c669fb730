"""E/M on a procedure day and inside a global period (NCCI Ch. I §D; Claims Processing Manual Ch. 12 §40.1).

A 000/010-day procedure includes the visit that decides to do it. A same-day E/M is billable only when it is
significant and separately identifiable, with 25 on the E/M line; being a new patient is not enough.
"""

from __future__ import annotations

from advisor.rules.context import Ctx
from advisor.rules.rulebook import rule

POSTOP_DAYS = {"000": 0, "010": 10, "090": 90}  # postoperative days of each MPFS global indicator
EM_SOURCES = ("fcso-mod25", "ncci-manual-ch1", "ncci-ch1-em", "cpm-ch12", "context4-25")
EM_DOC = "em-with-procedures#The basic rule: a same-day E/M is usually included in a minor procedure"


def _minor_procedures(ctx: Ctx) -> list[str]:
    """The 000/010-global procedures of the date: the claim's lines, or 'the procedure' when the facts say one was
    done but its line is not on this claim."""
    codes = sorted({ln.code for ln in ctx.claim if (i := ctx.info(ln)) is not None and i.global_days in ("000", "010")})
    return codes or (["the procedure"] if ctx.facts.procedure_day else [])


@rule("EM-25-UNSUPPORTED", reads={"codes", "mods.em", "lines", "facts"}, writes={"mods.em", "lines"},
      severity="error", families={"em"}, after=("mod57", "x_on_em", "guidance_included", "em_on_asc_claim"),
      explains="modifier-25#When modifier 25 is NOT supported", sources=EM_SOURCES)
def em_same_day(ctx: Ctx) -> None:
    """E/M with a minor procedure: the facts must support a separate problem; 25 with nothing to separate goes."""
    ems = ctx.lines_of("em")
    if not ems:
        return
    procs = _minor_procedures(ctx)
    separate = ctx.facts.separate_problem
    for em in ems:
        if not procs:
            if em.has("25"):
                ctx.add(f"{em.code}-25: no procedure with a 000 or 010 global is on this claim, so 25 has nothing to "
                        "separate the visit from; remove it.", [em.code], severity="warning", confidence="secondary")
                ctx.replace(em, em.with_modifiers(drop=("25",)))
            continue
        names = ", ".join(procs)
        if separate is False:
            ctx.add(f"{em.code} is not separately billable with {names}: the visit only covered the procedure (the "
                    "pre-procedure check and the decision to inject are part of the procedure's payment)."
                    f"{_new_note(ctx)} Remove the E/M line.", [em.code, *_codes(procs)],
                    confidence="secondary")
            ctx.replace(em, None)
        elif em.has("25") and separate is None:
            ctx.add(f"{em.code}-25 with {names} stands only if the note shows a significant, separately identifiable "
                    "problem beyond the decision to do the procedure (e.g. a new complaint worked up, a medication "
                    f"change for another condition).{_new_note(ctx)} A scheduled injection visit alone does not "
                    "support 25.", [em.code], severity="warning", confidence="secondary", pending="separate_problem")


def _codes(procs: list[str]) -> list[str]:
    return [p for p in procs if p != "the procedure"]


def _new_note(ctx: Ctx) -> str:
    return " Being a new patient does not by itself justify a separate E/M." if ctx.facts.new_patient else ""


@rule("EM-NEEDS-25", reads={"codes", "mods.em", "lines", "facts"}, writes={"mods.em", "lines"}, severity="error",
      families={"em"}, after=("em_same_day",), explains="modifier-25#When modifier 25 is supported",
      sources=EM_SOURCES)
def em_needs_25(ctx: Ctx) -> None:
    """An E/M without 25 beside a minor procedure: 25 when the problem was separate, otherwise it is bundled."""
    procs = _minor_procedures(ctx)
    if not procs:
        return
    names = ", ".join(procs)
    for em in [ln for ln in ctx.lines_of("em") if not ln.has("25")]:
        if ctx.facts.separate_problem:
            ctx.add(f"{em.code} on the same day as {names} needs modifier 25 on the E/M line, since the visit "
                    "addressed a separate, significant problem.", [em.code], confidence="secondary")
            ctx.replace(em, em.with_modifiers("25"))
        else:
            ctx.add(f"{em.code} on the same day as {names} is bundled into the procedure unless the visit was "
                    f"significant and separately identifiable. If the note shows that, bill {em.code}-25; if not, "
                    f"remove the E/M.{_new_note(ctx)}", [em.code, *_codes(procs)], confidence="secondary",
                    pending="separate_problem")
            ctx.replace(em, None)


NEW_TO_ESTABLISHED = {"99202": "99212", "99203": "99213", "99204": "99214", "99205": "99215"}  # same MDM level


@rule("EM-NEW-ESTABLISHED", reads={"codes", "facts"}, writes={"lines"}, severity="error", families={"em"},
      after=("em_needs_25", "em_in_global"), explains="em-with-procedures#New or established patient",
      sources=("wps-new-patient", "cpm-ch12-new-patient"))
def em_new_established(ctx: Ctx) -> None:
    """A patient seen by a physician of the same group and specialty within three years is established: a new-patient
    code becomes the established code of the same level."""
    if ctx.facts.seen_within_three_years is not True:
        return
    for em in ctx.lines_of("em"):
        established = NEW_TO_ESTABLISHED.get(em.code)
        if established is None:
            continue
        ctx.add(f"{em.code} is a new-patient code, but the patient was seen by a physician of the same group and "
                "specialty within the previous three years: an established patient. Bill the established-patient "
                f"code of the same level, {established}.", [em.code], confidence="confirmed")
        ctx.replace(em, em.model_copy(update={"code": established}))


@rule("EM-ON-ASC-CLAIM", reads={"codes", "facts"}, writes={"lines"}, severity="error", families={"em"},
      after=("mod57", "x_on_em", "guidance_included", "ptp"),
      explains="facility-vs-physician-claims#Two claims for one procedure",
      sources=("wps-asc-payment",))
def em_on_asc_claim(ctx: Ctx) -> None:
    """An ASC is paid only for the covered surgical procedures on its list: the visit is the physician's to bill."""
    if ctx.claim_type.value != "asc":
        return
    for em in ctx.lines_of("em"):
        ctx.add(f"{em.code} does not go on the ASC's facility claim: an ASC bills only the covered procedures; an E/M "
                "(with 25 when it is separately identifiable) is billed on the physician's own claim.", [em.code],
                confidence="secondary")
        ctx.replace(em, None)


@rule("EM-IN-GLOBAL", reads={"codes", "lines", "facts"}, writes={"lines"}, severity="error", families={"em"},
      after=("em_needs_25",), explains="global-periods#Visits inside the 010 global after facet RFA or SI RFA",
      sources=("cms-rvu-docs", "ncci-manual-ch1", "mpfs-global-defs", "cpm-ch12"))
def em_in_global(ctx: Ctx) -> None:
    """Visits in the 10 days after a 010-global procedure (e.g. facet RFA) are part of its payment."""
    days = ctx.facts.days_since_global_procedure
    ems = ctx.lines_of("em")
    if days is None or not ems or days == 0:
        return
    code = ctx.facts.global_procedure_code
    info = ctx.catalog.code(code) if code else None
    global_days = info.global_days if info else "010"
    window = POSTOP_DAYS.get(global_days, 0)
    if days > window:
        return
    assumed = "" if info else " (no procedure code given; a 010-day global is assumed)"
    if ctx.facts.separate_problem:
        missing = [em for em in ems if "24" not in em.modifiers]
        ctx.add(f"Day {days} after {code or 'the procedure'}, inside its {global_days}-day global{assumed}: a visit "
                "for an unrelated problem is billable with modifier 24 and documentation that it is unrelated.",
                [em.code for em in ems], severity="warning" if missing else "info", confidence="secondary")
        for em in missing:
            mods = (*(m for m in em.modifiers if m != "25"), "24")
            ctx.replace(em, em.model_copy(update={"modifiers": mods}))
        return
    ctx.add(f"Day {days} after {code or 'the procedure'}, inside its {global_days}-day global{assumed}: related "
            "follow-up visits are included in the procedure's payment and are not billed.", [em.code for em in ems],
            confidence="secondary")
    for em in ems:
        ctx.replace(em, None)


@rule("PROC-IN-GLOBAL", reads={"codes", "facts"}, writes={"mods.global"}, severity="warning",
      explains="global-periods#A procedure inside another procedure's global period (79)",
      sources=("palmetto-mod79", "mpfs-global-defs"))
def procedure_in_global(ctx: Ctx) -> None:
    """A procedure done within the 010 or 090 global of an earlier one by the same physician: unrelated, it carries
    79 (and starts its own global); related, it is part of the first procedure's payment unless staged (58) or a
    return for a complication (78)."""
    days = ctx.facts.days_since_global_procedure
    code = ctx.facts.global_procedure_code
    info = ctx.catalog.code(code) if code else None
    window = POSTOP_DAYS.get(info.global_days if info else "", 0)
    if not days or days > window:
        return
    procedures = [ln for ln in ctx.claim if (i := ctx.info(ln)) is not None and i.global_days in ("000", "010", "090")
                  and not i.addon and i.family != "em"]
    if not procedures:
        return
    codes = [ln.code for ln in procedures]
    if ctx.facts.separate_problem:
        missing = [ln for ln in procedures if "79" not in ln.modifiers]
        ctx.add(f"Day {days} after {code}, inside its {window}-day global: an unrelated procedure by the same "
                "physician carries modifier 79 (the record must show it is unrelated).", codes,
                severity="warning" if missing else "info", confidence="secondary")
        for line in missing:
            ctx.replace(line, line.with_modifiers("79"))
    else:
        ctx.add(f"Day {days} after {code}, inside its {window}-day global: a procedure for an unrelated problem takes "
                "modifier 79; a related one is part of the first procedure's payment unless it was staged (58) or a "
                "return for a complication (78).", codes, severity="info", confidence="secondary",
                pending=None if ctx.facts.separate_problem is False else "separate_problem")
