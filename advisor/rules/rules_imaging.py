"""Image guidance: what the procedure code already includes, unguided codes billed with guidance, ultrasound proof,
and the SI joint's imaging and facility-code rules.

Which codes include imaging, which are the unguided twin of a guided code and which guidance codes exist come from
codes.yaml (`imaging`, `twin`, `guides`) and families.yaml (`variants`). Sources: CPT descriptors and parentheticals
as quoted, First Coast facet guide, CMS A57787, CPT Assistant Nov 2015 (20611 documentation), A59243/A59244.
"""

from __future__ import annotations

from advisor.claims import ClaimLine
from advisor.rules.context import Ctx
from advisor.rules.rulebook import rule


def _us_documented(ctx: Ctx) -> bool | None:
    """True/False when the facts say whether real-time US, a saved image and a report exist; None if unknown."""
    us = ctx.facts.ultrasound
    if us is None:
        return None
    parts = (us.real_time, us.permanent_image, us.report)
    if any(p is False for p in parts):
        return False
    return True if all(p is True for p in parts) else None


def _variant_code(ctx: Ctx, line: ClaimLine, imaging: str) -> str | None:
    """The code of the family's imaging variant at the same region and level (64493 under ultrasound -> 0216T)."""
    info = ctx.info(line)
    if info is None:
        return None
    variant = ctx.catalog.family(info.family).variants.get(imaging)
    if variant is None:
        return None
    return next((c.code for c in ctx.catalog.family_codes(variant)
                 if c.region == info.region and c.level == info.level), None)


@rule("IMAGING-UNGUIDED", reads={"codes", "facts"}, writes={"codes"}, severity="error", after=("addon_once",),
      explains="imaging-guidance-codes#Pain codes that already include imaging (never add 77002/77003/77012/76942)",
      sources=("cpt-code-set", "cpt-desc-epidural"))
def imaging_mismatch(ctx: Ctx) -> None:
    """The facts name the imaging: fluoroscopy or CT makes an unguided code its guided twin; no imaging makes a
    guided code (or an ultrasound-guided joint code) its unguided twin."""
    imaging = ctx.facts.imaging
    if imaging not in ("fluoroscopy", "ct", "none"):
        return
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None or not info.twin:
            continue
        if imaging != "none" and info.imaging == "without":
            ctx.add(f"{line.code} is the no-imaging code but {imaging} was used: bill {info.twin}, which includes it.",
                    [line.code, info.twin], confidence="secondary")
        elif imaging == "none" and info.imaging in ("included", "included_us"):
            ctx.add(f"{line.code} is the imaging-guided code but no imaging was used: the code is {info.twin}.",
                    [line.code, info.twin], confidence="secondary")
        else:
            continue
        ctx.replace(line, line.model_copy(update={"code": info.twin}))


@rule("IMAGING-MISMATCH", reads={"codes", "facts"}, writes={"codes"}, severity="error", after=("imaging_mismatch",),
      explains="facet-ultrasound-codes#Why facet injections under ultrasound have their own codes",
      sources=("cms-a57787", "cpt-desc-us-facet"))
def imaging_variant(ctx: Ctx) -> None:
    """Ultrasound guidance of a family with an ultrasound variant (facet injections: 0213T-0218T instead of
    64490-64495) takes the variant's code."""
    if ctx.facts.imaging != "ultrasound":
        return
    for line in list(ctx.claim):
        new = _variant_code(ctx, line, "ultrasound")
        if new is not None:
            ctx.add(f"{line.code} is for fluoroscopy or CT guidance; an ultrasound-guided facet injection is {new} "
                    "(Category III). Medicare does not cover ultrasound-guided facet injections.", [line.code, new],
                    confidence="secondary")
            ctx.replace(line, line.model_copy(update={"code": new}))


@rule("US-DOCS", reads={"codes", "facts"}, writes={"codes"}, severity="error", families={"joint"},
      after=("imaging_variant", "unguided_with_guidance"),
      explains="joint-injections-ultrasound#The three requirements for 20604/20606/20611",
      sources=("cpt-code-set", "supercoder-20611", "supercoder-arthro"))
def us_docs(ctx: Ctx) -> None:
    """20604/20606/20611 need real-time ultrasound, a permanent recorded image and a report; documented ultrasound
    guidance makes an unguided joint code the ultrasound one."""
    documented = _us_documented(ctx)
    for line in list(ctx.lines_of("joint")):
        info = ctx.info(line)
        if info is None or not info.twin:
            continue
        if info.imaging == "included_us" and documented is False:
            ctx.add(f"{line.code} requires real-time ultrasound guidance, a permanently recorded image and a written "
                    f"report; without all three bill {info.twin} (and never add 76942).", [line.code, info.twin],
                    confidence="secondary")
            ctx.replace(line, line.model_copy(update={"code": info.twin}))
        elif info.imaging == "included_us" and documented is None:
            ctx.add(f"{line.code} stands only if the note shows real-time ultrasound, a saved (retrievable) image "
                    f"and a report; otherwise the code is {info.twin}.", [line.code], severity="info",
                    confidence="secondary", pending="ultrasound")
        elif (info.imaging == "separate" and ctx.facts.imaging == "ultrasound" and documented
              and not ctx.has_code(info.twin)):
            ctx.add(f"Ultrasound guidance with a saved image and a report is documented: the joint code is "
                    f"{info.twin}, not {line.code}.", [line.code, info.twin], severity="warning",
                    confidence="secondary")
            ctx.replace(line, line.model_copy(update={"code": info.twin}))


@rule("US-GUIDANCE-DOCS", reads={"codes", "facts"}, writes={"codes"}, severity="error",
      after=("imaging_variant", "unguided_with_guidance", "guidance_included", "us_docs"),
      explains="documentation-requirements#Ultrasound guidance billed on its own line (76942)",
      sources=("cpt-code-set", "zotec-us-guidance", "supportmed-76942"))
def us_guidance_docs(ctx: Ctx) -> None:
    """Ultrasound guidance on its own line (76942) stands only with a permanently recorded image and a report of the
    localization; without them it is removed, and when the question does not say, the answer waits on it."""
    documented = _us_documented(ctx)
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None or info.guides != "ultrasound" or documented is True:
            continue
        if documented is False:
            ctx.add(f"{line.code} needs a permanently recorded image and a documented report of the guidance; without "
                    "them ultrasound is not separately reportable: bill the procedure alone.", [line.code],
                    confidence="secondary")
            ctx.replace(line, None)
        else:
            ctx.add(f"{line.code} stands only if the note keeps a saved (retrievable) ultrasound image and describes "
                    "the guidance (in a separate note or the procedure report).", [line.code], severity="info",
                    confidence="secondary", pending="ultrasound")


@rule("SI-FACILITY-G0260", reads={"codes", "facts"}, writes={"codes"}, severity="error", families={"si_joint"},
      after=("imaging_variant",),
      explains="si-joint-injection#Facility claims: G0260 in the ASC and hospital outpatient department",
      sources=("cms-a59243", "cms-a59244"))
def si_facility_code(ctx: Ctx) -> None:
    """27096 on the physician claim; G0260 on ASC and hospital outpatient facility claims (codes.yaml facility_only)."""
    for line in list(ctx.lines_of("si_joint")):
        info = ctx.info(line)
        if info is None:
            continue
        if info.facility_only and not ctx.facility_claim:
            other = next((c.code for c in ctx.catalog.family_codes("si_joint") if not c.facility_only), None)
            message = (f"{line.code} is for ASC and hospital outpatient facility claims; the physician's claim uses "
                       f"{other}.")
        elif not info.facility_only and ctx.facility_claim:
            other = next((c.code for c in ctx.catalog.family_codes("si_joint") if c.facility_only), None)
            message = (f"On an ASC or hospital outpatient facility claim the SI joint injection is {other}, not "
                       f"{line.code} (the physician's own claim keeps {line.code}).")
        else:
            continue
        if other:
            ctx.add(message, [line.code, other], confidence="secondary")
            ctx.replace(line, line.model_copy(update={"code": other}))


@rule("IMAGING-REQUIRED", reads={"codes", "facts"}, writes={"codes", "lines"}, severity="error",
      after=("si_facility_code", "imaging_variant"),
      explains="imaging-guidance-codes#Codes that require fluoroscopy or CT",
      sources=("cpt-code-set", "cpt-desc-imaging"))
def descriptor_imaging(ctx: Ctx) -> None:
    """Codes whose descriptors name fluoroscopy or CT (families.yaml `without_imaging`) are not the code when the
    procedure was done without it, or under ultrasound with no ultrasound variant of the family."""
    imaging = ctx.facts.imaging
    if imaging not in ("none", "ultrasound"):
        return
    how = "without imaging" if imaging == "none" else "under ultrasound"
    for line in list(ctx.claim):
        info = ctx.info(line)
        fam = ctx.catalog.family(info.family) if info is not None else None
        if fam is None or fam.without_imaging is None or (imaging == "ultrasound" and imaging in fam.variants):
            continue
        instead = fam.without_imaging.code
        tail = (f"CPT points to {instead} instead." if instead else
                "It has no imaging-free code of its own: check the payer's policy (some accept the unlisted 64999).")
        ctx.add(f"{line.code} includes fluoroscopy or CT guidance in its descriptor, so a {fam.label} done {how} is "
                f"not {line.code}. {tail}", [line.code, *([instead] if instead else [])],
                sources=fam.without_imaging.src, confidence=fam.without_imaging.conf)
        placed = instead is not None and any(ln.code == instead for ln in ctx.claim)
        new = ClaimLine(code=instead, diagnoses=line.diagnoses) if instead and not placed else None
        ctx.replace(line, new)  # one line for the session


@rule("IMAGING-UNGUIDED", reads={"codes", "lines"}, writes={"codes", "lines"}, severity="error",
      after=("imaging_mismatch", "facility_sides"),
      explains="imaging-guidance-codes#Pain codes that already include imaging (never add 77002/77003/77012/76942)",
      sources=("cpt-code-set", "cpt-desc-epidural", "codingahead-fluoro"))
def unguided_with_guidance(ctx: Ctx) -> None:
    """A fluoroscopy or CT guidance code on the claim says imaging was used: an unguided code becomes its guided twin
    (whose descriptor names fluoroscopy or CT), and the guidance line goes. When the facts say no imaging was used,
    the facts stand (IMAGING-UNGUIDED above made the code unguided); ultrasound is not what the twins include."""
    if ctx.facts.imaging == "none":
        return
    for g in [ln for ln in ctx.claim if ln.code in ctx.catalog.guidance_codes]:
        if (info := ctx.info(g)) is None or info.guides not in ("fluoroscopy", "ct"):
            continue
        unguided = next((ln for ln in ctx.claim if (i := ctx.info(ln)) is not None and i.imaging == "without"), None)
        if unguided is None:
            return
        twin = ctx.info(unguided).twin  # type: ignore[union-attr]
        ctx.add(f"{unguided.code} is the code for the injection without imaging, but {g.code} says guidance was used: "
                f"bill the imaging-guided code {twin} instead, which includes the guidance (no separate {g.code}).",
                [unguided.code, g.code, twin or ""], confidence="secondary")
        ctx.replace(unguided, unguided.model_copy(update={"code": twin}))
        ctx.replace(g, None)


@rule("IMAGING-INCLUDED", reads={"codes", "lines", "facts"}, writes={"codes", "lines"}, severity="error",
      after=("unguided_with_guidance", "us_docs"),
      explains="imaging-guidance-codes#Pain codes that already include imaging (never add 77002/77003/77012/76942)",
      sources=("fcso-facet",))
def guidance_included(ctx: Ctx) -> None:
    """Guidance codes are not billed with a procedure whose code already includes imaging; 76942 never goes with a
    joint injection; 77003 is for spinal needles (77002 for joints and muscles)."""
    split: tuple[list[ClaimLine], list[ClaimLine]] | None = None  # procedures by imaging; redone after a code swap
    for g in [ln for ln in ctx.claim if ln.code in ctx.catalog.guidance_codes]:
        if split is None:
            procs = [ln for ln in ctx.claim if (i := ctx.info(ln)) is not None and i.family not in ("imaging", "em")]
            split = ([ln for ln in procs if ctx.info(ln).imaging == "separate"],  # type: ignore[union-attr]
                     [ln for ln in procs if ctx.info(ln).imaging in ("included", "included_us")])  # type: ignore[union-attr]
        separate, including = split
        joint = next((s for s in separate if ctx.family_of(s) == "joint"), None)
        if g.code == "76942" and joint is not None:
            twin = ctx.info(joint).twin  # type: ignore[union-attr]
            if _us_documented(ctx):
                msg = (f"Ultrasound-guided joint injections are coded {twin} (guidance included) when real-time "
                       f"imaging, a saved image and a report are documented; do not add 76942 to {joint.code}.")
                ctx.replace(joint, joint.model_copy(update={"code": twin}))
                split = None
            else:
                msg = (f"76942 is never reported with 20600-20611. With real-time ultrasound, a saved image and a "
                       f"report, bill {twin} alone; without that documentation bill {joint.code} alone.")
            ctx.add(msg, [joint.code, "76942"], sources=("supercoder-20611", "supercoder-arthro"),
                    confidence="secondary")
            ctx.replace(g, None)
        elif separate:
            if g.code == "77003" and all(ctx.family_of(s) in ("joint", "trigger_point") for s in separate):
                ctx.add("77003 is fluoroscopy for spinal or paraspinous injections; for joint or trigger point "
                        "injections fluoroscopic guidance is 77002.", ["77003", "77002"], severity="warning",
                        sources=("aapc-77002",), confidence="secondary")
                ctx.replace(g, g.model_copy(update={"code": "77002"}))
        elif including:
            p = including[0]
            prov = ctx.info(p).prov("imaging")  # type: ignore[union-attr]
            ctx.add(f"{p.code} already includes its image guidance, so {g.code} is not billed separately (remove it).",
                    [p.code, g.code], sources=prov.sources, confidence=prov.confidence)
            ctx.replace(g, None)
