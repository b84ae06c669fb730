"""The coder's side of "I read this as": the understanding as editable fields, the correction sent back, the choices
the fields offer, and the mark a recomputed answer carries.

An answer carries `understood` (an UnderstandingView: each billed procedure and each fact as a field). The coder
changes a field and posts the whole understanding back as an UnderstandingEdit; the answer is recomputed from it and
carries `corrected` (what changed, and the reading it replaced). Which values a field accepts is catalog data
(GET /api/understanding/choices); advisor.answer.correct checks an edit against it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor.reader.model import Status
from advisor.rules.model import Imaging, Laterality, Payer, Procedure, Region, Setting

Side = Literal["left", "right", "bilateral", "by_level"]
Purpose = Literal["diagnostic", "therapeutic"]


def _upper(field: str) -> int:
    """The engine's upper bound on a Procedure field (levels, muscles), so an edit never exceeds what it accepts."""
    return next(int(m.le) for m in Procedure.model_fields[field].metadata if getattr(m, "le", None) is not None)


MAX_LEVELS = _upper("levels")
MAX_MUSCLES = _upper("muscles")
MAX_PROCEDURES = 12
MAX_JOINTS = 10


class JointEdit(BaseModel):
    """One joint or bursa of a joint procedure, with its side."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=60, description="A joint from the choices (`joints`).")
    side: Laterality | None = None


class ProcedureEdit(BaseModel):
    """One procedure as the coder confirms it; only its family's fields may be set (choices `families[].fields`)."""

    model_config = ConfigDict(extra="forbid")

    source: int | None = Field(None, ge=0, le=99, description="The procedure of the original reading this one edits "
                                                              "(`understood.procedures[].source` or "
                                                              "`understood.not_billed[].source`); empty for a "
                                                              "procedure the coder adds.")
    family: str = Field(..., min_length=1, max_length=60, description="A procedure family id from the choices.")
    region: Region | None = None
    levels: int | None = Field(None, ge=1, le=MAX_LEVELS)
    side: Side | None = Field(None, description="left | right | bilateral, or by_level to keep the sides the "
                                                "question gave per level.")
    guidance: Imaging | None = None
    purpose: Purpose | None = None
    muscles: int | None = Field(None, ge=1, le=MAX_MUSCLES)
    joints: list[JointEdit] = Field(default_factory=list, max_length=MAX_JOINTS)
    target: str | None = Field(None, max_length=60, description="The nerve or ganglion, for families coded by target.")


class EMEdit(BaseModel):
    """The E/M visit billed with the procedures."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(None, pattern=r"^\d{5}$", description="An E/M code from the choices (`em_codes`).")
    separate_problem: bool | None = Field(None, description="A significant, separately identifiable problem was "
                                                            "addressed beyond the decision to do the procedure.")
    new_patient: bool | None = None


class UnderstandingEdit(BaseModel):
    """POST /api/conversations/{id}/turns/{answer_id}/correct body: the whole understanding as the coder corrects it
    (procedures left out are removed; procedures without `source` are added)."""

    model_config = ConfigDict(extra="forbid")

    procedures: list[ProcedureEdit] = Field(default_factory=list, max_length=MAX_PROCEDURES)
    em: EMEdit | None = None
    payer: Payer
    setting: Setting = Setting.OFFICE


class ProcedureView(ProcedureEdit):
    """A billed procedure as read, with what the fields alone do not show."""

    label: str = ""
    level_names: list[str] = Field(default_factory=list, description="The levels the question named.")
    sides: dict[str, list[str]] = Field(default_factory=dict, description="Levels per side, when side is by_level.")


class NotBilled(BaseModel):
    """A procedure the reading does not bill today: planned, earlier, negated, only mentioned, or family unsettled."""

    source: int
    family: str | None = None
    label: str
    status: Status
    why: str = Field("", description="Why it is not billed, in words ('planned, not today').")
    candidates: list[str] = Field(default_factory=list, description="Families the words could mean, when unsettled.")
    as_billed: ProcedureView | None = Field(None, description="Its fields as read, to bill it today after all.")


class UnderstandingView(BaseModel):
    """`Answer.understood`: what the answer was computed from, as editable fields."""

    procedures: list[ProcedureView] = Field(default_factory=list)
    not_billed: list[NotBilled] = Field(default_factory=list)
    em: EMEdit | None = None
    payer: Payer
    setting: Setting

    def as_edit(self) -> UnderstandingEdit:
        """The view as the edit that would leave it unchanged."""
        fields = set(ProcedureEdit.model_fields)
        return UnderstandingEdit(
            procedures=[ProcedureEdit.model_validate(p.model_dump(include=fields)) for p in self.procedures],
            em=self.em, payer=self.payer, setting=self.setting)


class Correction(BaseModel):
    """`Answer.corrected`: the answer was recomputed from the coder's correction of the reading."""

    changes: list[str] = Field(default_factory=list, description="What the coder changed, in words "
                                                                 "('facet joint injection: side right → bilateral').")
    original: UnderstandingView = Field(description="The reading the correction replaced.")
    original_words: str = Field("", description="That reading in words ('I read this as: …').")


class Option(BaseModel):
    value: str
    label: str


class FamilyChoice(BaseModel):
    """A procedure family and the fields it has."""

    id: str
    label: str
    fields: list[str] = Field(description="The ProcedureEdit fields this family uses.")
    required: list[str] = Field(default_factory=list, description="The fields that pick its code and must be set.")
    targets: list[Option] = Field(default_factory=list, description="Targets, for families coded by target.")


class JointChoice(Option):
    size: Literal["small", "intermediate", "major"]


class Choices(BaseModel):
    """GET /api/understanding/choices: the values each field of an UnderstandingEdit accepts, from the catalog."""

    version: str
    families: list[FamilyChoice]
    regions: list[Option]
    sides: list[Option]
    guidance: list[Option]
    purposes: list[Option]
    joints: list[JointChoice]
    payers: list[Option]
    settings: list[Option]
    em_codes: list[Option]
    max_levels: int = MAX_LEVELS
    max_muscles: int = MAX_MUSCLES
    max_procedures: int = MAX_PROCEDURES
    max_joints: int = MAX_JOINTS


__all__ = ["Choices", "Correction", "EMEdit", "FamilyChoice", "JointChoice", "JointEdit", "NotBilled", "Option",
           "ProcedureEdit", "ProcedureView", "Purpose", "Side", "UnderstandingEdit", "UnderstandingView"]
