"""Recompute an answer from the coder's correction of how its question was read.

The correction is the whole understanding as the coder confirms it (an UnderstandingEdit). It is checked against the
catalog, laid over the turn's original Reading (what the fields do not show, such as the claim lines the question
proposes, the facts it states and the levels it named, carries over), and the answer is recomputed from the
corrected encounter by the same rules, retrieval and writer as a question. The coder's reading is taken as settled:
nothing the reader could not place remains to ask about. The stored turn keeps its original answer and gains the
correction (advisor.store). The verdict and the claim still come from the rules engine alone.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from pydantic import ValidationError

from advisor.answer.compose import describe
from advisor.answer.edits import MAX_MUSCLES, Correction, JointEdit, ProcedureEdit, UnderstandingEdit
from advisor.answer.model import Answer, Understanding
from advisor.answer.understood import (
    EDIT_FIELDS,
    fields_for,
    joint_options,
    procedure_families,
    required_fields,
    shown,
    target_options,
    view_of,
)
from advisor.errors import Conflict, InvalidInput
from advisor.reader.encounter import to_encounter
from advisor.reader.model import EMFrame, Frame, Joint, Reading
from advisor.reader.reader import read
from advisor.rules.catalog import Catalog
from advisor.rules.registry import Family

log = logging.getLogger("advisor.answer")
PURPOSES = {"diagnostic": True, "therapeutic": False}


class CorrectionStore(Protocol):
    """The slice of advisor.store.ConversationStore a correction uses."""

    def turn(self, answer_id: str, conversation_id: str | None = None) -> Any: ...

    def add_correction(self, conversation_id: str, answer_id: str, edit: dict[str, Any],
                       answer: dict[str, Any]) -> Any: ...


class Recomputer(Protocol):
    """The slice of advisor.answer.pipeline.AnswerPipeline a correction uses."""

    settings: Any

    @property
    def catalog(self) -> Any: ...

    def labels(self) -> dict[str, str]: ...

    def recompute(self, question: str, understanding: Understanding, payer: str | None) -> Answer: ...


# --- checking an edit against the catalog ---------------------------------------------------------------------------

def _allowed(values: Any) -> str:
    return ", ".join(sorted(values)) or "none"


def _family(edit: ProcedureEdit, catalog: Catalog, where: str) -> Family:
    families = procedure_families(catalog)
    if edit.family not in families:
        raise InvalidInput(f"{where}.family: unknown procedure family {edit.family!r}; allowed: {_allowed(families)}",
                           f"{where}.family")
    return families[edit.family]


def _check_fields(edit: ProcedureEdit, fam: Family, base: Frame | None, catalog: Catalog, where: str) -> None:
    """Only the family's fields are set; a target and joint names are ones the catalog knows (or the reading's own)."""
    fields = fields_for(fam)
    for name in EDIT_FIELDS:
        if getattr(edit, name) not in (None, []) and name not in fields:
            raise InvalidInput(f"{where}.{name}: a {fam.label} has no {name}; its fields are "
                               f"{', '.join(fields) or 'none'}", f"{where}.{name}")
    if edit.target is not None:
        targets = set(target_options(fam, catalog)) | ({base.target} if base and base.target else set())
        if edit.target not in targets:
            raise InvalidInput(f"{where}.target: unknown target {edit.target!r} for a {fam.label}; allowed: "
                               f"{_allowed(targets)}", f"{where}.target")
    joints = set(joint_options(catalog)) | {j.name for j in (base.joints if base else [])}
    for k, joint in enumerate(edit.joints):
        if joint.name not in joints:
            raise InvalidInput(f"{where}.joints[{k}].name: unknown joint {joint.name!r}; allowed: {_allowed(joints)}",
                               f"{where}.joints[{k}].name")
    as_read = base is not None and base.family == fam.id and shown(base, catalog)
    for name in required_fields(fam):
        if getattr(edit, name) in (None, []) and not (as_read and getattr(base, name) in (None, [])):
            # left empty as the question left it is the reading's to answer; emptied, added or newly billed is not
            values = {"region": catalog.registry.regions, "target": target_options(fam, catalog),
                      "joints": joint_options(catalog)}.get(name)
            choose = f"; allowed: {_allowed(values)}" if values else f" (1-{MAX_MUSCLES})"
            raise InvalidInput(f"{where}.{name}: a {fam.label} is coded by its {name}, so it needs one{choose}",
                               f"{where}.{name}")


# --- laying the edit over the original reading ----------------------------------------------------------------------

def _joint(k: int, edit: JointEdit, base: Frame | None, keep_guidance: bool, catalog: Catalog) -> Joint:
    """Joint k of the edit; the joint it was read as (same place, else same name and side, else same name) lends the
    guidance named for it alone ('R knee US-guided, L knee landmark')."""
    read = base.joints if base else []
    before = read[k] if k < len(read) and read[k].name == edit.name else next(
        (j for j in read if j.name == edit.name and j.laterality == edit.side),
        next((j for j in read if j.name == edit.name), None))
    size = joint_options(catalog).get(edit.name) or (before.size if before else None)  # checked: one of the two
    return Joint(name=edit.name, size=size, laterality=edit.side,
                 imaging=before.imaging if before and keep_guidance else None)


def _frame(edit: ProcedureEdit, fam: Family, base: Frame | None, catalog: Catalog, where: str) -> Frame:
    """The edited procedure: the edit's fields over the original frame (a new frame for an added procedure). What the
    family's fields do not show stays as read while the family is unchanged; the levels named, their sides and the
    muscles named stay only while the count they gave is unchanged."""
    fields = fields_for(fam)
    same_family = base is not None and base.family == fam.id
    frame = base.model_copy(deep=True) if base is not None else Frame()
    frame.family, frame.label, frame.status, frame.candidates = fam.id, fam.label, "done", []
    if not same_family:  # nothing the coder could not see carries over to another family
        frame.codes = []
        frame.region, frame.levels, frame.laterality, frame.sides, frame.target = None, None, None, {}, None
        frame.imaging, frame.diagnostic, frame.muscles, frame.joints = None, None, None, []
    if "region" in fields:
        frame.region = edit.region
    if "levels" in fields:
        if base is None or edit.levels != base.levels:
            frame.level_names, frame.sides = [], {}
        frame.levels = edit.levels
    if "side" in fields:
        if edit.side == "by_level":
            if len(frame.sides) < 2:
                read_as = "; ".join(f"{s} {', '.join(n)}" for s, n in (base.sides if base else {}).items())
                raise InvalidInput(f"{where}.side: by_level keeps the sides the question gave per level "
                                   f"({read_as or 'none were given'}), so it needs the levels as read; choose left, "
                                   "right or bilateral", f"{where}.side")
        else:
            frame.laterality, frame.sides = edit.side, {}
    if "guidance" in fields:
        keep_joint_guidance = base is not None and edit.guidance == base.imaging
        frame.imaging = edit.guidance
    else:
        keep_joint_guidance = same_family
    if "purpose" in fields:
        frame.diagnostic = PURPOSES.get(edit.purpose or "")
    if "muscles" in fields:
        if base is None or edit.muscles != base.muscles:
            frame.muscles_stated, frame.muscle_names = edit.muscles, []
        frame.muscles = edit.muscles
    if "joints" in fields:  # each joint carries its own side
        frame.joints = [_joint(k, j, base, keep_joint_guidance, catalog) for k, j in enumerate(edit.joints)]
        frame.laterality, frame.sides = None, {}
    if "target" in fields:
        frame.target = edit.target
    return frame


def apply_edit(original: Reading, edit: UnderstandingEdit, catalog: Catalog) -> Reading:
    """The original reading with the coder's understanding laid over it (InvalidInput names the field to fix)."""
    reading = original.model_copy(deep=True)
    edited: dict[int, Frame] = {}
    frames: list[Frame] = []
    for i, proc in enumerate(edit.procedures):
        where = f"procedures[{i}]"
        fam = _family(proc, catalog, where)
        base = None
        if proc.source is not None:
            if proc.source >= len(original.frames):
                raise InvalidInput(f"{where}.source: the reading has {len(original.frames)} procedure frame(s); "
                                   "leave source empty for a procedure you add", f"{where}.source")
            if proc.source in edited:
                raise InvalidInput(f"{where}.source: procedure {proc.source} is edited twice", f"{where}.source")
            base = original.frames[proc.source]
        _check_fields(proc, fam, base, catalog, where)
        frame = _frame(proc, fam, base, catalog, where)
        if proc.source is not None:
            edited[proc.source] = frame
        frames.append(frame)
    # procedures shown and left out of the edit are removed; the others (planned, earlier...) stay as they were
    reading.frames = frames + [f for i, f in enumerate(original.frames) if i not in edited and not shown(f, catalog)]
    reading.facts = {**reading.facts, "payer": edit.payer.value, "setting": edit.setting.value}
    reading.em = None
    if edit.em is not None:
        em_codes = {c.code for c in catalog.family_codes("em")}
        if edit.em.code is not None and edit.em.code not in em_codes:
            raise InvalidInput(f"em.code: {edit.em.code} is not an E/M code this advisor knows; allowed: "
                               f"{_allowed(em_codes)}", "em.code")
        reading.em = EMFrame(code=edit.em.code, new_patient=edit.em.new_patient,
                             separate_problem=edit.em.separate_problem)
        for key in ("separate_problem", "new_patient"):
            value = getattr(edit.em, key)
            if value is None:
                reading.facts.pop(key, None)
            else:
                reading.facts[key] = value
    if not reading.done_frames() and reading.em is None and not reading.lines:
        raise InvalidInput("nothing is left to code: keep or add a procedure or an E/M visit", "procedures")
    reading.kind = "claim"
    reading.unplaced, reading.conflicts, reading.unsupported, reading.questions = [], [], [], []
    return reading


# --- what changed, in words -------------------------------------------------------------------------------------------

def _words(value: Any) -> str:
    if value is None or value == []:
        return "not stated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(" ".join(x for x in (j.side, j.name) if x) for j in value)
    return str(getattr(value, "value", value)).replace("_", " ")


def changes(before: UnderstandingEdit, after: UnderstandingEdit, labels: dict[str, str]) -> list[str]:
    """Each difference as 'facet joint injection / medial branch block: side right → bilateral'."""
    out: list[str] = []
    old = {p.source: p for p in before.procedures if p.source is not None}
    for proc in after.procedures:
        name = labels.get(proc.family, proc.family)
        prev = old.pop(proc.source, None) if proc.source is not None else None
        if prev is None:
            out.append(f"added {name}")
            continue
        if prev.family != proc.family:
            out.append(f"{labels.get(prev.family, prev.family)} → {name}")
        out += [f"{name}: {field} {_words(getattr(prev, field))} → {_words(getattr(proc, field))}"
                for field in EDIT_FIELDS if getattr(prev, field) != getattr(proc, field)]
    out += [f"removed {labels.get(p.family, p.family)}" for p in old.values()]
    if (before.em is None) != (after.em is None):
        out.append("added the E/M visit" if after.em else "removed the E/M visit")
    elif before.em is not None and after.em is not None:
        out += [f"E/M {field.replace('_', ' ')}: {_words(getattr(before.em, field))} → "
                f"{_words(getattr(after.em, field))}"
                for field in ("code", "separate_problem", "new_patient")
                if getattr(before.em, field) != getattr(after.em, field)]
    out += [f"{field}: {_words(getattr(before, field))} → {_words(getattr(after, field))}"
            for field in ("payer", "setting") if getattr(before, field) != getattr(after, field)]
    return out


# --- the service ------------------------------------------------------------------------------------------------------

def _original(answer: dict[str, Any]) -> Understanding:
    try:
        return Understanding.model_validate(answer["understanding"])
    except (KeyError, TypeError, ValidationError):
        raise Conflict("this answer was saved without the reading it came from (or by an older version), so it "
                       "cannot be recomputed; ask the question again", "answer_id") from None


def correct_turn(pipeline: Recomputer, store: CorrectionStore, conversation_id: str, answer_id: str,
                 edit: UnderstandingEdit) -> Answer:
    """Recompute the turn's answer from the coder's understanding and store the correction beside the original."""
    turn = store.turn(answer_id, conversation_id)
    first = turn.correction.original if turn.correction is not None else turn.answer
    original = _original(first)
    catalog = pipeline.catalog
    before = view_of(original, catalog)
    if before is None:
        raise InvalidInput("this answer has no encounter to correct (a look-up from the tables, a general question or "
                           "one outside what the advisor covers); ask the question again in other words", "answer_id")
    reading = apply_edit(original.reading, edit, catalog)
    reading.spans = read(turn.question, catalog).spans  # spans are not stored; the proposal's wording needs them
    encounter = to_encounter(reading, catalog, edit.payer.value, pipeline.settings.default_payer)
    answer = pipeline.recompute(turn.question, Understanding(reading=reading, encounter=encounter), edit.payer.value)
    labels = pipeline.labels()
    answer.corrected = Correction(changes=changes(before.as_edit(), edit, labels), original=before,
                                  original_words=describe(original.reading, original.encounter, labels))
    answer.conversation_id, answer.answer_id = conversation_id, answer_id
    store.add_correction(conversation_id, answer_id, edit.model_dump(mode="json"), answer.model_dump(mode="json"))
    log.info("correct conversation=%s answer=%s changes=%d verdict=%s lines=%d", conversation_id, answer_id,
             len(answer.corrected.changes), answer.verdict, len(answer.claim))
    return answer


__all__ = ["apply_edit", "changes", "correct_turn"]
