"""Image guidance: what the procedure code already includes, unguided codes billed with guidance, ultrasound proof,
and the SI joint's imaging and facility-code rules.

Sources: CPT descriptors and parentheticals as quoted (codingahead, SuperCoder, AAPC), First Coast facet guide,
CMS A57787, CPT Assistant Nov 2015 (20611 documentation), A59243/A59244 (SI joint, G0260).
"""

from __future__ import annotations

from advisor.claims import ClaimLine
from advisor.rules.context import Ctx

GUIDANCE = ("77002", "77003", "77012", "76942")
US_FACET = {"64490": "0213T", "64491": "0214T", "64492": "0215T", "64493": "0216T", "64494": "0217T", "64495": "0218T"}


def _us_documented(ctx: Ctx) -> bool | None:
    """True/False when the facts say whether real-time US, a saved image and a report exist; None if unknown."""
    us = ctx.facts.ultrasound
    if us is None:
        return None
    parts = (us.real_time, us.permanent_image, us.report)
    if any(p is False for p in parts):
        return False
    return True if all(p is True for p in parts) else None


def imaging_included(ctx: Ctx) -> None:
    """Guidance codes are not billed with a procedure whose code already includes imaging."""
    guidance = [ln for ln in ctx.claim if ln.code in GUIDANCE]
    if not guidance:
        return
    procs = [ln for ln in ctx.claim if (i := ctx.info(ln)) is not None and i.family not in ("imaging", "em")]
    including = [ln for ln in procs if ctx.info(ln).imaging in ("included", "included_us")]  # type: ignore[union-attr]
    separate = [ln for ln in procs if ctx.info(ln).imaging == "separate"]  # type: ignore[union-attr]
    unguided = [ln for ln in procs if ctx.info(ln).imaging == "without"]  # type: ignore[union-attr]
    for g in guidance:
        if unguided:
            u = unguided[0]
            twin = ctx.info(u).twin  # type: ignore[union-attr]
            ctx.add(
                "IMAGING-UNGUIDED", "error",
                f"{u.code} is the code for the injection without imaging, but {g.code} says guidance was used: bill "
                f"the imaging-guided code {twin} instead, which includes the guidance (no separate {g.code}).",
                [u.code, g.code, twin or ""], ["cpt-desc-epidural", "codingahead-fluoro"], "secondary",
            )
            ctx.replace(u, u.model_copy(update={"code": twin}))
            ctx.replace(g, None)
            unguided = unguided[1:]
            continue
        if g.code == "76942" and separate and any(ctx.info(s).family == "joint" for s in separate):  # type: ignore[union-attr]
            joint = next(s for s in separate if ctx.info(s).family == "joint")  # type: ignore[union-attr]
            twin = ctx.info(joint).twin  # type: ignore[union-attr]
            if _us_documented(ctx):
                msg = (f"Ultrasound-guided joint injections are coded {twin} (guidance included) when real-time "
                       f"imaging, a saved image and a report are documented; do not add 76942 to {joint.code}.")
                ctx.replace(joint, joint.model_copy(update={"code": twin}))
            else:
                msg = (f"76942 is never reported with 20600-20611. With real-time ultrasound, a saved image and a "
                       f"report, bill {twin} alone; without that documentation bill {joint.code} alone.")
            ctx.add("IMAGING-INCLUDED", "error", msg, [joint.code, "76942"], ["supercoder-20611", "supercoder-arthro"],
                    "secondary")
            ctx.replace(g, None)
            continue
        if separate:
            if g.code == "77003":
                ctx.add(
                    "IMAGING-INCLUDED", "warning",
                    "77003 is fluoroscopy for spinal or paraspinous injections; for joint or trigger point "
                    "injections fluoroscopic guidance is 77002.",
                    ["77003", "77002"], ["aapc-77002"], "secondary",
                )
                ctx.replace(g, g.model_copy(update={"code": "77002"}))
            continue
        if including:
            p = including[0]
            ctx.add(
                "IMAGING-INCLUDED", "error",
                f"{p.code} already includes its image guidance, so {g.code} is not billed separately (remove it).",
                [p.code, g.code], ctx.info(p).prov("imaging").sources,  # type: ignore[union-attr]
                ctx.info(p).prov("imaging").confidence,  # type: ignore[union-attr]
            )
            ctx.replace(g, None)


def imaging_mismatch(ctx: Ctx) -> None:
    """The facts name the imaging: the code must be the variant that matches it."""
    imaging = ctx.facts.imaging
    if imaging is None:
        return
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None:
            continue
        if info.imaging == "without" and imaging in ("fluoroscopy", "ct"):
            ctx.add(
                "IMAGING-UNGUIDED", "error",
                f"{line.code} is the no-imaging code but {imaging} was used: bill {info.twin}, which includes it.",
                [line.code, info.twin or ""], ["cpt-desc-epidural"], "secondary",
            )
            ctx.replace(line, line.model_copy(update={"code": info.twin}))
        elif imaging == "ultrasound" and line.code in US_FACET:
            new = US_FACET[line.code]
            ctx.add(
                "IMAGING-MISMATCH", "error",
                f"{line.code} is for fluoroscopy or CT guidance; an ultrasound-guided facet injection is {new} "
                "(Category III). Medicare does not cover ultrasound-guided facet injections.",
                [line.code, new], ["cpt-desc-us-facet", "verity-a57826"], "secondary",
            )
            ctx.replace(line, line.model_copy(update={"code": new}))
        elif (info.family == "joint" and info.imaging == "separate" and imaging == "ultrasound"
              and _us_documented(ctx) and not ctx.has_code(info.twin or "")):
            ctx.add(
                "US-DOCS", "warning",
                f"Ultrasound guidance with a saved image and a report is documented: the joint code is {info.twin}, "
                f"not {line.code}.",
                [line.code, info.twin or ""], ["supercoder-20611"], "secondary",
            )
            ctx.replace(line, line.model_copy(update={"code": info.twin}))


def us_docs(ctx: Ctx) -> None:
    """20604/20606/20611 need real-time ultrasound, a permanent recorded image and a report."""
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None or info.family != "joint" or info.imaging != "included_us":
            continue
        documented = _us_documented(ctx)
        if documented is False:
            ctx.add(
                "US-DOCS", "error",
                f"{line.code} requires real-time ultrasound guidance, a permanently recorded image and a written "
                f"report; without all three bill {info.twin} (and never add 76942).",
                [line.code, info.twin or ""], ["supercoder-20611", "supercoder-arthro"], "secondary",
            )
            ctx.replace(line, line.model_copy(update={"code": info.twin}))
        elif documented is None:
            ctx.add(
                "US-DOCS", "info",
                f"{line.code} stands only if the note shows real-time ultrasound, a saved (retrievable) image and a "
                f"report; otherwise the code is {info.twin}.",
                [line.code], ["supercoder-20611"], "secondary",
            )


def si_joint(ctx: Ctx) -> None:
    """27096 needs fluoroscopy or CT; ASC and hospital outpatient facility claims use G0260 instead."""
    for line in list(ctx.claim):
        if line.code == "27096" and ctx.facility_claim:
            ctx.add(
                "SI-FACILITY-G0260", "error",
                "On an ASC or hospital outpatient facility claim the SI joint injection is G0260, not 27096 "
                "(the physician's own claim keeps 27096).",
                ["27096", "G0260"], ["verity-a59244", "cms-a59243"], "secondary",
            )
            line = _swap(ctx, line, "G0260")
        elif line.code == "G0260" and not ctx.facility_claim:
            ctx.add(
                "SI-FACILITY-G0260", "error",
                "G0260 is for ASC and hospital outpatient facility claims; the physician's claim uses 27096.",
                ["G0260", "27096"], ["verity-a59244"], "secondary",
            )
            line = _swap(ctx, line, "27096")
        if line.code in ("27096", "G0260") and ctx.facts.imaging in ("none", "ultrasound"):
            how = "without imaging" if ctx.facts.imaging == "none" else "under ultrasound"
            ctx.add(
                "SI-IMAGING", "error",
                f"{line.code} requires fluoroscopy or CT confirmation of the needle in the joint. An SI injection "
                f"{how} is not {line.code}: CPT points to 20552 (an instruction not confirmed against the CPT book), "
                "and Medicare's SI joint LCDs do not cover SI injections without fluoroscopy or CT.",
                [line.code, "20552"], ["old-lcd-l31359", "verity-l39455"], "unconfirmed",
            )
            ctx.replace(line, ClaimLine(code="20552"))


def _swap(ctx: Ctx, line: ClaimLine, code: str) -> ClaimLine:
    new = line.model_copy(update={"code": code})
    ctx.replace(line, new)
    return new
