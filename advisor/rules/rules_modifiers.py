"""Modifier placement rules: 25, 57, 59/X{EPSU}, 51, 53/73/74 (NCCI Ch. I, CMS X{EPSU} guidance, payer 59/X
policies, the MACs' discontinued-procedure pages)."""

from __future__ import annotations

from advisor.modifiers import discontinued, modifiers
from advisor.rules.context import X_MODIFIERS, Ctx
from advisor.rules.rulebook import rule


@rule("MOD25-NOT-EM", reads={"codes", "mods.em"}, writes={"mods.em"}, severity="error",
      explains="modifier-25#What modifier 25 means",
      sources=("fcso-mod25", "ncci-manual-ch1", "ncci-ch1-em", "context4-25"))
def mod25_not_em(ctx: Ctx) -> None:
    """25 belongs on the E/M line only (it describes the E/M, not the procedure)."""
    for line in list(ctx.claim):
        if line.has("25") and ctx.family_of(line) != "em":
            ctx.add(f"Modifier 25 is on {line.code}, which is not an E/M code. 25 goes on the E/M line (e.g. 99213-25) "
                    f"when the visit was significant and separately identifiable; remove it from {line.code}.",
                    [line.code])
            ctx.replace(line, line.with_modifiers(drop=("25",)))


@rule("MOD57", reads={"codes", "mods.em"}, writes={"mods.em"}, severity="error", after=("mod25_not_em",),
      explains="modifier-57#Why 57 is wrong with interventional pain codes",
      sources=("ncci-manual-ch1", "ncci-ch1-em", "mpfs-global-defs"))
def mod57(ctx: Ctx) -> None:
    """57 marks the decision for major (090-day) surgery; these pain procedures are 000/010, so 25 applies."""
    major = any((i := ctx.info(ln)) and i.global_days == "090" for ln in ctx.claim)
    for line in list(ctx.claim):
        if not line.has("57") or major:
            continue
        is_em = ctx.family_of(line) == "em"
        fix = "use 25 instead when the visit was significant and separately identifiable" if is_em else "remove it"
        ctx.add(f"Modifier 57 on {line.code} is only for the visit where the decision for a major (090-day global) "
                f"surgery is made; nothing on this claim has a 090-day global, so {fix}.", [line.code])
        ctx.replace(line, line.with_modifiers("25", drop=("57",)) if is_em else line.with_modifiers(drop=("57",)))


@rule("X-ON-EM", reads={"codes", "mods.x"}, writes={"mods.x"}, severity="error",
      explains="modifier-59-x-modifiers#Definitions: 59 and XE, XS, XP, XU",
      sources=("cms-mln1783722", "cms-xepsu", "ibx-59-policy"))
def x_on_em(ctx: Ctx) -> None:
    """59 and X{EPSU} never go on an E/M code."""
    for line in list(ctx.claim):
        bad = [m for m in line.modifiers if m in X_MODIFIERS]
        if bad and ctx.family_of(line) == "em":
            ctx.add(f"{'/'.join(bad)} cannot be used on the E/M code {line.code}; an E/M on a procedure day takes 25 "
                    "when it is significant and separately identifiable.", [line.code], confidence="secondary")
            ctx.replace(line, line.with_modifiers(drop=tuple(bad)))


@rule("X-MULTIPLE", reads={"mods.x"}, writes={"mods.x"}, severity="error", after=("x_on_em",),
      explains="modifier-59-x-modifiers#Precedence: anatomic modifiers first, then X, then 59",
      sources=("cms-mln1783722", "cms-xepsu", "ibx-59-policy"))
def x_multiple(ctx: Ctx) -> None:
    """At most one of 59/XE/XS/XP/XU per line; the specific X modifier wins over 59."""
    for line in list(ctx.claim):
        present = [m for m in line.modifiers if m in X_MODIFIERS]
        if len(present) < 2:
            continue
        keep = next((m for m in present if m != "59"), present[0])
        ctx.add(f"{line.code} carries {', '.join(present)}; use only one of 59/XE/XS/XP/XU on a line (keep {keep}).",
                [line.code], confidence="secondary")
        ctx.replace(line, line.with_modifiers(drop=tuple(m for m in present if m != keep)))


@rule("X-PREFER-XS", reads={"mods.x", "facts"}, writes={"mods.x"}, severity="warning", after=("x_multiple",),
      explains="modifier-59-x-modifiers#Precedence: anatomic modifiers first, then X, then 59",
      sources=("cms-mln1783722", "cms-xepsu", "texmed-xs"))
def x_prefer_xs(ctx: Ctx) -> None:
    """CMS asks for the more specific X{EPSU} modifier instead of 59; for a separate site that is XS."""
    for line in list(ctx.claim):
        if not line.has("59"):
            continue
        if ctx.medicare:
            ctx.add(f"{line.code}-59: Medicare prefers the specific X modifier. For a separate site or structure use "
                    "XS (XE separate encounter, XP separate practitioner, XU unusual non-overlapping service); use "
                    "RT/LT instead when they describe the difference (59 is still accepted).", [line.code],
                    severity="info", confidence="secondary")
            ctx.replace(line, line.with_modifiers(ctx.bypass_modifier, drop=("59",)))
        else:
            ctx.add(f"{line.code}-59: some commercial payers accept XS (separate site); check the payer's policy.",
                    [line.code], severity="info", confidence="secondary")


@rule("ADDON-51", reads={"codes", "mods.51"}, writes={"mods.51"}, severity="error",
      explains="modifier-51-multiple-procedures#Add-on codes never take modifier 51", sources=("fcso-facet",))
def addon_51(ctx: Ctx) -> None:
    """Add-on codes are exempt from the multiple-procedure rule, so never take 51."""
    for line in list(ctx.claim):
        info = ctx.info(line)
        if line.has("51") and info is not None and info.addon:
            ctx.add(f"{line.code} is an add-on code, exempt from multiple-procedure reduction: remove modifier 51.",
                    [line.code], sources=info.prov("addon").sources)
            ctx.replace(line, line.with_modifiers(drop=("51",)))


@rule("MOD-DISCONTINUED", reads={"codes", "mods.reduced", "facts"}, writes={"mods.reduced"}, severity="error",
      explains="discontinued-procedures#Which modifier: 53 on the physician claim, 73 or 74 on the facility claim",
      sources=("noridian-mod53", "noridian-mod74", "cms-clm104-c4-20-6-4"))
def mod_discontinued(ctx: Ctx) -> None:
    """53 is the physician's modifier for a procedure stopped after it started; ASC and hospital outpatient claims use
    73 (stopped before anesthesia) or 74 (after it); none of them goes on an E/M line."""
    own = {m.mod: m for m in modifiers().values() if m.stopped is not None}
    for line in list(ctx.claim):
        present = [m for m in line.modifiers if m in own]
        if not present:
            continue
        mod = present[0]
        if ctx.family_of(line) == "em":
            ctx.add(f"{mod} cannot go on the E/M code {line.code}: the discontinued-procedure modifiers describe a "
                    "procedure that was started and stopped.", [line.code])
            ctx.replace(line, line.with_modifiers(drop=tuple(present)))
            continue
        claim = "facility" if ctx.facility_claim else "physician"
        if own[mod].claim == claim:
            continue
        fix = discontinued(ctx.facility_claim, own[mod].stopped or "started")
        where = "an ASC or hospital outpatient facility claim" if ctx.facility_claim else "the physician's claim"
        extra = " (73 instead if it was stopped before any local anesthetic, block or sedation was given)" \
            if fix == "74" else ""
        ctx.add(f"{line.code}-{mod}: {mod} does not belong on {where}; a procedure started and then stopped takes "
                f"{fix} there{extra}.", [line.code])
        ctx.replace(line, line.model_copy(update={"modifiers": (fix, *(m for m in line.modifiers
                                                                      if m not in present))}))


@rule("GENICULAR-52", reads={"codes", "mods.reduced", "facts"}, writes={"mods.reduced"}, severity="warning",
      families={"genicular_block", "genicular_rfa"}, after=("mod_discontinued",),
      explains="genicular-nerve-procedures#Units: one unit per knee, and the three-branch rule",
      sources=("palmetto-mod52", "painmed-cpt2020"))
def genicular_reduced(ctx: Ctx) -> None:
    """The genicular codes describe the three branches together; a knee with a branch left untreated is a reduced
    service (52: Palmetto's modifier page). The three-branch instruction is our reading of the CPT changes as the
    AAPM reported them, not confirmed against the CPT book, so the finding is marked unconfirmed."""
    if not ctx.facts.branches_reduced:
        return
    for line in ctx.lines_of("genicular_block", "genicular_rfa"):
        if not line.has("52"):
            ctx.add(f"{line.code}: fewer than the three genicular branches (superolateral, superomedial, inferomedial) "
                    "were treated, so the knee takes modifier 52 (reduced service).", [line.code],
                    confidence="unconfirmed")
            ctx.replace(line, line.model_copy(update={"modifiers": ("52", *line.modifiers)}))  # pricing first
