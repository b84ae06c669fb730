"""The understanding as editable fields, and the values each field offers, both derived from the catalog.

Which fields a procedure has follows from its family's registry entry (families.yaml): a family counted in levels has
region and levels, a sided one has a side, a joint family names its joints, one coded by target names its target, a
guided one its guidance, one whose purpose matters its purpose. Nothing here lists families by name.
"""

from __future__ import annotations

import logging
from typing import Any, get_args

from pydantic import ValidationError

from advisor.answer.compose import CLAIM_TYPES, STATUS_WORDS
from advisor.answer.edits import (
    MAX_LEVELS,
    MAX_MUSCLES,
    Choices,
    EMEdit,
    FamilyChoice,
    JointChoice,
    NotBilled,
    Option,
    ProcedureView,
    Purpose,
    Side,
    UnderstandingView,
)
from advisor.answer.model import Understanding
from advisor.reader.model import Frame
from advisor.rules.catalog import Catalog
from advisor.rules.model import Imaging, JointSize, Laterality, Payer, Setting
from advisor.rules.registry import Family

log = logging.getLogger("advisor.answer")
EDIT_FIELDS = ("region", "levels", "side", "joints", "muscles", "target", "guidance", "purpose")
NOT_EDITABLE = ("lookup", "out_of_scope")
LABELS = {"ct": "CT", "none": "No imaging", "by_level": "By level, as read", "medicare": "Medicare",
          "commercial": "Commercial"}


def label(value: str) -> str:
    return LABELS.get(value) or value.replace("_", " ").capitalize()


def fields_for(fam: Family) -> tuple[str, ...]:
    """The ProcedureEdit fields a family uses, from how the registry says it is counted, sided, coded and guided."""
    wanted = {
        "region": fam.counts == "levels" or fam.select == "region",
        "levels": fam.counts == "levels",
        "side": fam.sides == "bilateral" and fam.counts != "joints",  # joints carry their own side
        "joints": fam.counts == "joints",
        "muscles": fam.counts == "muscles",
        "target": fam.select == "target",
        "guidance": fam.imaging != "none",
        "purpose": fam.purpose,
    }
    return tuple(f for f in EDIT_FIELDS if wanted[f])


def required_fields(fam: Family) -> tuple[str, ...]:
    """The fields whose value picks the code and has no default: the region of a family coded by region, and the
    joints, muscles or target of one counted or coded by them (the reader asks for the same when a question omits
    them)."""
    deciding = {"region": fam.select == "region", "joints": fam.counts == "joints",
                "muscles": fam.counts == "muscles", "target": fam.select == "target"}
    return tuple(f for f in fields_for(fam) if deciding.get(f))


def procedure_families(catalog: Catalog) -> dict[str, Family]:
    """The families a question can describe (not E/M visits or imaging guidance)."""
    return {fid: fam for fid, fam in catalog.registry.families.items() if fam.procedure}


def target_options(fam: Family, catalog: Catalog) -> list[str]:
    """The family's specific targets (families.yaml) and the targets its codes name (codes.yaml)."""
    named = [t for t in fam.targets if t not in fam.generic]
    coded = [c.target for c in catalog.family_codes(fam.id) if c.target]
    return list(dict.fromkeys(named + coded))


def joint_options(catalog: Catalog) -> dict[str, str]:
    """Joint name -> size class: the joints and bursae of anatomy.yaml that bill as themselves, and a generic joint
    of each size (what a code alone says, e.g. 'major joint')."""
    named = {jid: j.size for jid, j in catalog.registry.joints().items() if j.part_of is None and j.size}
    return named | {f"{size} joint": size for size in get_args(JointSize)}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _options(values: Any) -> list[Option]:
    return [Option(value=v, label=label(v)) for v in values]


def choices(catalog: Catalog) -> Choices:
    """What each field of an UnderstandingEdit accepts, for the page to build its selects from."""
    return Choices(
        version=catalog.registry.version,
        families=[FamilyChoice(id=fid, label=fam.label, fields=list(fields_for(fam)),
                               required=list(required_fields(fam)),
                               targets=_options(target_options(fam, catalog)) if fam.select == "target" else [])
                  for fid, fam in procedure_families(catalog).items()],
        regions=_options(catalog.registry.regions),
        sides=_options(get_args(Laterality)),
        guidance=_options(get_args(Imaging)),
        purposes=_options(get_args(Purpose)),
        joints=[JointChoice(value=name, label=label(name), size=size)
                for name, size in joint_options(catalog).items()],
        payers=_options([p.value for p in Payer]),
        settings=[Option(value=s.value, label=_sentence(CLAIM_TYPES[s.value])) for s in Setting],
        em_codes=[Option(value=c.code, label=f"{c.code} — {c.descriptor}") for c in catalog.family_codes("em")],
    )


def shown(frame: Frame, catalog: Catalog) -> bool:
    """A frame the summary shows as a billed procedure (the others are listed as not billed, or kept as they are)."""
    return frame.status == "done" and frame.family in procedure_families(catalog)


def _side(frame: Frame) -> Side | None:
    return "by_level" if len(frame.sides) > 1 else frame.laterality


def procedure_view(index: int, frame: Frame, fam: Family) -> ProcedureView:
    """One billed frame as fields; fields the family does not have are left empty."""
    fields = fields_for(fam)
    values: dict[str, Any] = {
        "region": frame.region,
        "levels": max(1, min(frame.levels, MAX_LEVELS)) if frame.levels else None,
        "side": _side(frame),
        "guidance": frame.imaging,
        "purpose": None if frame.diagnostic is None else ("diagnostic" if frame.diagnostic else "therapeutic"),
        "muscles": max(1, min(frame.muscles, MAX_MUSCLES)) if frame.muscles else None,
        # a joint without its own side takes the procedure's, when it is the only one (as the encounter reads it)
        "joints": [{"name": j.name, "side": j.laterality or (frame.laterality if len(frame.joints) == 1 else None)}
                   for j in frame.joints],
        "target": frame.target,
    }
    return ProcedureView.model_validate(
        {k: v for k, v in values.items() if k in fields} | {
            "source": index, "family": fam.id, "label": fam.label, "level_names": list(frame.level_names),
            "sides": dict(frame.sides) if "side" in fields and len(frame.sides) > 1 else {}})


def view_of(u: Understanding, catalog: Catalog) -> UnderstandingView | None:
    """The understanding as editable fields. None for look-ups, questions outside the advisor's scope and general
    questions that describe no procedure or visit (nothing to correct), and for a reading the fields cannot hold (the
    answer stands without its summary rather than fail)."""
    if u.reading.kind in NOT_EDITABLE:
        return None
    try:
        view = _view(u, catalog)
    except ValidationError as exc:
        log.warning("no editable summary for this reading (%s)", exc.errors()[0].get("type"))
        return None
    return view if view.procedures or view.not_billed or view.em else None


def _view(u: Understanding, catalog: Catalog) -> UnderstandingView:
    reading = u.reading
    families = procedure_families(catalog)
    procedures, not_billed = [], []
    for i, frame in enumerate(reading.frames):
        if shown(frame, catalog):
            procedures.append(procedure_view(i, frame, families[frame.family or ""]))
        elif frame.family in families or (frame.family is None and frame.status == "done"):
            fam = families.get(frame.family or "")
            not_billed.append(NotBilled(source=i, family=frame.family, label=fam.label if fam else "procedure",
                                        status=frame.status, why=STATUS_WORDS.get(frame.status, "procedure unsettled"),
                                        candidates=[c for c in frame.candidates if c in families],
                                        as_billed=procedure_view(i, frame, fam) if fam else None))
    facts = u.encounter.facts
    em = u.encounter.em
    return UnderstandingView(
        procedures=procedures, not_billed=not_billed, payer=facts.payer, setting=facts.setting,
        em=None if em is None else EMEdit(  # the visit's own statement first, as the recommender reads it
            code=em.code, new_patient=em.new_patient if em.new_patient is not None else facts.new_patient,
            separate_problem=em.separate_problem if em.separate_problem is not None else facts.separate_problem))


def stored_view(answer: dict[str, Any], catalog: Catalog) -> dict[str, Any] | None:
    """The view of a stored answer: its own `understood`, else derived from its stored understanding (answers saved
    before the summary existed); None when neither can be read."""
    if answer.get("understood") is not None or not isinstance(answer.get("understanding"), dict):
        return answer.get("understood")
    try:
        view = view_of(Understanding.model_validate(answer["understanding"]), catalog)
    except ValidationError:
        return None
    return view.model_dump(mode="json") if view else None


def with_views(conversation: Any, catalog: Catalog) -> Any:
    """A stored conversation whose answers all carry `understood` where their reading allows one."""
    for turn in conversation.turns:
        if turn.answer.get("understood") is None:
            turn.answer["understood"] = stored_view(turn.answer, catalog)
    return conversation


__all__ = ["EDIT_FIELDS", "choices", "fields_for", "joint_options", "procedure_families", "procedure_view",
           "required_fields", "shown", "stored_view", "target_options", "view_of", "with_views"]
