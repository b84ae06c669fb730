"""E/M on a procedure day and inside a global period (NCCI Ch. I §D; Claims Processing Manual Ch. 12 §40.1).

A 000/010-day procedure includes the visit that decides to do it. A same-day E/M is billable only when it is
significant and separately identifiable, with 25 on the E/M line; being a new patient is not enough.
"""

from __future__ import annotations

from advisor.claims import ClaimLine
from advisor.rules.context import Ctx

EM_SOURCES = ["ncci-ch1-em", "cpm-ch12", "context4-25"]


def _minor_procedures(ctx: Ctx) -> list[ClaimLine]:
    return [ln for ln in ctx.claim if (i := ctx.info(ln)) is not None and i.global_days in ("000", "010")]


def em_same_day(ctx: Ctx) -> None:
    """E/M with a minor procedure: 25 needed and the facts must support a separate problem."""
    ems = ctx.lines_of("em")
    if not ems:
        return
    procs = _minor_procedures(ctx)
    separate = ctx.facts.separate_problem
    new_note = (" Being a new patient does not by itself justify a separate E/M." if ctx.facts.new_patient else "")
    for em in ems:
        if not procs:
            if em.has("25"):
                ctx.add("EM-25-UNSUPPORTED", "warning",
                        f"{em.code}-25: no procedure with a 000 or 010 global is on this claim, so 25 has nothing to "
                        "separate the visit from; remove it.", [em.code], EM_SOURCES, "secondary")
                ctx.replace(em, em.with_modifiers(drop=("25",)))
            continue
        names = ", ".join(sorted({p.code for p in procs}))
        if separate is False:
            ctx.add(
                "EM-25-UNSUPPORTED", "error",
                f"{em.code} is not separately billable with {names}: the visit only covered the procedure (the "
                "pre-procedure check and the decision to inject are part of the procedure's payment)."
                f"{new_note} Remove the E/M line.",
                [em.code, *[p.code for p in procs]], EM_SOURCES, "secondary",
            )
            ctx.replace(em, None)
        elif em.has("25"):
            if separate is None:
                ctx.add(
                    "EM-25-UNSUPPORTED", "warning",
                    f"{em.code}-25 with {names} stands only if the note shows a significant, separately identifiable "
                    "problem beyond the decision to do the procedure (e.g. a new complaint worked up, a medication "
                    f"change for another condition).{new_note} A scheduled injection visit alone does not support 25.",
                    [em.code], EM_SOURCES, "secondary",
                )
        elif separate:
            ctx.add(
                "EM-NEEDS-25", "error",
                f"{em.code} on the same day as {names} needs modifier 25 on the E/M line, since the visit addressed a "
                "separate, significant problem.", [em.code], EM_SOURCES, "secondary",
            )
            ctx.replace(em, em.with_modifiers("25"))
        else:
            ctx.add(
                "EM-NEEDS-25", "error",
                f"{em.code} on the same day as {names} is bundled into the procedure unless the visit was significant "
                f"and separately identifiable. If the note shows that, bill {em.code}-25; if not, remove the E/M."
                f"{new_note}",
                [em.code, *[p.code for p in procs]], EM_SOURCES, "secondary",
            )
            ctx.replace(em, None)


def em_in_global(ctx: Ctx) -> None:
    """Visits in the 10 days after a 010-global procedure (e.g. facet RFA) are part of its payment."""
    days = ctx.facts.days_since_global_procedure
    ems = ctx.lines_of("em")
    if days is None or not ems or days == 0:
        return
    code = ctx.facts.global_procedure_code
    info = ctx.catalog.code(code) if code else None
    global_days = info.global_days if info else "010"
    window = {"000": 0, "010": 10, "090": 90}.get(global_days, 0)
    if days > window:
        return
    assumed = "" if info else " (no procedure code given; a 010-day global is assumed)"
    if ctx.facts.separate_problem:
        ctx.add(
            "EM-IN-GLOBAL", "warning",
            f"Day {days} after {code or 'the procedure'}, inside its {global_days}-day global{assumed}: a visit for an "
            "unrelated problem is billable with modifier 24 and documentation that it is unrelated.",
            [em.code for em in ems], ["mpfs-global-defs", "cpm-ch12"], "secondary",
        )
        return
    ctx.add(
        "EM-IN-GLOBAL", "error",
        f"Day {days} after {code or 'the procedure'}, inside its {global_days}-day global{assumed}: related follow-up "
        "visits are included in the procedure's payment and are not billed.",
        [em.code for em in ems], ["mpfs-global-defs", "cpm-ch12"], "secondary",
    )
    for em in ems:
        ctx.replace(em, None)


RULES = (em_same_day, em_in_global)
