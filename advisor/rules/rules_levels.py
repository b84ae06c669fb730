"""Units that count levels, joints or muscles: spinal level chains, add-ons once, catheters once, trigger points,
joints.

The level chains (first-level code, second-level add-on, third-and-beyond code) come from each code's `level`
position in codes.yaml. Sources: CMS A58350 and First Coast (count joints, not nerves; 64492/64495 once), CPT
catheter notes, AAPC/Find-A-Code trigger point guidance (muscles, not injections; once per session; no 50).
"""

from __future__ import annotations

from advisor.claims import ClaimLine
from advisor.rules.context import Ctx, carried_modifiers
from advisor.rules.rulebook import rule


@rule("CATALOG-UNKNOWN", reads={"codes"}, severity="warning", explains="first-week-primer#What you will code in an "
      "interventional pain practice", sources=("cpt-code-set", "cpt-convention"))
def catalog_unknown(ctx: Ctx) -> None:
    """A well-formed code we do not know is never silently accepted."""
    for line in ctx.claim:
        if ctx.info(line) is None:
            ctx.add(f"{line.code} is not in this advisor's catalog (interventional pain codes, imaging guidance and "
                    "office E/M), so no rule checked it; verify it against the current CPT/HCPCS and NCCI tables.",
                    [line.code], confidence="secondary")


@rule("FACET-LEVELS", reads={"codes", "units", "mods.side"}, writes={"units", "lines"}, severity="error",
      after=("catheter_once",), explains="facet-injections#Counting levels: joints, not nerves",
      sources=("cms-a58350", "fcso-facet", "aapc-facet-units"))
def facet_levels(ctx: Ctx) -> None:
    """Several units on a first-level code mean several levels: bill the first level once plus its add-ons."""
    for line in list(ctx.claim):
        chain = ctx.catalog.level_chains.get(line.code)
        if chain is None or line.units == 1 or line.has("50"):
            continue
        extra = line.units - 1
        second, third = chain
        new = [line.model_copy(update={"units": 1})]
        mods = carried_modifiers(line.modifiers)
        if third is None:
            new.append(ClaimLine(code=second, modifiers=mods, units=extra))
        else:
            new.append(ClaimLine(code=second, modifiers=mods))
            if extra > 1:
                new.append(ClaimLine(code=third, modifiers=mods))
        further = "" if third is None else f", then {third} once for the third and any further levels"
        ctx.add(f"{line.code} x{line.units}: the first-level code is billed once per side; each further level is its "
                f"add-on ({second}{further})."
                " Levels count joints (or foramina), not nerves or needles.",
                [line.code, second] + ([third] if third else []))
        ctx.replace(line, [n for n in new if not ctx.has_code(n.code) or n.code == line.code])


@rule("FACET-ADDON-ONCE", reads={"codes", "units"}, writes={"units"}, severity="error",
      after=("facet_levels",), explains="add-on-codes#Counting units on facet, TFESI and RFA add-ons",
      sources=("fcso-facet", "codingahead-facet", "aapc-facet-units"))
def addon_once(ctx: Ctx) -> None:
    """64491/64494 (second level) and 64492/64495 (third and beyond) are one unit each; bilateral is modifier 50."""
    for line in list(ctx.claim):
        if line.code in ctx.catalog.once_addons and line.units > 1:
            ctx.add(f"{line.code} x{line.units}: this add-on is reported once per session (per side). A third, fourth "
                    "or fifth level is still one unit of the third-level code; a bilateral level takes modifier 50, "
                    "not a second unit.", [line.code], confidence="secondary")
            ctx.replace(line, line.model_copy(update={"units": 1}))


@rule("CATHETER-ONCE", reads={"codes", "units"}, writes={"units"}, severity="error", families={"epidural_catheter"},
      explains="epidural-catheter#Once per series: units for 62324-62327",
      sources=("cpt-code-set", "cpt-desc-epidural"))
def catheter_once(ctx: Ctx) -> None:
    """Epidural catheter codes cover the whole infusion or bolus series."""
    for line in list(ctx.lines_of("epidural_catheter")):
        if line.units > 1:
            ctx.add(f"{line.code} x{line.units}: catheter placement codes are reported once for the whole series of "
                    "infusions or boluses, not per day or per dose.", [line.code], confidence="secondary")
            ctx.replace(line, line.model_copy(update={"units": 1}))


TPI_SOURCES = ("cms-a59480", "aapc-tpi", "findacode-tpi")


@rule("ABLATION-TECHNIQUE", reads={"codes", "facts"}, writes={"lines"}, severity="error",
      after=("descriptor_imaging",), explains="facet-rfa#Pulsed, chemical and cryo ablation: not 64633-64636",
      sources=("cpt-code-set", "mdstrategies-destruction"))
def ablation_technique(ctx: Ctx) -> None:
    """A technique the family's destruction codes do not describe (families.yaml `unlisted_techniques`: pulsed RF,
    chemical or cryo facet denervation) is reported with the unlisted code, not the family's codes."""
    technique = ctx.facts.ablation
    if technique is None:
        return
    for line in list(ctx.claim):
        info = ctx.info(line)
        rule = ctx.catalog.family(info.family).unlisted_techniques if info is not None else None
        if rule is None or technique not in rule.techniques:
            continue
        ctx.add(f"{line.code} describes thermal destruction of the nerves; {technique} ablation is not {line.code}: "
                f"CPT sends it to the unlisted code {rule.code} (with a note describing what was done), and most "
                "payers, Medicare included, do not cover it.", [line.code, rule.code], sources=rule.src,
                confidence=rule.conf)
        ctx.replace(line, None)


@rule("TPI-ONE-CODE", reads={"codes", "lines", "facts"}, writes={"codes", "lines"}, severity="error",
      families={"trigger_point"}, after=("ablation_technique",),
      explains="trigger-point-injections#20552 vs 20553: count muscles, not injections", sources=TPI_SOURCES)
def tpi_one_code(ctx: Ctx) -> None:
    """Trigger points: one code per session, chosen by the number of distinct muscles."""
    lines = ctx.lines_of("trigger_point")
    if len(lines) < 2:
        return
    keep_code = _tpi_code(ctx) or "20553"
    ctx.add("Trigger point injections are reported with one code, once per session, chosen by the number of "
            f"distinct muscles: keep {keep_code} and remove the other trigger point line(s).",
            [ln.code for ln in lines], confidence="secondary")
    keeper = next((ln for ln in lines if ln.code == keep_code), lines[0]).model_copy(update={"code": keep_code})
    for ln in lines:
        ctx.replace(ln, keeper if ln is lines[0] else None)


def _tpi_code(ctx: Ctx) -> str | None:
    """The trigger point code the muscle count calls for (codes.yaml `muscles`), None when the count is unknown."""
    muscles = ctx.facts.muscles
    if not muscles:
        return None
    band = "1-2" if muscles <= 2 else "3+"
    return next(c.code for c in ctx.catalog.family_codes("trigger_point") if c.muscles == band)


@rule("TPI-UNITS", reads={"codes", "units"}, writes={"units"}, severity="error", families={"trigger_point"},
      after=("tpi_one_code",), explains="trigger-point-injections#Once per session, one unit, never modifier 50",
      sources=TPI_SOURCES)
def tpi_units(ctx: Ctx) -> None:
    """Trigger point codes count muscles, not injections, and are billed one unit per session."""
    for line in list(ctx.lines_of("trigger_point")):
        if line.units > 1:
            ctx.add(f"{line.code} x{line.units}: trigger point codes count muscles, not injections or needles, and "
                    "are billed one unit per session. Use 20553 for three or more muscles.", [line.code],
                    confidence="secondary")
            ctx.replace(line, line.model_copy(update={"units": 1}))


@rule("TPI-MUSCLES", reads={"codes", "facts"}, writes={"codes"}, severity="error", families={"trigger_point"},
      after=("tpi_units",), explains="trigger-point-injections#20552 vs 20553: count muscles, not injections",
      sources=TPI_SOURCES)
def tpi_muscles(ctx: Ctx) -> None:
    """The code must match the number of distinct muscles injected (1-2: 20552, 3 or more: 20553)."""
    wanted = _tpi_code(ctx)
    for line in list(ctx.lines_of("trigger_point")):
        if wanted and line.code != wanted:
            ctx.add(f"{ctx.facts.muscles} muscle(s) injected means {wanted} "
                    f"({'one or two' if wanted == '20552' else 'three or more'} muscles), not {line.code}. Count each "
                    "distinct muscle once (left and right of the same muscle count as two; that left/right point is "
                    "not confirmed in CPT text).", [line.code, wanted], confidence="secondary")
            ctx.replace(line, line.model_copy(update={"code": wanted}))


@rule("TPI-NO-50", reads={"codes", "mods.side"}, writes={"mods.side"}, severity="error", families={"trigger_point"},
      after=("tpi_muscles",), explains="trigger-point-injections#Once per session, one unit, never modifier 50",
      sources=("cms-a59480", "findacode-tpi", "aapc-bilateral-fee"))
def tpi_no_50(ctx: Ctx) -> None:
    """Trigger point codes have bilateral indicator 0: muscles on both sides are counted, never modifier 50."""
    for line in list(ctx.lines_of("trigger_point")):
        if line.has("50"):
            ctx.add(f"Modifier 50 is not used with {line.code}: trigger point codes have bilateral indicator 0. "
                    "Muscles on both sides are simply counted (e.g. both trapezius and both rhomboids = 4 muscles = "
                    "20553 x1).",
                    [line.code], confidence="secondary")
            ctx.replace(line, line.with_modifiers(drop=("50",)))


def _same_joint(a: ClaimLine, b: ClaimLine) -> bool:
    """Two joint lines describe the same joint unless a modifier tells them apart (RT vs LT, XS, 59...)."""
    marks = {"RT", "LT", "XS", "59", "XE", "XU", "XP", "50", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
             "FA", "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"}
    return set(a.modifiers) & marks == set(b.modifiers) & marks


JOINT_SOURCES = ("ncci-manual-ch4", "ncci-ch4-bursa", "aapc-joint-units")


@rule("JOINT-UNITS", reads={"codes", "units", "mods.side", "mods.x"}, writes={"units", "lines"}, severity="error",
      families={"joint"}, after=("mod25_not_em", "x_multiple", "x_prefer_xs", "facility_sides", "guidance_included"),
      explains="joint-injections#Units: one per joint per session, aspiration + injection included",
      sources=JOINT_SOURCES)
def joint_units(ctx: Ctx) -> None:
    """One unit per joint per session, covering aspiration plus injection and the joint's own bursae."""
    for line in list(ctx.lines_of("joint")):
        if line.units > 1:
            ctx.add(f"{line.code} x{line.units}: joint codes are one unit per joint, whatever the number of "
                    "aspirations, injections or bursae of that joint. Put each other joint on its own line with RT/LT "
                    "or XS; both knees (or shoulders, hips) take modifier 50 on one line.", [line.code],
                    confidence="secondary")
            ctx.replace(line, line.model_copy(update={"units": 1}))
    seen: list[ClaimLine] = []
    for line in list(ctx.lines_of("joint")):
        info = ctx.info(line)
        twin = next((s for s in seen if _same_joint(s, line)
                     and (s.code == line.code or s.code == (info.twin if info else None))), None)
        if twin is None:
            seen.append(line)
        elif twin.code == line.code:
            ctx.add(f"{line.code} appears twice for what looks like the same joint. Aspiration and injection of one "
                    "joint (and its bursae) is one unit; if these were different joints, mark the second line with "
                    "RT/LT or XS.", [line.code], confidence="secondary")
            ctx.replace(line, None)


@rule("JOINT-GUIDED-UNGUIDED", reads={"codes", "mods.side", "mods.x"}, writes={"lines"}, severity="error",
      families={"joint"}, after=("joint_units", "x_prefer_xs"),
      explains="joint-injections-ultrasound#The three requirements for 20604/20606/20611",
      sources=("cpt-code-set", "supercoder-arthro", "supercoder-20611"))
def joint_guided_unguided(ctx: Ctx) -> None:
    """The ultrasound-guided and the unguided code of one joint are one service: keep one."""
    seen: list[ClaimLine] = []
    for line in list(ctx.lines_of("joint")):
        info = ctx.info(line)
        twin = next((s for s in seen if _same_joint(s, line) and info is not None and s.code == info.twin), None)
        if twin is None:
            seen.append(line)
            continue
        guided = line if (info and info.imaging == "included_us") else twin
        unguided = twin if guided is line else line
        ctx.add(f"{guided.code} (ultrasound guided) and {unguided.code} (unguided) are the same joint service; bill "
                f"one of them per joint. Keep {guided.code} only if real-time ultrasound, a saved image and a report "
                f"are documented; otherwise bill {unguided.code}.", [guided.code, unguided.code],
                confidence="secondary")
        ctx.replace(unguided, None)
        if unguided in seen:
            seen[seen.index(unguided)] = guided
